import type { LogLine, MetricPoint, Telemetry } from '../lib/telemetry.js';

/**
 * A month of one-minute ticks would keep millions of log lines in memory: the bench
 * keeps counts and the first warnings and errors (a handler error in a benchmark is a
 * finding, never noise), and drops the rest.
 */
export class BenchTelemetry implements Telemetry {
  readonly counts = { info: 0, warn: 0, error: 0 };
  readonly problems: LogLine[] = [];
  constructor(private readonly keepProblems = 20) {}

  info(): void {
    this.counts.info++;
  }
  warn(message: string, fields: Record<string, unknown> = {}): void {
    this.counts.warn++;
    this.keep({ level: 'WARN', message, fields });
  }
  error(message: string, fields: Record<string, unknown> = {}): void {
    this.counts.error++;
    this.keep({ level: 'ERROR', message, fields });
  }
  /** Seconds each released instance spent draining (the drain Lambda's DrainDurationSeconds). */
  readonly drainSeconds: number[] = [];

  metric(point: MetricPoint): void {
    if (point.name === 'DrainDurationSeconds') this.drainSeconds.push(point.value);
  }

  private keep(line: LogLine): void {
    if (this.problems.length < this.keepProblems) this.problems.push(line);
  }
}
