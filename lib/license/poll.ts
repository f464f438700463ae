import { parseStatusBody, snippet, type AnswerProblem, type ProxyAnswer } from './answer.js';

export interface ProxyTarget {
  name: string;
  /** The full /v1/status URL. */
  url: string;
}

/** Failures with no HTTP answer at all: the proxy is unreachable from here. */
export type TransportProblem = 'Timeout' | 'ConnectionRefused' | 'TlsError' | 'DnsError' | 'NetworkError';
/** An HTTP answer came back but says nothing usable about the license. */
export type ResponseProblem = AnswerProblem | 'Redirect' | 'HttpStatus' | 'BodyTooLarge';
export type PollProblem = TransportProblem | ResponseProblem | 'PollerError';

export type PollOutcome =
  | { kind: 'answer'; proxy: ProxyTarget; answer: ProxyAnswer; httpStatus: number; elapsedMs: number }
  | { kind: 'failure'; proxy: ProxyTarget; problem: PollProblem; detail: string; httpStatus?: number; elapsedMs: number };

export interface PollOptions {
  timeoutMs: number;
  fetch?: typeof fetch;
  /** Monotonic milliseconds, for elapsedMs. */
  clock?: () => number;
}

/** A status answer is a few hundred bytes; anything far larger is not one and is not read to the end. */
export const MAX_BODY_BYTES = 64 * 1024;

export const TRANSPORT_PROBLEMS: ReadonlySet<PollProblem> = new Set<PollProblem>(['Timeout', 'ConnectionRefused', 'TlsError', 'DnsError', 'NetworkError']);

/**
 * One GET of a proxy's /v1/status. Never throws: every way it can go wrong comes back
 * as a failure naming the problem, so one proxy cannot stop the others.
 */
export async function pollProxy(proxy: ProxyTarget, options: PollOptions): Promise<PollOutcome> {
  const doFetch = options.fetch ?? fetch;
  const clock = options.clock ?? (() => performance.now());
  const started = clock();
  const elapsed = () => Math.round(clock() - started);
  // One signal for connect, headers and body: a proxy that trickles its body is as slow as one that never answers.
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  try {
    response = await doFetch(proxy.url, { method: 'GET', redirect: 'manual', signal, headers: { accept: 'application/json' } });
  } catch (error) {
    return { kind: 'failure', proxy, ...classifyFetchError(error, options.timeoutMs), elapsedMs: elapsed() };
  }
  const status = response.status;
  if (status >= 300 && status < 400) {
    // The redirect is already the verdict; a failed cancel only leaves the socket to close on its own.
    await response.body?.cancel().catch(() => undefined);
    const location = response.headers.get('location');
    return { kind: 'failure', proxy, problem: 'Redirect', httpStatus: status, detail: `HTTP ${status} redirect to ${location ?? '(no Location)'}: redirects are not followed, the configured URL must be the status endpoint itself`, elapsedMs: elapsed() };
  }
  let body: string;
  try {
    body = await readBody(response);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      return { kind: 'failure', proxy, problem: 'BodyTooLarge', httpStatus: status, detail: error.message, elapsedMs: elapsed() };
    }
    return { kind: 'failure', proxy, ...classifyFetchError(error, options.timeoutMs), httpStatus: status, elapsedMs: elapsed() };
  }
  const parsed = parseStatusBody(body, response.headers.get('content-type'));
  // A proxy may report Failed with a 5xx; a readable status beats the status code.
  if (parsed.ok) return { kind: 'answer', proxy, answer: parsed.answer, httpStatus: status, elapsedMs: elapsed() };
  if (status < 200 || status >= 300) {
    return { kind: 'failure', proxy, problem: 'HttpStatus', httpStatus: status, detail: `HTTP ${status} ${response.statusText}: ${snippet(body)}`, elapsedMs: elapsed() };
  }
  return { kind: 'failure', proxy, problem: parsed.problem, httpStatus: status, detail: parsed.detail, elapsedMs: elapsed() };
}

class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

async function readBody(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError(`body larger than ${MAX_BODY_BYTES} bytes: not a status answer`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface CodedError {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  errors?: unknown[];
}

/** Walks error.cause (and AggregateError.errors) to the socket-level errors undici wraps in "fetch failed". */
function errorChain(error: unknown): CodedError[] {
  const chain: CodedError[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && chain.length < 10) {
    const next = queue.shift();
    if (typeof next !== 'object' || next === null) continue;
    const coded = next as CodedError;
    chain.push(coded);
    if (coded.cause !== undefined) queue.push(coded.cause);
    if (Array.isArray(coded.errors)) queue.push(...coded.errors);
  }
  return chain;
}

const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|EPROTO$|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|HOSTNAME_MISMATCH)/;

export function classifyFetchError(error: unknown, timeoutMs: number): { problem: TransportProblem; detail: string } {
  const chain = errorChain(error);
  // DOMException carries a numeric legacy code; only Node's string codes say anything.
  const codes = chain.map((e) => (typeof e.code === 'string' ? e.code : ''));
  const describe = chain
    .map((e, i) => [codes[i], e.message?.replace(/\s+/g, ' ').trim()].filter(Boolean).join(' '))
    .filter(Boolean)
    .join(' <- ');
  const names = chain.map((e) => e.name ?? '');
  if (names.includes('TimeoutError') || names.includes('AbortError') || codes.includes('UND_ERR_CONNECT_TIMEOUT') || codes.includes('ETIMEDOUT')) {
    return { problem: 'Timeout', detail: `no complete answer within ${timeoutMs} ms (${describe})` };
  }
  if (codes.some((code) => TLS_CODE.test(code)) || chain.some((e) => /SSL|TLS|certificate/i.test(e.message ?? ''))) {
    return { problem: 'TlsError', detail: `TLS handshake failed (${describe})` };
  }
  if (codes.includes('ECONNREFUSED')) return { problem: 'ConnectionRefused', detail: `connection refused: nothing listens there (${describe})` };
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) return { problem: 'DnsError', detail: `host name does not resolve (${describe})` };
  return { problem: 'NetworkError', detail: describe || String(error) };
}
