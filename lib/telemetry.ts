import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export { MetricUnit };
export type MetricUnitValue = (typeof MetricUnit)[keyof typeof MetricUnit];

export const SERVICE_NAME = 'gpu-fleet-scaler';
/** Every metric the controller itself publishes lives here (IAM limits PutMetricData to it). */
export const CONTROLLER_NAMESPACE = 'GpuFleetScaler';

export interface MetricPoint {
  name: string;
  value: number;
  unit: MetricUnitValue;
  dimensions: Record<string, string>;
}

/**
 * What handlers and lib/ code use to explain themselves: structured log lines and
 * metrics. Production writes them through Powertools (JSON logs, EMF); the simulated
 * cloud and the tests keep them in memory.
 */
export interface Telemetry {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  metric(point: MetricPoint): void;
}

export const powertoolsLogger = new Logger({ serviceName: SERVICE_NAME });
export const powertoolsMetrics = new Metrics({ namespace: CONTROLLER_NAMESPACE, serviceName: SERVICE_NAME });

export function powertoolsTelemetry(logger: Logger = powertoolsLogger, metrics: Metrics = powertoolsMetrics): Telemetry {
  return {
    info: (message, fields) => logger.info(message, fields ?? {}),
    warn: (message, fields) => logger.warn(message, fields ?? {}),
    error: (message, fields) => logger.error(message, fields ?? {}),
    metric: ({ name, value, unit, dimensions }) => {
      // A point without dimensions joins the invocation's document, which the handler
      // shell's logMetrics flushes (with the cold-start metric) after every invocation.
      if (Object.keys(dimensions).length === 0) {
        metrics.addMetric(name, unit, value);
        return;
      }
      // One EMF document per point with dimensions: each fleet carries its own.
      const single = metrics.singleMetric();
      for (const [key, dimensionValue] of Object.entries(dimensions)) single.addDimension(key, dimensionValue);
      single.addMetric(name, unit, value);
    },
  };
}

export interface LogLine {
  level: 'INFO' | 'WARN' | 'ERROR';
  message: string;
  fields: Record<string, unknown>;
}

/** Keeps everything in memory: used by tests, the CLI and the simulated cloud. */
export class MemoryTelemetry implements Telemetry {
  readonly lines: LogLine[] = [];
  readonly points: MetricPoint[] = [];
  info(message: string, fields: Record<string, unknown> = {}): void {
    this.lines.push({ level: 'INFO', message, fields });
  }
  warn(message: string, fields: Record<string, unknown> = {}): void {
    this.lines.push({ level: 'WARN', message, fields });
  }
  error(message: string, fields: Record<string, unknown> = {}): void {
    this.lines.push({ level: 'ERROR', message, fields });
  }
  metric(point: MetricPoint): void {
    this.points.push(point);
  }
  clear(): void {
    this.lines.length = 0;
    this.points.length = 0;
  }
  metricValues(name: string, dimensions: Record<string, string> = {}): number[] {
    return this.points
      .filter((p) => p.name === name && Object.entries(dimensions).every(([k, v]) => p.dimensions[k] === v))
      .map((p) => p.value);
  }
}
