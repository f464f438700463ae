import type { FleetConfig } from '../config/schema.js';
import type { RequestKind } from '../fleet/engine-metrics.js';
import { forecastLoad, type LoadPoint } from '../predict/model.js';
import { leadMinutesFor } from '../predict/provider.js';
import type { PeriodObservation } from '../fleet/observation.js';
import { capacityOf, configuredKinds } from '../fleet/recommend.js';

/**
 * The predictive policy for a replay: at each tick, the forecast model over the
 * five-minute history recorded before that tick and the one-minute loads the tick saw,
 * exactly as the live provider computes it.
 */
export function replayForecast(
  fleet: FleetConfig,
  periodSeconds: number,
  history: Partial<Record<RequestKind, LoadPoint[]>>,
  historyPeriodMinutes: number,
): (now: Date, seen: readonly PeriodObservation[]) => number | undefined {
  const periodMs = historyPeriodMinutes * 60_000;
  return (now, seen) => {
    let best: number | undefined;
    for (const kind of configuredKinds(fleet)) {
      const recent: LoadPoint[] = [];
      for (const o of seen) {
        const load = o.load[kind];
        if (load !== undefined) recent.push({ atMs: o.at.getTime(), load });
      }
      const latest = seen.at(-1);
      const capacity = latest ? capacityOf(fleet, kind, latest) : capacityOf(fleet, kind, { at: now, load: {} });
      // Only periods complete before the tick: the live provider could not have seen later ones.
      const past = (history[kind] ?? []).filter((p) => p.atMs + periodMs <= now.getTime());
      const result = forecastLoad({ now, recent, history: past, historyPeriodMinutes, settings: { leadMinutes: leadMinutesFor(fleet, periodSeconds), capacity } });
      if (result.instances !== undefined) best = Math.max(best ?? 0, result.instances);
    }
    return best;
  };
}
