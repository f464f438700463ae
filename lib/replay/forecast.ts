import type { ControllerConfig, FleetConfig } from '../config/schema.js';
import { createPredictiveProvider, type PredictiveOptions } from '../predict/provider.js';
import type { ForecastProvider } from '../scaling/tick.js';
import type { MetricPoint, Telemetry } from '../telemetry.js';
import { recordedCloudWatch, type RecordedSeries } from './recorded-cloudwatch.js';

/**
 * The predictive policy for a replay: the live forecast provider itself
 * (createPredictiveProvider: the stabilised forecast, the headroom measured from the
 * fleet's past forecast errors, the scale-in hold), reading the recorded history through
 * a CloudWatch that at each tick answers only the periods over by then. One provider for
 * the whole replay, as one warm Lambda would keep its history and residuals between ticks.
 * The other fleets of the document keep their scale-down windows (they size the recent
 * read, as live) but are not forecast. `onProblem` hears what the provider would log as a
 * warning or an error (a tick it could not read stays reactive, as live).
 */
export function replayForecast(
  config: ControllerConfig,
  fleet: FleetConfig,
  recorded: readonly RecordedSeries[],
  options: PredictiveOptions = {},
  onProblem?: (message: string, fields?: Record<string, unknown>) => void,
): ForecastProvider {
  let publishedBy = -Infinity;
  const onlyThisFleet: ControllerConfig = { ...config, fleets: config.fleets.map((f) => (f.name === fleet.name ? f : { ...f, predictive: false })) };
  const telemetry: Telemetry = {
    info: () => undefined,
    warn: (message, fields) => onProblem?.(message, fields),
    error: (message, fields) => onProblem?.(message, fields),
    metric: (_point: MetricPoint) => undefined,
  };
  const provider = createPredictiveProvider({ cloudwatch: recordedCloudWatch(recorded, () => publishedBy), telemetry, loadConfig: async () => onlyThisFleet }, options);
  return (input) => {
    publishedBy = input.now.getTime();
    return provider.forecast(input);
  };
}
