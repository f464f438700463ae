/**
 * What one invocation knows of AWS's clock. Deadlines and cooldowns are measured against
 * timestamps AWS wrote (a command's RequestedDateTime, an activity's StartTime, the time
 * a tag records), so `now` must be AWS's time too, not the Lambda host's, whose clock
 * may run ahead or behind. An event's `time` is AWS's clock when the event happened,
 * which is before the invocation: with the duration the invocation has run since (a
 * duration the host measures well whatever its clock says) it never runs ahead of AWS.
 *
 * - `earliest()` never runs ahead of AWS's clock: deadlines and cooldowns end by it, so a
 *   release or a scale-in is never early, whichever way the host's clock is off.
 * - `latest()` is the later of it and the host's clock: what the controller stamps on
 *   what it did (the last-scaling tag), so a tick delivered late (a retried invocation)
 *   never dates its scaling into the past and shortens the cooldown that follows.
 *
 * Without an event time (an operator's manual invocation) the host's clock is all there
 * is: the invocation decides on it (a window or a metric period is then where the
 * operator expects it), and its stamps carry a margin of CLOCK_SKEW_MARGIN_SECONDS, as
 * the license watcher keeps for the License Proxy's clock, so a host clock running behind
 * never shortens the cooldown that follows.
 */
export interface AwsTime {
  earliest: () => Date;
  latest: () => Date;
  source: 'event' | 'host';
  /** Host clock minus the event's time when the invocation began: delivery delay plus the host's skew. */
  offsetSeconds?: number;
}

export const CLOCK_SKEW_MARGIN_SECONDS = 120;

export function awsTime(eventTime: Date | undefined, hostNow: () => Date): AwsTime {
  const startedMs = hostNow().getTime();
  if (eventTime === undefined || Number.isNaN(eventTime.getTime())) {
    const margin = CLOCK_SKEW_MARGIN_SECONDS * 1000;
    return { earliest: hostNow, latest: () => new Date(hostNow().getTime() + margin), source: 'host' };
  }
  const eventMs = eventTime.getTime();
  // Elapsed time never runs backwards, even if the host's clock is stepped mid-invocation.
  const earliestMs = () => eventMs + Math.max(0, hostNow().getTime() - startedMs);
  return {
    earliest: () => new Date(earliestMs()),
    latest: () => new Date(Math.max(earliestMs(), hostNow().getTime())),
    source: 'event',
    offsetSeconds: Math.round((startedMs - eventMs) / 1000),
  };
}
