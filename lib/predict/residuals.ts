import type { Residual } from './headroom.js';
import { DEFAULT_LAGS, forecastLoad, historyNear, type ForecastReason, type ForecastSettings, type LoadPoint } from './model.js';

const MINUTE_MS = 60_000;

/** A past forecast's error, with the kind of forecast it was (its errors differ by kind). */
export interface SourcedResidual extends Residual {
  reason: Exclude<ForecastReason, 'InsufficientData'>;
}

export interface ResidualSpan {
  /** The fleet's history at `periodMinutes` resolution, oldest first. */
  history: readonly LoadPoint[];
  periodMinutes: number;
  /** First and last forecast time (inclusive), ms; rounded up and down to whole periods. */
  fromMs: number;
  toMs: number;
  /** The forecast's settings as the live provider uses them (no headroom: residuals are of the peak). */
  settings: ForecastSettings;
  /** Minutes of recent load the forecast matches on (the provider's recentMinutes). */
  recentMinutes: number;
}

/**
 * Re-runs the forecast at each past period of the span with what that moment had (the
 * periods before it as its recent load, the same lags of the history), and pairs its
 * peak with the load the fleet carried one lead time later: the error the headroom must
 * cover. The history has no one-minute data, so a past moment's recent minutes are its
 * periods spread evenly over their minutes. A moment without a forecast (too little
 * recent load) or without a recorded outcome gives no residual: unknown is not zero.
 */
export function forecastResiduals(span: ResidualSpan): SourcedResidual[] {
  const periodMs = span.periodMinutes * MINUTE_MS;
  const leadMs = Math.ceil(span.settings.leadMinutes) * MINUTE_MS;
  const byPeriod = new Map<number, number>();
  for (const p of span.history) if (Number.isFinite(p.load)) byPeriod.set(Math.floor(p.atMs / periodMs), p.load);
  const lags = span.settings.lagDays ?? DEFAULT_LAGS;
  const horizonMinutes = Math.ceil(span.settings.leadMinutes) + span.periodMinutes;
  const out: SourcedResidual[] = [];
  for (let t = Math.ceil(span.fromMs / periodMs) * periodMs; t <= span.toMs; t += periodMs) {
    const actual = byPeriod.get(Math.floor((t + leadMs) / periodMs));
    if (actual === undefined) continue;
    const recent: LoadPoint[] = [];
    for (let start = t - span.recentMinutes * MINUTE_MS; start < t; start += periodMs) {
      const load = byPeriod.get(Math.floor(start / periodMs));
      if (load === undefined) continue;
      for (let m = 0; m < span.periodMinutes; m++) recent.push({ atMs: start + m * MINUTE_MS, load });
    }
    const forecast = forecastLoad({
      now: new Date(t),
      recent,
      history: historyNear(span.history, t, lags, span.recentMinutes + 10, horizonMinutes + 10),
      historyPeriodMinutes: span.periodMinutes,
      settings: span.settings,
    });
    if (forecast.reason === 'InsufficientData' || forecast.numbers.peakLoad === undefined) continue;
    out.push({ atMs: t, forecast: forecast.numbers.peakLoad, actual, reason: forecast.reason });
  }
  return out;
}
