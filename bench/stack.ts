import { createDrainHandler } from '../functions/drain.js';
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

/** What runs each minute, in order, after the cloud has stepped. */
export type MinuteStep = (now: Date) => Promise<void>;

/**
 * The deployed stack on the simulated cloud: the real scale, drain and redeploy Lambdas on
 * the cloud's ports, invoked as the stack invokes them (a scheduled event a minute; the
 * drain also on each termination lifecycle event, which is all the stack's rule matches).
 * The benchmark, the demo and the scenario tests all run the handlers through it, so
 * none of them wires a handler differently from the others.
 */
export function simStack(cloud: SimCloud, deps: HandlerDeps, options: SimStackOptions = {}) {
  const scaleHandler = createScaleHandler(() => deps, options.scaleOptions ?? (() => ({})));
  const drainHandler = createDrainHandler(() => ({ ...deps, drainDocumentName: cloud.drainDocumentName }));
  const redeployHandler = createRedeployHandler(() => ({
    ...deps,
    ...(options.redeploy?.telemetry ? { telemetry: options.redeploy.telemetry } : {}),
    forceDryRun: options.redeploy?.forceDryRun ?? false,
    ec2: simEc2Port(cloud),
  }));

  const scale = async (now: Date) => (await scaleHandler(scheduledEvent(now), lambdaContext('scale'))) as TickResult;
  const drain = async (now: Date) => void (await drainHandler(scheduledEvent(now), lambdaContext('drain')));
  /** The redeploy schedule's event at `now`, or any event an operator sends. */
  const redeploy = async (event: Date | unknown) =>
    (await redeployHandler(event instanceof Date ? { source: 'gpu-fleet-scaler.redeploy-schedule', time: event.toISOString() } : event, lambdaContext('redeploy'))) as RedeployTickResult;
  const lifecycle = async (event: LifecycleEvent) => {
    if (event['detail-type'] === 'EC2 Instance-terminate Lifecycle Action') await drainHandler(event, lambdaContext('drain'));
  };

  /** Runs `minutes` of the cloud with `everyMinute` in order; lifecycle events go to the drain unless `lifecycleEvents` is false. */
  function run(minutes: number, everyMinute: MinuteStep[], more: { onMinute?: (record: MinuteRecord) => void; lifecycleEvents?: boolean } = {}): Promise<RunResult> {
    return runSimulation({
      cloud,
      minutes,
      everyMinute,
      ...(more.lifecycleEvents === false ? {} : { onLifecycleEvent: lifecycle }),
      ...(more.onMinute ? { onMinute: more.onMinute } : {}),
    });
  }

  return { deps, scale, drain, redeploy, lifecycle, run };
}

export type SimStack = ReturnType<typeof simStack>;
