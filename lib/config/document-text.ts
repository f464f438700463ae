import { isUtf8 } from 'node:buffer';

/**
 * The fleet document's bytes, checked before anything parses them: the size an SSM
 * String parameter can hold (a larger document can never be deployed, and parsing 10 MB
 * of YAML takes most of a minute), and UTF-8, which is all a parameter holds.
 */

/** SSM Parameter Store: a Standard parameter holds 4 KB, an Advanced one 8 KB. */
export const SSM_STANDARD_BYTES = 4096;
export const SSM_ADVANCED_BYTES = 8192;

export type SsmTier = 'Standard' | 'Advanced';

export interface TextProblem {
  rule: string;
  value: unknown;
}

/** The tier a document of this many bytes needs, or undefined when no tier holds it. */
export function ssmTierFor(bytes: number): SsmTier | undefined {
  if (bytes <= SSM_STANDARD_BYTES) return 'Standard';
  if (bytes <= SSM_ADVANCED_BYTES) return 'Advanced';
  return undefined;
}

/** One line for `validate`: how big the document is and how to store it. */
export function describeSsmTier(bytes: number, tier: SsmTier): string {
  if (tier === 'Standard') return `${bytes} of ${SSM_STANDARD_BYTES} bytes: fits a Standard SSM parameter`;
  return `${bytes} bytes: more than a Standard SSM parameter holds (${SSM_STANDARD_BYTES}), within the Advanced tier's ${SSM_ADVANCED_BYTES}: store it with --tier Advanced (Advanced parameters are charged monthly) or trim it to ${SSM_STANDARD_BYTES} bytes`;
}

export function sizeProblem(bytes: number): TextProblem | undefined {
  if (ssmTierFor(bytes) !== undefined) return undefined;
  return {
    rule: `must be at most ${SSM_ADVANCED_BYTES} bytes: the controller reads it from an SSM String parameter, which holds ${SSM_STANDARD_BYTES} bytes in the Standard tier and ${SSM_ADVANCED_BYTES} in the Advanced tier (split the fleets across stacks, or drop comments)`,
    value: `${bytes} bytes`,
  };
}

/** The text of a document read as bytes, or what is wrong with the bytes. A leading byte order mark is dropped. */
export function decodeDocument(bytes: Uint8Array): { text: string } | { problem: TextProblem } {
  const tooBig = sizeProblem(bytes.length);
  if (tooBig) return { problem: tooBig };
  if (!isUtf8(bytes)) {
    const offset = firstInvalidUtf8Byte(bytes);
    return { problem: { rule: `must be UTF-8 text: the byte at offset ${offset} (0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')}) is not (save the file as UTF-8)`, value: `byte ${offset}` } };
  }
  return { text: withoutByteOrderMark(new TextDecoder('utf-8').decode(bytes)) };
}

export function withoutByteOrderMark(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/**
 * Offset of the first byte sequence that is not UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF): where an editor shows the wrong character. node:buffer's isUtf8 says whether there is one, not where;
 * this walk runs only when there is, to point the operator at it.
 */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead < 0x80) length = 1;
    else if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0; // overlong
      if (lead === 0xed) high = 0x9f; // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90; // overlong
      if (lead === 0xf4) high = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined) return i;
      const min = k === 1 ? low : 0x80;
      const max = k === 1 ? high : 0xbf;
      if (next < min || next > max) return i;
    }
    i += length;
  }
  return bytes.length;
}
