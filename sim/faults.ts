import { awsError, SimulationError, timeoutError, type SimService } from './errors.js';

/** An API fault: the call fails before (default) or after it took effect. */
export interface ApiFault {
  /** 'cloudwatch:GetMetricData', 'autoscaling:*' or '*'. */
  operation?: string;
  match?: (input: unknown) => boolean;
  /** How many calls it hits before it is used up (default: every matching call). */
  times?: number;
  /** Chance a matching call is hit, drawn from the cloud's seeded generator (default 1). */
  probability?: number;
  /** An AWS error code ('Throttling', 'InternalFailure', ...) or 'timeout' (no response). */
  error: string;
  message?: string;
  /** 'after': the call takes effect and then the answer is lost, as with a timeout after the server acted. */
  phase?: 'before' | 'after';
  /** Only from/until these simulation minutes (inclusive/exclusive). */
  fromMinute?: number;
  untilMinute?: number;
}

/** Which instances' Engine samples a data fault touches: a group (fleet) or one instance. */
export interface MetricScope {
  group?: string;
  instanceId?: string;
  fromMinute: number;
  /** Exclusive. */
  untilMinute: number;
}

/** `group`: only events of that Auto Scaling group. */
export type LifecycleEventFault =
  | { kind: 'duplicate'; times?: number; probability?: number; group?: string }
  /** Holds matching events back this many minutes, so later ones overtake them. */
  | { kind: 'delay'; minutes: number; times?: number; probability?: number; group?: string }
  | { kind: 'drop'; times?: number; probability?: number; group?: string };

/** A call that succeeds with a damaged answer (a partial or empty GetMetricData, say). */
export interface AnswerFault {
  /** 'cloudwatch:GetMetricData', 'autoscaling:*' or '*'. */
  operation?: string;
  match?: (input: unknown) => boolean;
  times?: number;
  fromMinute?: number;
  untilMinute?: number;
  /** Returns the answer the caller gets instead (may change the given one). */
  rewrite: (output: unknown, input: unknown) => unknown;
}

/**
 * A Kubernetes API fault: the API server answers an error status (429 from API Priority
 * and Fairness, 409 Conflict, 500, 503, ...) or never answers (the transport times out),
 * before the call took effect or after it did.
 */
export interface KubeFault {
  /** 'list nodes', 'patch node', 'list pods', 'create eviction', 'get scale', 'patch scale', or '*' (the default). */
  call?: string;
  cluster?: string;
  status: number | 'timeout';
  phase?: 'before' | 'after';
  times?: number;
  probability?: number;
  fromMinute?: number;
  untilMinute?: number;
}

/** One fault that hit, for checks after a run. */
export interface FaultHit {
  minute: number;
  /** 'cloudwatch:GetMetricData', 'lifecycle-event', 'ssm-agent'. */
  operation: string;
  /** The error code, 'rewrite', the event fault's kind or the agent fault's mode. */
  kind: string;
  phase?: 'before' | 'after';
}

/** What the SSM agent on an instance does with commands sent to it. */
export interface SsmAgentFault {
  instanceId?: string;
  /** Only instances of this Auto Scaling group. */
  group?: string;
  /**
   * 'no-answer': the invocation stays Pending/InProgress until its delivery timeout
   * (TimedOut, DeliveryTimedOut); 'undeliverable': it fails as Undeliverable soon after;
   * 'failed': the script runs and exits non-zero (the Engine is not SIGINTed).
   */
  mode: 'no-answer' | 'undeliverable' | 'failed';
  times?: number;
  fromMinute?: number;
  untilMinute?: number;
}

interface Counted {
  remaining: number;
}

/**
 * Every fault a test injects. Probabilities use the cloud's seeded generator, so a run
 * with the same seed fails the same calls.
 */
export class FaultInjector {
  private readonly api: Array<ApiFault & Counted> = [];
  readonly dropped: MetricScope[] = [];
  readonly delayed: Array<MetricScope & { delayMinutes: number }> = [];
  private readonly events: Array<LifecycleEventFault & Counted> = [];
  private readonly ssm: Array<SsmAgentFault & Counted> = [];
  private readonly answerFaults: Array<AnswerFault & Counted> = [];
  private readonly kubeFaults: Array<KubeFault & Counted> = [];
  /** Every fault that hit, in order. */
  readonly hits: FaultHit[] = [];

  constructor(
    private readonly random: () => number,
    private readonly minute: () => number,
    /** The group of an instance (for group-scoped agent faults). */
    private readonly groupOf: (instanceId: string) => string | undefined = () => undefined,
  ) {}

  add(fault: ApiFault): this {
    if (fault.probability !== undefined && !(fault.probability >= 0 && fault.probability <= 1)) {
      throw new SimulationError(`fault probability must be between 0 and 1, got ${fault.probability}`);
    }
    this.api.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
    return this;
  }

  /** Engine samples in the scope are never published (missing data). */
  dropMetrics(scope: MetricScope): this {
    this.dropped.push(scope);
    return this;
  }

  /** Engine samples in the scope reach CloudWatch `delayMinutes` late, on top of the usual minute (stale data). */
  delayMetrics(scope: MetricScope & { delayMinutes: number }): this {
    if (!Number.isInteger(scope.delayMinutes) || scope.delayMinutes < 1) throw new SimulationError(`delayMinutes must be a whole number >= 1, got ${scope.delayMinutes}`);
    this.delayed.push(scope);
    return this;
  }

  lifecycleEvents(fault: LifecycleEventFault): this {
    this.events.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
    return this;
  }

  answers(fault: AnswerFault): this {
    this.answerFaults.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
    return this;
  }

  kubernetes(fault: KubeFault): this {
    if (fault.probability !== undefined && !(fault.probability >= 0 && fault.probability <= 1)) {
      throw new SimulationError(`fault probability must be between 0 and 1, got ${fault.probability}`);
    }
    this.kubeFaults.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
    return this;
  }

  /** The fault that hits a Kubernetes API call of the cluster at this phase, if any (recorded as a hit). */
  kubernetesFault(cluster: string, call: string, phase: 'before' | 'after'): KubeFault | undefined {
    const minute = this.minute();
    for (const fault of this.kubeFaults) {
      if ((fault.phase ?? 'before') !== phase || fault.remaining <= 0) continue;
      if ((fault.call ?? '*') !== '*' && fault.call !== call) continue;
      if (fault.cluster !== undefined && fault.cluster !== cluster) continue;
      if (fault.fromMinute !== undefined && minute < fault.fromMinute) continue;
      if (fault.untilMinute !== undefined && minute >= fault.untilMinute) continue;
      if (fault.probability !== undefined && this.random() >= fault.probability) continue;
      fault.remaining--;
      this.hits.push({ minute, operation: `kubernetes:${call}`, kind: String(fault.status), phase });
      return fault;
    }
    return undefined;
  }

  ssmAgent(fault: SsmAgentFault): this {
    this.ssm.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
    return this;
  }

  clear(): void {
    this.api.length = 0;
    this.dropped.length = 0;
    this.delayed.length = 0;
    this.events.length = 0;
    this.ssm.length = 0;
    this.answerFaults.length = 0;
    this.kubeFaults.length = 0;
  }

  get hasMetricFaults(): boolean {
    return this.dropped.length > 0 || this.delayed.length > 0;
  }

  /** Throws the injected error for a call, if any fault hits it. */
  check(service: SimService, operation: string, input: unknown, phase: 'before' | 'after'): void {
    const minute = this.minute();
    for (const fault of this.api) {
      if ((fault.phase ?? 'before') !== phase || fault.remaining <= 0) continue;
      const op = fault.operation ?? '*';
      if (op !== '*' && op !== `${service}:${operation}` && op !== `${service}:*`) continue;
      if (fault.fromMinute !== undefined && minute < fault.fromMinute) continue;
      if (fault.untilMinute !== undefined && minute >= fault.untilMinute) continue;
      if (fault.match && !fault.match(input)) continue;
      if (fault.probability !== undefined && this.random() >= fault.probability) continue;
      fault.remaining--;
      this.hits.push({ minute, operation: `${service}:${operation}`, kind: fault.error, phase });
      if (fault.error === 'timeout') throw timeoutError(`${service}:${operation}`);
      throw awsError(service, fault.error, fault.message ?? `Simulated ${fault.error} on ${service}:${operation}`);
    }
  }

  /** The answer the caller gets: the service's own unless an answer fault rewrites it. */
  answer(service: SimService, operation: string, input: unknown, output: unknown): unknown {
    const minute = this.minute();
    let answer = output;
    for (const fault of this.answerFaults) {
      if (fault.remaining <= 0) continue;
      const op = fault.operation ?? '*';
      if (op !== '*' && op !== `${service}:${operation}` && op !== `${service}:*`) continue;
      if (fault.fromMinute !== undefined && minute < fault.fromMinute) continue;
      if (fault.untilMinute !== undefined && minute >= fault.untilMinute) continue;
      if (fault.match && !fault.match(input)) continue;
      fault.remaining--;
      this.hits.push({ minute, operation: `${service}:${operation}`, kind: 'rewrite' });
      answer = fault.rewrite(answer, input);
    }
    return answer;
  }

  /** 'drop', a delay in minutes, or 0 to publish normally. */
  metricFate(group: string, instanceId: string, minute: number): 'drop' | number {
    for (const s of this.dropped) if (inScope(s, group, instanceId, minute)) return 'drop';
    let delay = 0;
    for (const s of this.delayed) if (inScope(s, group, instanceId, minute)) delay = Math.max(delay, s.delayMinutes);
    return delay;
  }

  /** How many copies of an event to deliver (0 = dropped) and after how many minutes. */
  eventFate(group?: string): { copies: number; delayMinutes: number } {
    let copies = 1;
    let delayMinutes = 0;
    for (const fault of this.events) {
      if (fault.remaining <= 0) continue;
      if (fault.group !== undefined && fault.group !== group) continue;
      if (fault.probability !== undefined && this.random() >= fault.probability) continue;
      fault.remaining--;
      this.hits.push({ minute: this.minute(), operation: 'lifecycle-event', kind: fault.kind });
      if (fault.kind === 'drop') copies = 0;
      else if (fault.kind === 'duplicate') copies = copies === 0 ? 0 : copies + 1;
      else delayMinutes = Math.max(delayMinutes, fault.minutes);
    }
    return { copies, delayMinutes };
  }

  ssmFate(instanceId: string): SsmAgentFault['mode'] | undefined {
    const minute = this.minute();
    for (const fault of this.ssm) {
      if (fault.remaining <= 0) continue;
      if (fault.instanceId !== undefined && fault.instanceId !== instanceId) continue;
      if (fault.group !== undefined && fault.group !== this.groupOf(instanceId)) continue;
      if (fault.fromMinute !== undefined && minute < fault.fromMinute) continue;
      if (fault.untilMinute !== undefined && minute >= fault.untilMinute) continue;
      fault.remaining--;
      this.hits.push({ minute, operation: 'ssm-agent', kind: fault.mode });
      return fault.mode;
    }
    return undefined;
  }
}

function inScope(scope: MetricScope, group: string, instanceId: string, minute: number): boolean {
  if (minute < scope.fromMinute || minute >= scope.untilMinute) return false;
  if (scope.group !== undefined && scope.group !== group) return false;
  if (scope.instanceId !== undefined && scope.instanceId !== instanceId) return false;
  return true;
}
