import type { InstanceLoad } from '../fleet/instance-load.js';
import { drainClockNumbers, graceOver, type DrainClockNumbers } from './drain-clock.js';

/**
 * What SSM says about one drain command sent to the instance. `Success` means the script
 * ran and the SIGINT went out; only `containersExited` (the document's closing line in
 * the output) says the Engine and API containers are gone (infra/ssm-drain-document.yml).
 */
export interface DrainCommand {
  /** Absent when SSM's answer left it out, as are `requestedAt` and `status` (named in `missing`). */
  commandId?: string;
  /** RequestedDateTime. Unknown when absent, never a time: see drainClockStart. */
  requestedAt?: Date;
  /** When the agent started running the script (the plugin's ResponseStartDateTime): the SIGINT moment. */
  startedAt?: Date;
  /** SSM's invocation status: Pending, Delayed, InProgress, Success, Failed, TimedOut, Cancelled, Cancelling. Unknown when absent. */
  status?: string;
  /** The script's exit code, once it has one. */
  responseCode?: number;
  /** The output ends with the document's "every signalled container has exited" line. */
  containersExited?: boolean;
  /** The fields SSM's answer left out (InstanceId, CommandId, RequestedDateTime, Status): the command was sent, what it did is partly unknown. */
  missing?: readonly string[];
}

/** The drain document's exit code when it signalled the containers but they outlived waitSeconds. */
export const EXIT_SIGNALLED_STILL_RUNNING = 5;

export interface DrainPolicy {
  gracePeriodSeconds: number;
  /** A command that failed or timed out is sent again, at most this often. */
  resendAfterSeconds: number;
}

export interface DrainObservation {
  instanceId: string;
  /** Every drain command sent to this instance, in any order. */
  commands: readonly DrainCommand[];
  load: InstanceLoad | undefined;
  /**
   * When the instance began terminating according to the group's scaling activity; the
   * drain clock falls back to it when no command could ever be sent, so an instance
   * whose SSM agent never registered is still released at its deadline.
   */
  terminatingSince?: Date;
}

export const DRAIN_REASONS = {
  SigintNotSent: 'no drain command for this instance yet: send one',
  SigintRetry: 'the last drain command failed or was never delivered: send it again',
  SigintPending: 'the drain command is not delivered yet (SSM agent busy or not answering): holding',
  AwaitingPostSigintData: 'no load datapoint measured wholly after the SIGINT yet: holding, never releasing on missing data',
  StreamsActive: 'the instance still serves requests: holding',
  DrainedEmpty: 'a datapoint measured after the SIGINT shows no active request: releasing',
  ContainersExited: 'the drain command reports every signalled container has exited: releasing',
  GraceExpired: 'the grace period is over: releasing, whatever is still running is cut',
  CommandIncomplete: 'SSM described a drain command without its status or request time: it counts as sent and is never sent again for that; holding until a complete answer or the deadline from the earliest time known',
  SigintPastDeadline: 'the grace from the termination is over by the host clock, not yet by the time AWS is known to have reached: holding, no SIGINT (a first command would restart the grace)',
  /** Not from decideDrain: the shell's answer when it cannot observe enough to decide. */
  HistoryUnreadable: 'the SSM command history could not be read: only holding, nothing sent or released',
} as const;
export type DrainReason = keyof typeof DRAIN_REASONS;

export type DrainAction =
  /** Send the SIGINT command, and heartbeat: the hook may have been waiting a while. */
  | 'SendAndHeartbeat'
  | 'Heartbeat'
  | 'Complete'
  | 'Force';

export interface DrainDecision {
  instanceId: string;
  action: DrainAction;
  reason: DrainReason;
  /** drainSeconds counts from the first command, else (none, or one whose request time is unknown) the termination activity. */
  numbers: DrainClockNumbers & {
    commands: number;
    /** Commands SSM described without a field (DrainCommand.missing); absent when none. */
    incompleteCommands?: number;
  };
}

// The agent is running the script (its first act is the SIGINT) or ran it to the end.
const DELIVERED = new Set(['InProgress', 'Success']);
const signalled = (c: DrainCommand) => (c.status !== undefined && DELIVERED.has(c.status)) || (c.status === 'Failed' && c.responseCode === EXIT_SIGNALLED_STILL_RUNNING);
// Statuses that end a command without the SIGINT known to be sent: worth sending again.
// A resend never sends a second SIGINT: the document keeps a marker per container.
const RETRYABLE = new Set(['Failed', 'TimedOut', 'Cancelled']);

/**
 * One tick's decision for one instance in Terminating:Wait. Pure: plain values and `now`.
 *
 * 1. The drain clock starts at the first command's RequestedDateTime (before any command
 *    exists, at the termination activity; see drainClockStart when SSM left a time out);
 *    the deadline is that plus the grace period, and a resend never moves it.
 * 2. The command reports the containers exited: release.
 * 3. A datapoint whose whole period lies after the first delivered SIGINT shows zero
 *    requests: release. Earlier datapoints include requests from before the SIGINT, and a
 *    missing datapoint proves nothing, so both hold.
 * 4. At the deadline: release whatever runs (Force), counting the streams cut. Checked
 *    after 2 and 3 so an empty instance is never reported as cut.
 * 5. No command: send one, unless the deadline from the termination activity has passed
 *    by `latest` (the host clock, when it runs ahead of `now`): a first command then would
 *    restart a grace that is over, so the instance is only held until `now` reaches the
 *    deadline. A command whose status or request time is unknown: hold, never send again
 *    for it. The latest failed: send again, at most every resendAfterSeconds.
 * 6. Otherwise hold, heartbeating so the hook does not time out.
 *
 * `now` is never ahead of AWS's clock (lib/aws-time.ts): a release is never early. A tick
 * behind it (a late event) therefore releases late, never early.
 */
export function decideDrain(observation: DrainObservation, policy: DrainPolicy, now: Date, latest: Date = now): DrainDecision {
  // Commands whose request time is unknown sort last: `find` below prefers a known one.
  const commands = [...observation.commands].sort((a, b) => (a.requestedAt?.getTime() ?? Infinity) - (b.requestedAt?.getTime() ?? Infinity));
  const newest = commands[commands.length - 1];
  const incomplete = commands.filter((c) => c.status === undefined || c.requestedAt === undefined).length;
  const startMs = drainClockStart(commands, observation.terminatingSince)?.getTime();
  const nowMs = now.getTime();
  const load = observation.load;
  const numbers: DrainDecision['numbers'] = {
    ...drainClockNumbers(startMs, policy.gracePeriodSeconds, nowMs, load),
    commands: commands.length,
    ...(commands.some((c) => c.missing?.length) ? { incompleteCommands: commands.filter((c) => c.missing?.length).length } : {}),
  };
  const decide = (action: DrainAction, reason: DrainReason): DrainDecision => ({ instanceId: observation.instanceId, action, reason, numbers });

  const expired = graceOver(startMs, policy.gracePeriodSeconds, nowMs);
  if (commands.some((c) => c.status === 'Success' && c.containersExited === true)) return decide('Complete', 'ContainersExited');
  const delivered = commands.find(signalled);
  // The datapoint's timestamp is its period's start: at or after the SIGINT means every
  // sample in it was taken after the Engine stopped accepting new requests. The SIGINT is
  // when the agent ran the script, which a busy agent may do long after the request.
  const sigintMs = (delivered?.startedAt ?? delivered?.requestedAt)?.getTime();
  const postSigint = sigintMs !== undefined && load?.at !== undefined && load.activeRequests !== undefined && load.at.getTime() >= sigintMs;
  if (postSigint && load?.activeRequests === 0) return decide('Complete', 'DrainedEmpty');
  if (expired) return decide('Force', 'GraceExpired');
  if (!newest) {
    const overByHostClock = graceOver(startMs, policy.gracePeriodSeconds, latest.getTime());
    return overByHostClock ? decide('Heartbeat', 'SigintPastDeadline') : decide('SendAndHeartbeat', 'SigintNotSent');
  }
  if (!delivered) {
    // Which command is newest, and whether it failed, is unknown: a resend would be a guess.
    if (incomplete > 0) return decide('Heartbeat', 'CommandIncomplete');
    const resendDue = RETRYABLE.has(newest.status ?? '') && nowMs - (newest.requestedAt?.getTime() ?? nowMs) >= policy.resendAfterSeconds * 1000;
    return resendDue ? decide('SendAndHeartbeat', 'SigintRetry') : decide('Heartbeat', 'SigintPending');
  }
  return postSigint ? decide('Heartbeat', 'StreamsActive') : decide('Heartbeat', 'AwaitingPostSigintData');
}

/**
 * When the drain began. With every command's request time known, the first request: a
 * resend never moves it. With none sent, or one whose RequestedDateTime SSM left out (its
 * request, maybe the first, is unknown), the earliest time still known: the termination
 * activity's start (the moment the hook began to wait, before any command), else a known
 * request, else a plugin's start. Never later than the first request when the activity is
 * known, so the deadline is never moved out by a missing field; never before the wait
 * began, so a release is never early of the grace the hook gives. Undefined when nothing
 * is known: the instance is held, and the hook's own timeout is the last resort.
 */
export function drainClockStart(commands: readonly DrainCommand[], terminatingSince: Date | undefined): Date | undefined {
  const requested = commands.flatMap((c) => (c.requestedAt ? [c.requestedAt.getTime()] : []));
  if (requested.length > 0 && requested.length === commands.length) return new Date(Math.min(...requested));
  if (terminatingSince) return terminatingSince;
  const known = [...requested, ...commands.flatMap((c) => (!c.requestedAt && c.startedAt ? [c.startedAt.getTime()] : []))];
  return known.length > 0 ? new Date(Math.min(...known)) : undefined;
}
