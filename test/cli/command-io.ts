import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A command's output streams, keeping what it writes to each; `isTTY` says whether its stderr is a terminal. */
export function commandIo(isTTY?: boolean) {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { ...(isTTY === undefined ? {} : { isTTY }), write: (t: string) => (out.stderr += t) } } };
}

/** `document` as JSON in a file of its own, for a command's --config. */
export function documentFile(document: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fleet-document-')), 'fleets.json');
  writeFileSync(path, JSON.stringify(document));
  return path;
}
