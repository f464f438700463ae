import type { SimCloud } from './cloud.js';
import type { LifecycleEvent } from './events.js';
import type { MinuteRecord, SimulationTotals } from './figures.js';

export interface RunOptions {
  cloud: SimCloud;
  minutes: number;
  /** Invoked once a minute in order, as EventBridge schedules would (the scale and drain Lambdas). */
  everyMinute?: Array<(now: Date) => Promise<unknown>>;
  /** Each lifecycle event EventBridge delivers this minute (duplicates and delays as the faults say). */
  onLifecycleEvent?: (event: LifecycleEvent) => Promise<unknown>;
  onMinute?: (record: MinuteRecord) => void;
}

export interface RunResult {
  totals: SimulationTotals;
  wallMs: number;
}

export class SimulationRunError extends Error {
  override readonly name = 'SimulationRunError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The minute loop: the cloud steps (clock, boots, hook timeouts, SSM deliveries, streams
 * ending and arriving, metric samples), EventBridge delivers lifecycle events, then the
 * scheduled handlers run at the new time. A handler that throws stops the run: the real
 * handlers are expected to catch and report their own failures.
 */
export async function runSimulation(options: RunOptions): Promise<RunResult> {
  const { cloud, minutes } = options;
  if (!Number.isInteger(minutes) || minutes < 0) throw new SimulationRunError(`minutes must be a whole number >= 0, got ${minutes}`);
  const started = performance.now();
  for (let i = 0; i < minutes; i++) {
    const record = cloud.step();
    options.onMinute?.(record);
    const events = cloud.takeDueEvents();
    if (options.onLifecycleEvent) {
      for (const event of events) {
        try {
          await options.onLifecycleEvent(event);
        } catch (error) {
          throw new SimulationRunError(`lifecycle event handler failed at minute ${cloud.minute} on ${event.detail.EC2InstanceId}`, { cause: error });
        }
      }
    }
    for (const [index, handler] of (options.everyMinute ?? []).entries()) {
      try {
        await handler(cloud.now());
      } catch (error) {
        throw new SimulationRunError(`everyMinute[${index}] failed at minute ${cloud.minute} (${cloud.now().toISOString()})`, { cause: error });
      }
    }
  }
  return { totals: cloud.totals(), wallMs: performance.now() - started };
}
