export interface ClientOptions {
  region?: string;
  /** Points every client at one endpoint (the moto server in contract tests). */
  endpoint?: string;
}

/**
 * What every SDK client is built with. maxAttempts 1: retries happen once, in lib/aws/retry.ts, so that the simulated cloud
 * and AWS see the same retry behaviour and attempts are not multiplied.
 */
export function clientConfig(options: ClientOptions = {}) {
  return { region: options.region, endpoint: options.endpoint, maxAttempts: 1 };
}
