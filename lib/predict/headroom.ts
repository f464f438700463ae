/**
 * Forecast headroom from the fleet's service level, measured rather than assumed.
 *
 * The forecast is re-run on the fleet's own past (the five-minute history CloudWatch
 * keeps), at each past period, with the data that period had; what the fleet then carried
 * one lead time later is compared with what the forecast would have held it at (its peak,
 * held through the scale-in window as the live fleet holds it). The headroom h is a
 * fraction of the forecast (never of less than one instance's capacity: a closed fleet's
 * zeros say nothing about relative error), and the smallest h is taken for which a fleet
 * of ceil((forecast + h x scale) / capacity) instances would have run at most the service
 * level's share of the load over capacity:
 *
 *     sum_i max(0, actual_i - capacity x ceil((forecast_i + h x scale_i) / capacity))
 *       <= maxOverCapacityShare x sum_i actual_i.
 *
 * No noise model, no quantile picked by hand: the traffic's own tails set it, fleet by
 * fleet, and it moves as the sample window slides over new traffic.
 */

/** One past forecast and what the fleet then carried at its lead time. */
export interface Residual {
  /** When the forecast was made, ms. */
  atMs: number;
  /** The forecast's peak load (no headroom). */
  forecast: number;
  /** The load the fleet carried at the forecast's lead time. */
  actual: number;
}

export type HeadroomSource = 'EmpiricalResiduals' | 'PoissonAssumed';

export interface HeadroomEstimate {
  /** Headroom as a fraction of max(forecast peak, one instance's capacity). */
  fraction: number;
  source: 'EmpiricalResiduals';
  /** Residuals with load the estimate stands on. */
  samples: number;
  /** The share of stream-minutes the sample would have run over capacity at this headroom. */
  expectedOverCapacityShare: number;
}

export interface HeadroomSettings {
  /** The service level: the largest share of stream-minutes allowed over capacity. */
  maxOverCapacityShare: number;
  /** Requests one instance serves: the smallest scale a residual is measured against. */
  capacity: number;
  /** Fewest residuals with load before the sample is trusted (below: undefined, the caller falls back). */
  minSamples: number;
  /**
   * Forecasts below this load are left out: a closed fleet's forecast has no level to be
   * wrong relative to, and what it misses is an opening, which the seasonal model owns
   * (it opens the fleet ahead from past days). Sized into a constant headroom, one
   * unforeseen opening would keep the fleet open all night, every night.
   */
  quietBelow: number;
}

/** The scale a residual is measured against, and the headroom applied to. */
export function residualScale(forecast: number, capacity: number): number {
  return Math.max(forecast, capacity);
}

/**
 * The smallest headroom fraction whose shortfall over `residuals` is within the service
 * level; undefined when fewer than `minSamples` residuals carried any load above `quietBelow`.
 */
export function headroomFromResiduals(residuals: readonly Residual[], settings: HeadroomSettings): HeadroomEstimate | undefined {
  const { capacity } = settings;
  if (!(capacity > 0)) throw new RangeError(`capacity must be > 0, got ${capacity}`);
  if (!(settings.maxOverCapacityShare > 0 && settings.maxOverCapacityShare < 1)) throw new RangeError(`maxOverCapacityShare must be in (0, 1), got ${settings.maxOverCapacityShare}`);
  const loaded = residuals.filter((r) => Number.isFinite(r.forecast) && Number.isFinite(r.actual) && r.forecast >= settings.quietBelow && (r.actual > 0 || r.forecast > 0));
  if (loaded.length < settings.minSamples) return undefined;
  const items = loaded.map((r) => ({ forecast: Math.max(0, r.forecast), actual: Math.max(0, r.actual), scale: residualScale(r.forecast, capacity) }));
  const served = items.reduce((sum, i) => sum + i.actual, 0);
  const shortfall = (h: number) => items.reduce((sum, i) => sum + Math.max(0, i.actual - capacity * Math.ceil((i.forecast + h * i.scale) / capacity - 1e-9)), 0);
  const fraction = smallestWithin(shortfall, Math.max(0, ...items.map((i) => (i.actual - i.forecast) / i.scale)), settings.maxOverCapacityShare * served);
  return { fraction, source: 'EmpiricalResiduals', samples: loaded.length, expectedOverCapacityShare: served > 0 ? shortfall(fraction) / served : 0 };
}

/** The kinds of forecast a headroom is measured for, each from its own past errors. */
export const FORECAST_KINDS = ['WeeklyPattern', 'DailyPattern', 'TrendOnly'] as const;
export type ForecastKind = (typeof FORECAST_KINDS)[number];

/**
 * The headroom of each kind of forecast from that kind's own past errors; a kind with fewer
 * than `minSamples` of its own (new to the fleet: the first day a daily or weekly pattern
 * matches) from the errors of every kind together until its own are enough; none at all
 * when even those are too few (the caller keeps the assumed headroom).
 *
 * The errors of the kinds differ by several times (a trend carried over a boot time misses
 * a surge a matched pattern foresees), and the pooled errors are mostly of the kind the
 * fleet has had longest: the sooner a kind stands on its own errors, the less a new pattern
 * pays for the old trend's misses. `minSamples` is that trade: fewer, and a kind's estimate
 * rests on fewer of its own tails.
 */
export function headroomByKind<R extends Residual & { reason: ForecastKind }>(held: readonly R[], settings: HeadroomSettings): Partial<Record<ForecastKind, HeadroomEstimate>> {
  const out: Partial<Record<ForecastKind, HeadroomEstimate>> = {};
  const pooled = headroomFromResiduals(held, settings);
  for (const kind of FORECAST_KINDS) {
    const estimate = headroomFromResiduals(held.filter((r) => r.reason === kind), settings) ?? pooled;
    if (estimate) out[kind] = estimate;
  }
  return out;
}

/**
 * The smallest h in [0, upper] with shortfall(h) <= budget, to 1e-4, for a shortfall that
 * never rises with h and is within budget at `upper`. Bisection: the rounding to whole
 * instances makes the shortfall a step function, with no closed form to solve.
 */
export function smallestWithin(shortfall: (h: number) => number, upper: number, budget: number): number {
  if (shortfall(0) <= budget) return 0;
  let lo = 0;
  let hi = upper;
  while (hi - lo > 1e-4) {
    const mid = (lo + hi) / 2;
    if (shortfall(mid) <= budget) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Each past forecast as the live fleet held it: the highest forecast made over the
 * scale-in window before it (the provider stabilises forecasts this way, so a scale-in
 * never undoes a rise predicted minutes ago). Residuals oldest first, any kind.
 */
export function heldThroughWindow<R extends Residual>(residuals: readonly R[], windowMinutes: number): R[] {
  const windowMs = windowMinutes * 60_000;
  const out: R[] = [];
  const queue: R[] = [];
  let head = 0;
  for (const r of residuals) {
    // A monotone queue of the window's forecasts, highest first.
    while (queue.length > head && (queue[queue.length - 1] as R).forecast <= r.forecast) queue.pop();
    queue.push(r);
    while ((queue[head] as R).atMs < r.atMs - windowMs) head++;
    out.push({ ...r, forecast: (queue[head] as R).forecast });
  }
  return out;
}
