import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { powertoolsLogger, powertoolsMetrics } from '../../lib/telemetry.js';

export type LambdaHandler<R> = MiddyfiedHandler<unknown, R, Error, Context>;

/** The handler as tests and the simulated cloud call it: their telemetry is in memory. */
export function lambda<R>(run: (event: unknown, context: Context) => Promise<R>): LambdaHandler<R> {
  return middy(run);
}

/**
 * What production adds around a handler: the Lambda context (request id, cold start,
 * function name) in every log line, and the Powertools metrics flushed after every
 * invocation, failed or not, with a ColdStart metric on the first.
 */
export function inProduction<R>(handler: LambdaHandler<R>): LambdaHandler<R> {
  return handler.use(injectLambdaContext(powertoolsLogger)).use(logMetrics(powertoolsMetrics, { captureColdStartMetric: true }));
}
