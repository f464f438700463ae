import { MemoryTelemetry, type MetricPoint } from '../lib/telemetry.js';

export interface SimTelemetryOptions {
  /** Keep at most this many log lines and metric points (oldest dropped). Default: keep all. */
  limit?: number;
  /** Drop INFO lines (keep WARN and ERROR), for long runs. Default false. */
  warningsOnly?: boolean;
  /** Also publish every metric point into the simulated CloudWatch (namespace GpuFleetScaler), as EMF would. */
  forward?: (point: MetricPoint) => void;
}

/**
 * MemoryTelemetry that can stay small over 28 simulated days: a bounded window of lines
 * and points, counts per message kept forever.
 */
export class SimTelemetry extends MemoryTelemetry {
  readonly messageCounts = new Map<string, number>();
  constructor(private readonly options: SimTelemetryOptions = {}) {
    super();
  }

  override info(message: string, fields: Record<string, unknown> = {}): void {
    this.count(message);
    if (!this.options.warningsOnly) super.info(message, fields);
    this.trim();
  }

  override warn(message: string, fields: Record<string, unknown> = {}): void {
    this.count(message);
    super.warn(message, fields);
    this.trim();
  }

  override error(message: string, fields: Record<string, unknown> = {}): void {
    this.count(message);
    super.error(message, fields);
    this.trim();
  }

  override metric(point: MetricPoint): void {
    super.metric(point);
    this.options.forward?.(point);
    this.trim();
  }

  private count(message: string): void {
    this.messageCounts.set(message, (this.messageCounts.get(message) ?? 0) + 1);
  }

  private trim(): void {
    const limit = this.options.limit;
    if (limit === undefined) return;
    if (this.lines.length > limit * 2) this.lines.splice(0, this.lines.length - limit);
    if (this.points.length > limit * 2) this.points.splice(0, this.points.length - limit);
  }
}

