import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { vi } from 'vitest';
import { CONTROLLER_NAMESPACE, MetricUnit, powertoolsTelemetry, SERVICE_NAME } from '../../lib/telemetry.js';

export interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [field: string]: unknown;
}

/** What the Lambda writes to its log group for one point, through the production telemetry. */
export function emit(name: string, value: number, dimensions: Record<string, string>): EmfLine {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    const metrics = new Metrics({ namespace: CONTROLLER_NAMESPACE, serviceName: SERVICE_NAME });
    const telemetry = powertoolsTelemetry(new Logger({ serviceName: SERVICE_NAME }), metrics);
    // A point with dimensions is written at once, one without joins the invocation's
    // document: publish it as the handler shell's logMetrics does after every invocation.
    telemetry.metric({ name, value, unit: MetricUnit.Count, dimensions });
    metrics.publishStoredMetrics();
  } finally {
    write.mockRestore();
  }
  const emf = lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"_aws"'));
  if (emf.length !== 1) throw new Error(`expected one EMF line for ${name}, got ${emf.length}: ${lines.join('')}`);
  return JSON.parse(emf[0] as string) as EmfLine;
}
