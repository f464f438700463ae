export class AwsCallError extends Error {
  override readonly name = 'AwsCallError';
  constructor(
    readonly operation: string,
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(`${operation} failed after ${attempts} attempt(s): ${describeError(options.cause)}`, options);
  }
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Returns a number in [0, 1); injected so tests and the simulation are deterministic. */
  random: () => number;
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

const TRANSIENT_CODES = new Set([
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ResourceContention',
  'ServerException',
]);

interface ErrorLike {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as ErrorLike;
  const code = e.name ?? e.code ?? '';
  if (THROTTLING_CODES.has(code) || TRANSIENT_CODES.has(code)) return true;
  if (e.code !== undefined && TRANSIENT_CODES.has(e.code)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return status === 429 || (status !== undefined && status >= 500);
}

/** Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
export function backoffDelayMs(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(policy.random() * ceiling);
}

export async function withRetry<T>(
  operation: string,
  call: () => Promise<T>,
  policy: RetryPolicy = defaultRetryPolicy,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isRetryable(error) || attempt >= policy.attempts) {
        throw new AwsCallError(operation, attempt, { cause: error });
      }
      await policy.sleep(backoffDelayMs(attempt, policy));
    }
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** The error code AWS answered with, looking through an AwsCallError to its cause. */
export function awsErrorCode(error: unknown): string | undefined {
  const inner = error instanceof AwsCallError ? error.cause : error;
  if (typeof inner !== 'object' || inner === null) return undefined;
  const e = inner as ErrorLike;
  return e.name ?? e.code;
}
