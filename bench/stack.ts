import { createDrainHandler, type DrainHandlerResult } from '../functions/drain.js';
import { createRedeployHandler } from '../functions/redeploy.js';
import { createScaleHandler } from '../functions/scale.js';
import type { RedeployTickResult } from '../lib/redeploy/reconcile.js';
import type { HandlerDeps } from '../lib/runtime/deps.js';
import type { TickOptions, TickResult } from '../lib/scaling/tick.js';
import type { Telemetry } from '../lib/telemetry.js';
import type { SimCloud } from '../sim/cloud.js';
import { simEc2Port } from '../sim/ec2.js';
import type { LifecycleEvent } from '../sim/events.js';
import { lambdaContext, scheduledEvent } from '../sim/lambda.js';
import type { MinuteRecord } from '../sim/figures.js';
import { runSimulation, type RunResult } from '../sim/run.js';

export interface SimStackOptions {
  /** What the scale Lambda's options are each tick (a forecast provider, a dry run); default none. */
  scaleOptions?: () => TickOptions;
  /** The redeploy Lambda's own telemetry and dry run; default: the stack's deps, not dry. */
  redeploy?: { telemetry?: Telemetry; forceDryRun?: boolean };
}

/** What runs each minute, in order, after the cloud has stepped; what it returns is not used. */
export type MinuteStep = (now: Date) => Promise<unknown>;

export interface SimRunOptions {
  onMinute?: (record: MinuteRecord) => void;
  /**
   * Where lifecycle events go: by default to this stack's drain; false, nowhere; a function,
   * there instead (a harness that wraps each invocation of the drain itself).
   */
  lifecycleEvents?: boolean | ((event: LifecycleEvent) => Promise<unknown>);
}

/**
 * The deployed stack on the simulated cloud: the real scale, drain and redeploy Lambdas on
 * the cloud's ports, invoked as the stack invokes them (a scheduled event a minute; the
 * drain also on each termination lifecycle event, which is all the stack's rule matches).
 * The benchmark, the demo and the scenario and fault tests all run the handlers through
 * it, so none of them wires a handler differently from the others.
 *
 * `deps` as a function is read at every invocation, as the Lambdas read theirs: a harness
 * gives each invocation its own ports or clock that way. One stack is one warm container
 * of each Lambda (what a handler keeps between invocations stays in it); two stacks on one
 * cloud are two containers, as two invocations at once run in AWS.
 */
export function simStack(cloud: SimCloud, deps: HandlerDeps | (() => HandlerDeps), options: SimStackOptions = {}) {
  const current = typeof deps === 'function' ? deps : () => deps;
  const scaleHandler = createScaleHandler(current, options.scaleOptions ?? (() => ({})));
  const drainHandler = createDrainHandler(() => ({ ...current(), drainDocumentName: cloud.drainDocumentName }));
  const redeployHandler = createRedeployHandler(() => ({
    ...current(),
    ...(options.redeploy?.telemetry ? { telemetry: options.redeploy.telemetry } : {}),
    forceDryRun: options.redeploy?.forceDryRun ?? false,
    ec2: simEc2Port(cloud),
  }));

  const scale = async (now: Date) => (await scaleHandler(scheduledEvent(now), lambdaContext('scale'))) as TickResult;
  const drain = async (now: Date) => (await drainHandler(scheduledEvent(now), lambdaContext('drain'))) as DrainHandlerResult;
  /** The redeploy schedule's event at `now`, or any event an operator sends. */
  const redeploy = async (event: Date | unknown) =>
    (await redeployHandler(event instanceof Date ? { source: 'gpu-fleet-scaler.redeploy-schedule', time: event.toISOString() } : event, lambdaContext('redeploy'))) as RedeployTickResult;
  /** The drain's answer to a termination lifecycle event; undefined for an event the stack's rule does not match. */
  const lifecycle = async (event: LifecycleEvent) => {
    if (event['detail-type'] !== 'EC2 Instance-terminate Lifecycle Action') return undefined;
    return (await drainHandler(event, lambdaContext('drain'))) as DrainHandlerResult;
  };

  /** Runs `minutes` of the cloud with `everyMinute` in order, lifecycle events delivered as `more.lifecycleEvents` says. */
  function run(minutes: number, everyMinute: MinuteStep[], more: SimRunOptions = {}): Promise<RunResult> {
    const onLifecycleEvent = typeof more.lifecycleEvents === 'function' ? more.lifecycleEvents : more.lifecycleEvents === false ? undefined : lifecycle;
    return runSimulation({
      cloud,
      minutes,
      everyMinute,
      ...(onLifecycleEvent ? { onLifecycleEvent } : {}),
      ...(more.onMinute ? { onMinute: more.onMinute } : {}),
    });
  }

  return { scale, drain, redeploy, lifecycle, run };
}

export type SimStack = ReturnType<typeof simStack>;
