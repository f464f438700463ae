import type { HandlerDeps } from './deps.js';
import { awsTime, CLOCK_SKEW_MARGIN_SECONDS } from '../aws-time.js';

/**
 * The deps one invocation runs with: `now` never ahead of AWS's clock and `stampNow` never
 * behind it (lib/aws-time.ts), from the event's time when it has one. A host clock
 * (or a delivery) further off than the margin is said in the log, once per invocation.
 */
export function invocationDeps<D extends HandlerDeps>(deps: D, eventTime: Date | undefined): D {
  const clock = awsTime(eventTime, deps.now);
  if (clock.offsetSeconds !== undefined && Math.abs(clock.offsetSeconds) > CLOCK_SKEW_MARGIN_SECONDS) {
    deps.telemetry.warn('the host clock and the event time disagree: deciding on the event time', {
      eventTime: eventTime?.toISOString(),
      hostTime: deps.now().toISOString(),
      offsetSeconds: clock.offsetSeconds,
      explanation: 'positive: the event was delivered late (a retried invocation) or the host clock runs ahead; negative: the host clock runs behind',
    });
  }
  return { ...deps, now: clock.earliest, stampNow: clock.latest };
}
