/**
 * Predictive scaling, the pure part: from a fleet's load history (plain numbers) and
 * `now`, the load it will carry over the next lead time and the instances that needs.
 *
 * 1. Recent trend: a least-squares line through the last `trendMinutes` one-minute loads
 *    (twice the lead: a line carried further than it was fitted over mostly projects
 *    noise), carried forward by the lead time. A rise counts only when it stands out of
 *    the line's own uncertainty by `noiseSigmas` standard errors; otherwise the trend
 *    says "the current level".
 * 2. Seasonal: for each lag (whole weeks first, then each day of the last week) the history at the same
 *    time of week or day. A lag is used only if it matches: scaled to the recent window's
 *    level, it must track the recent loads (averaged into the history's periods) within
 *    Poisson noise plus `matchTolerance` of the load. Matching weekly lags win over daily ones (a Saturday is not a Friday);
 *    matching lags of a kind are averaged. A match replaces the trend line (the pattern
 *    carries the day's shape; the line would add the noise of the traffic's steps), the
 *    current level staying a floor. Before an opening (both quiet) there is no level to
 *    scale by, so the lags are not averaged: the highest of them stands (see fitLag).
 * 3. The horizon is now .. now + lead + one history period, so a rise inside the last
 *    history bucket is not averaged away; the forecast is the highest load in it, each
 *    past period as it was (see peakOver: blending a period with its neighbours would
 *    halve an opening's step, the one rise a reactive controller cannot follow).
 * 4. Headroom: `noiseSigmas` (2) standard deviations of Poisson arrival noise (the count of
 *    concurrent streams of independent callers varies as sqrt of its mean), plus the
 *    seasonal model's own recent error. Instances = ceil(load with headroom / capacity).
 * 5. Too little recent data: no forecast at all, and the decision stays reactive.
 */

import { FORECAST_KINDS, residualScale, type HeadroomSource } from './headroom.js';
import { firstIndexNotBefore, sortInOrder } from '../sorted-search.js';

export interface LoadPoint {
  /** Period start, ms. */
  atMs: number;
  /** Mean concurrent requests of the fleet in the period. */
  load: number;
}

export interface ForecastSettings {
  /** Minutes between a decision and the moment new capacity serves: boot + data delay + a tick. */
  leadMinutes: number;
  /** Requests one instance serves. */
  capacity: number;
  /** Minutes of recent data the seasonal match compares (default 60). */
  matchMinutes?: number;
  /** Minutes the trend line is fitted over (default: twice the lead, at least 10). */
  trendMinutes?: number;
  /** Allowed relative misfit of a lag beyond Poisson noise (default 0.15). */
  matchTolerance?: number;
  /**
   * Standard deviations of arrival noise kept as headroom (default 2: for Poisson noise
   * the expected shortfall is then 0.0085 sigma, under 0.07 % of the load of even a
   * single instance of 150 streams, less for larger fleets).
   */
  noiseSigmas?: number;
  /**
   * Headroom as a fraction of max(peak, capacity) per kind of forecast, measured from the
   * fleet's own past forecast errors of that kind against its service level (headroom.ts).
   * Unset for the forecast's kind: the assumed model,
   * `noiseSigmas` of Poisson noise plus the matched lags' recent misfit.
   */
  headroomFraction?: Partial<Record<PatternReason, number>>;
  /** Lags tried, in days; multiples of 7 are weekly (default 7, 14, 21, 28, then 1 to 6). */
  lagDays?: readonly number[];
  /** Fewest recent one-minute points needed to forecast at all (default 5). */
  minRecentPoints?: number;
}

export interface ForecastInputs {
  now: Date;
  /** One-minute loads, any order; the newest complete minute is now - 1 min at best. */
  recent: readonly LoadPoint[];
  /** Loads at `historyPeriodMinutes` resolution, covering past weeks. */
  history: readonly LoadPoint[];
  historyPeriodMinutes: number;
  settings: ForecastSettings;
}

export type ForecastReason = 'InsufficientData' | PatternReason;
/** The kinds of forecast that give a number. */
export type PatternReason = 'TrendOnly' | 'WeeklyPattern' | 'DailyPattern';

export interface LagFit {
  lagDays: number;
  /** Recent level over the lag's level in the match window. */
  scale: number;
  /** Relative misfit beyond noise; undefined when the lag has no history there. */
  misfit?: number;
  matched: boolean;
  /** The lag's peak load over the horizon, scaled. */
  peak?: number;
  /** Recent loads and the lag's both too quiet to compare levels (a closed centre before it opens): scale 1. */
  quiet?: boolean;
}

export interface LoadForecast {
  /** Instances the fleet will need within the lead time; undefined = stay reactive. */
  instances?: number;
  reason: ForecastReason;
  /** One line an operator reads in a log or on hover. */
  explanation: string;
  numbers: {
    lastLoad?: number;
    trendPeak?: number;
    seasonalPeak?: number;
    peakLoad?: number;
    headroom?: number;
    /** Where the headroom came from: measured residuals, or the assumed Poisson model. */
    headroomSource?: HeadroomSource;
    headroomFraction?: number;
    leadMinutes: number;
    horizonMinutes: number;
    lags: LagFit[];
  };
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Below this fraction of one instance's capacity a load is "quiet" (a closed centre): too small to compare levels by. */
export const QUIET_FRACTION = 0.05;
/**
 * The same weekday of the last four weeks, then every day of the last week. A new fleet
 * has days before it has weeks: one past day alone carries that day's noise and its
 * opening's timing whole, while the matching days of a week average it out; days that do
 * not match (a closed weekend) are left out by the match.
 */
export const DEFAULT_LAGS = [7, 14, 21, 28, 1, 2, 3, 4, 5, 6] as const;

export function forecastLoad(inputs: ForecastInputs, history: HistoryIndex = indexHistory(inputs.history, inputs.historyPeriodMinutes)): LoadForecast {
  const s = inputs.settings;
  if (!(s.capacity > 0)) throw new RangeError(`capacity must be > 0, got ${s.capacity}`);
  if (!(s.leadMinutes >= 0)) throw new RangeError(`leadMinutes must be >= 0, got ${s.leadMinutes}`);
  const nowMs = inputs.now.getTime();
  const matchMinutes = s.matchMinutes ?? 60;
  const trendMinutes = s.trendMinutes ?? Math.max(10, 2 * Math.ceil(s.leadMinutes));
  const tolerance = s.matchTolerance ?? 0.15;
  const sigmas = s.noiseSigmas ?? 2;
  // Deciding that a slope or a misfit is real needs more evidence than sizing headroom.
  const evidenceSigmas = 3;
  const horizonMinutes = Math.ceil(s.leadMinutes) + inputs.historyPeriodMinutes;
  const numbers: LoadForecast['numbers'] = { leadMinutes: s.leadMinutes, horizonMinutes, lags: [] };

  const recent = sortInOrder(
    inputs.recent.filter((p) => p.atMs < nowMs && p.atMs >= nowMs - matchMinutes * MINUTE_MS && Number.isFinite(p.load)),
    byTime,
  );
  if (recent.length < (s.minRecentPoints ?? 5)) {
    return { reason: 'InsufficientData', explanation: `no forecast: ${recent.length} minute(s) of recent load, fewer than ${s.minRecentPoints ?? 5}; reactive only`, numbers };
  }
  const last = recent[recent.length - 1] as LoadPoint;
  numbers.lastLoad = round(last.load);

  const trendPoints = recent.filter((p) => p.atMs > last.atMs - trendMinutes * MINUTE_MS);
  const trend = projectTrend(trendPoints.map((p) => [(p.atMs - last.atMs) / MINUTE_MS, p.load]), (nowMs - last.atMs) / MINUTE_MS + s.leadMinutes, evidenceSigmas);
  const trendPeak = trend.peak;
  numbers.trendPeak = round(trendPeak);

  const buckets = bucketRecent(recent, inputs.historyPeriodMinutes);
  const fits = (s.lagDays ?? DEFAULT_LAGS).map((lagDays) => fitLag(lagDays, buckets, history, { nowMs, periodMinutes: inputs.historyPeriodMinutes, horizonMinutes, tolerance, sigmas: evidenceSigmas, capacity: s.capacity }));
  numbers.lags = fits;
  const weekly = fits.filter((f) => f.matched && f.lagDays % 7 === 0);
  const daily = fits.filter((f) => f.matched && f.lagDays % 7 !== 0);
  const chosen = weekly.length > 0 ? weekly : daily;

  let reason: PatternReason = 'TrendOnly';
  let peak = trendPeak;
  let misfit = 0;
  if (chosen.length > 0) {
    // With no level to scale by (quiet before an opening), past days that opened higher
    // and lower are equally likely today: the mean would be short on every opening above
    // it, and an opening is the rise the boot time makes impossible to follow reactively.
    // The chosen lags (the calendar) say whether the fleet opens; when they do, every
    // matching past day says how big the opening may be.
    const unscaled = chosen.every((f) => f.quiet === true);
    const opens = chosen.some((f) => (f.peak ?? 0) >= s.capacity * QUIET_FRACTION);
    const envelope = unscaled && opens ? fits.filter((f) => f.matched && f.quiet === true) : chosen;
    const seasonalPeak = unscaled ? Math.max(...envelope.map((f) => f.peak ?? 0)) : chosen.reduce((sum, f) => sum + (f.peak ?? 0), 0) / chosen.length;
    misfit = chosen.reduce((sum, f) => sum + (f.misfit ?? 0), 0) / chosen.length;
    numbers.seasonalPeak = round(seasonalPeak);
    // A matching pattern already carries the day's shape; the trend line, fitted over
    // five-minute steps of the traffic, would add their noise on top. The current
    // level stays a floor.
    peak = Math.max(trend.level, seasonalPeak);
    reason = weekly.length > 0 ? 'WeeklyPattern' : 'DailyPattern';
  }
  const fraction = s.headroomFraction?.[reason];
  const measured = fraction !== undefined && Number.isFinite(fraction) && fraction >= 0;
  const headroom = measured ? fraction * residualScale(peak, s.capacity) : sigmas * Math.sqrt(peak) + misfit * peak;
  numbers.peakLoad = round(peak);
  numbers.headroom = round(headroom);
  numbers.headroomSource = measured ? 'EmpiricalResiduals' : 'PoissonAssumed';
  if (measured) numbers.headroomFraction = round(fraction);
  const instances = Math.max(0, Math.ceil((peak + headroom) / s.capacity - 1e-9));
  const source =
    reason === 'TrendOnly'
      ? `recent trend (no past ${fits.some((f) => f.misfit !== undefined) ? 'week or day matched the last hour' : 'weeks or days in the history yet'})`
      : `${reason === 'WeeklyPattern' ? 'same time in past weeks' : 'same time on past days'} (${chosen.map((f) => `${f.lagDays}d x${round(f.scale)}`).join(', ')}${chosen.every((f) => f.quiet === true) ? '; quiet before: the highest of them' : ''}), never below the current level`;
  const headroomFrom = measured ? `measured: ${round(100 * fraction)} % from past forecast errors at the lead time` : `assumed: ${sigmas} sigma of Poisson noise${misfit > 0 ? ' + the lags\' misfit' : ''}`;
  const explanation = `forecast ${instances} instance(s): peak ${Math.round(peak)} + headroom ${Math.round(headroom)} (${headroomFrom}) requests within ${horizonMinutes} min, from the ${source}`;
  return { instances, reason, explanation, numbers };
}

/**
 * The highest forecast made over the last `windowMinutes` ticks (each from the data that
 * tick had): a forecast is stabilised like the scale-down recommendations, so a rise
 * predicted a few minutes ago still holds off a scale-in that would have to be undone
 * within the window. Pure: the past forecasts are recomputed, nothing is remembered,
 * unless a `memo` is given (see ForecastMemo), which changes nothing but the work done.
 */
export function stabilizedForecast(inputs: ForecastInputs, windowMinutes: number, memo?: ForecastMemo): LoadForecast {
  const nowMs = inputs.now.getTime();
  // Every past tick saw the same history: it is indexed once, not once per minute of the window.
  const history = memo === undefined ? indexHistory(inputs.history, inputs.historyPeriodMinutes) : memoIndex(memo, inputs);
  let best = forecastLoad(inputs, history);
  const sorted = memo === undefined ? undefined : sortedRecent(inputs.recent);
  for (let k = 1; k <= windowMinutes; k++) {
    const thenMs = nowMs - k * MINUTE_MS;
    const past =
      memo === undefined || sorted === undefined
        ? forecastLoad({ ...inputs, now: new Date(thenMs), recent: inputs.recent.filter((p) => p.atMs < thenMs - MINUTE_MS) }, history)
        : pastForecast(memo, inputs, thenMs, sorted, history);
    if ((past.instances ?? -1) > (best.instances ?? -1)) {
      best = { ...past, explanation: `${past.explanation} (forecast ${k} min ago, held through the ${windowMinutes}-min scale-in window)` };
    }
  }
  if (memo !== undefined) {
    for (const atMs of memo.past.keys()) if (atMs >= nowMs || atMs < nowMs - windowMinutes * MINUTE_MS) memo.past.delete(atMs);
  }
  return best;
}

/**
 * The past forecasts of one fleet's kind, kept from tick to tick: a stabilised forecast
 * recomputes up to half an hour of them each tick, and from one tick to the next all but
 * the newest saw the same data. forecastLoad is a pure function of `now`, the settings,
 * the recent points of its match window (in order) and the history periods it looks up;
 * a kept forecast is reused only when all of these are the same as they would be now
 * (late data, a history refresh or new headroom each make it be recomputed), so the
 * answer is the one recomputing everything gives. The history counts as the same when it
 * is the same array (ForecastInputs.history is read-only: a changed history is a new
 * array), else when every period the forecast looked up holds the same value.
 */
export interface ForecastMemo {
  readonly past: Map<number, PastForecast>;
  /** The history last indexed, and its index. */
  history?: { points: readonly LoadPoint[]; periodMinutes: number; index: HistoryIndex };
}

/** forecastLoad, with the memo's index of the history when it is the same array. */
export function memoisedForecast(memo: ForecastMemo, inputs: ForecastInputs): LoadForecast {
  return forecastLoad(inputs, memoIndex(memo, inputs));
}

function memoIndex(memo: ForecastMemo, inputs: ForecastInputs): HistoryIndex {
  const kept = memo.history;
  if (kept?.points === inputs.history && kept.periodMinutes === inputs.historyPeriodMinutes) return kept.index;
  // Kept from tick to tick, so it is searched in place (a copy of weeks of history per
  // fleet and kind would weigh on a small Lambda); an unsorted history is indexed instead.
  const searched = searchSorted(inputs.history, inputs.historyPeriodMinutes);
  const index = searched === undefined ? indexHistory(inputs.history, inputs.historyPeriodMinutes) : rememberingAnswers(searched, inputs.historyPeriodMinutes);
  memo.history = { points: inputs.history, periodMinutes: inputs.historyPeriodMinutes, index };
  return index;
}

/**
 * A searched index that keeps each period's answer once found: the ticks of the hour a
 * history stands ask for mostly the same periods (the lags around now), each a binary
 * search, and the answers hold while the history is the same array. It keeps only the
 * periods asked for, not a copy of the history.
 */
function rememberingAnswers(index: HistoryIndex, periodMinutes: number): HistoryIndex {
  const periodMs = periodMinutes * MINUTE_MS;
  const answers = new Map<number, number | undefined>();
  return {
    at(ms) {
      // Both indexes answer by the period a time falls in.
      const period = Math.floor(ms / periodMs);
      if (answers.has(period)) return answers.get(period);
      const answer = index.at(ms);
      answers.set(period, answer);
      return answer;
    },
  };
}

interface PastForecast {
  settings: ForecastSettings;
  /** The match window's recent points, (atMs, load) in the order forecastLoad read them. */
  recent: number[];
  /** The index the history was read through, or a later one every read answered the same through (the same index: the same history). */
  index: HistoryIndex;
  /** The history lookups made, in order, and what each returned. */
  readAtMs: number[];
  readValues: Array<number | undefined>;
  forecast: LoadForecast;
}

export function createForecastMemo(): ForecastMemo {
  return { past: new Map() };
}

/** The recent points a forecast can use (finite), ordered by time as forecastLoad orders them (a stable sort). */
function sortedRecent(recent: readonly LoadPoint[]): LoadPoint[] {
  return sortInOrder(
    recent.filter((p) => Number.isFinite(p.atMs) && Number.isFinite(p.load)),
    byTime,
  );
}

function pastForecast(memo: ForecastMemo, inputs: ForecastInputs, thenMs: number, sorted: readonly LoadPoint[], history: HistoryIndex): LoadForecast {
  // The points forecastLoad keeps for a tick at thenMs, which had none from its own last minute on.
  const fromMs = thenMs - (inputs.settings.matchMinutes ?? 60) * MINUTE_MS;
  const toMs = thenMs - MINUTE_MS;
  const lo = firstAtOrAfter(sorted, fromMs);
  const hi = firstAtOrAfter(sorted, toMs);
  const kept = memo.past.get(thenMs);
  if (kept !== undefined && sameSettings(kept.settings, inputs.settings) && sameRecent(kept.recent, sorted, lo, hi)) {
    if (kept.index === history) return kept.forecast;
    if (sameReads(kept, history)) {
      // Every read answers the same through this index, which stays the same while its history
      // does: later ticks reuse the forecast without reading them again.
      kept.index = history;
      return kept.forecast;
    }
  }
  const readAtMs: number[] = [];
  const readValues: Array<number | undefined> = [];
  const recording: HistoryIndex = {
    at(ms) {
      const value = history.at(ms);
      readAtMs.push(ms);
      readValues.push(value);
      return value;
    },
  };
  const window = sorted.slice(lo, hi);
  const forecast = forecastLoad({ ...inputs, now: new Date(thenMs), recent: window }, recording);
  const recent: number[] = [];
  for (const p of window) recent.push(p.atMs, p.load);
  // A copy: a caller may change its settings object between ticks.
  const s = inputs.settings;
  const settings = { ...s, ...(s.headroomFraction ? { headroomFraction: { ...s.headroomFraction } } : {}), ...(s.lagDays ? { lagDays: [...s.lagDays] } : {}) };
  memo.past.set(thenMs, { settings, recent, index: history, readAtMs, readValues, forecast });
  return forecast;
}

function sameRecent(kept: readonly number[], sorted: readonly LoadPoint[], lo: number, hi: number): boolean {
  if (kept.length !== 2 * (hi - lo)) return false;
  for (let i = lo, j = 0; i < hi; i++, j += 2) {
    const p = sorted[i] as LoadPoint;
    if (!Object.is(kept[j], p.atMs) || !Object.is(kept[j + 1], p.load)) return false;
  }
  return true;
}

function sameReads(kept: PastForecast, history: HistoryIndex): boolean {
  for (let i = 0; i < kept.readAtMs.length; i++) if (!Object.is(history.at(kept.readAtMs[i] as number), kept.readValues[i])) return false;
  return true;
}

/** Every setting forecastLoad reads; the type check below fails when one is added and not listed here. */
const SCALAR_SETTINGS = ['leadMinutes', 'capacity', 'matchMinutes', 'trendMinutes', 'matchTolerance', 'noiseSigmas', 'minRecentPoints'] as const;
type UnlistedSetting = Exclude<keyof ForecastSettings, (typeof SCALAR_SETTINGS)[number] | 'headroomFraction' | 'lagDays'>;
const everySettingListed: [UnlistedSetting] extends [never] ? true : never = true;
void everySettingListed;

function sameSettings(a: ForecastSettings, b: ForecastSettings): boolean {
  for (const key of SCALAR_SETTINGS) if (!Object.is(a[key], b[key])) return false;
  for (const reason of FORECAST_KINDS) if (!Object.is(a.headroomFraction?.[reason], b.headroomFraction?.[reason])) return false;
  if (a.lagDays === undefined || b.lagDays === undefined) return a.lagDays === b.lagDays;
  if (a.lagDays.length !== b.lagDays.length) return false;
  return a.lagDays.every((lag, i) => Object.is(lag, b.lagDays?.[i]));
}

interface LagContext {
  nowMs: number;
  periodMinutes: number;
  horizonMinutes: number;
  tolerance: number;
  sigmas: number;
  capacity: number;
}

function fitLag(lagDays: number, recent: readonly RecentBucket[], history: HistoryIndex, c: LagContext): LagFit {
  const lagMs = lagDays * DAY_MS;
  let observed = 0;
  let expected = 0;
  const pairs: Array<[number, number]> = [];
  for (const bucket of recent) {
    const h = history.at(bucket.atMs - lagMs);
    if (h === undefined) continue;
    pairs.push([bucket.load, h]);
    observed += bucket.load;
    expected += h;
  }
  // Too little history in the match window: the lag cannot be judged.
  if (pairs.length === 0 || pairs.length < recent.length / 2) return { lagDays, scale: 1, matched: false };
  // Both quiet (a closed centre before opening): levels cannot be compared, shapes can.
  const quiet = Math.max(observed, expected) < c.capacity * pairs.length * QUIET_FRACTION;
  const scale = quiet || expected === 0 ? 1 : observed / expected;
  let excess = 0;
  for (const [o, h] of pairs) {
    const e = scale * h;
    const noise = c.sigmas * Math.sqrt(Math.max(o, e));
    excess += Math.max(0, Math.abs(o - e) - noise);
  }
  const misfit = excess / Math.max(observed, scale * expected, c.capacity);
  const plausibleScale = scale >= 1 / 3 && scale <= 3;
  const matched = plausibleScale && misfit <= c.tolerance;
  const peak = matched ? round(scale * peakOver(history, c.nowMs - lagMs, c.horizonMinutes, c.periodMinutes)) : undefined;
  return { lagDays, scale: round(scale), misfit: round(misfit), matched, peak, ...(quiet ? { quiet } : {}) };
}

interface RecentBucket {
  atMs: number;
  load: number;
}

/**
 * One-minute loads averaged into the history's periods, keeping only periods the recent
 * data covers whole: a ramp inside a half-seen period would not compare with that
 * period's mean.
 */
function bucketRecent(recent: readonly LoadPoint[], periodMinutes: number): RecentBucket[] {
  const periodMs = periodMinutes * MINUTE_MS;
  const sums = new Map<number, { sum: number; n: number }>();
  for (const p of recent) {
    const key = Math.floor(p.atMs / periodMs) * periodMs;
    const entry = sums.get(key) ?? { sum: 0, n: 0 };
    entry.sum += p.load;
    entry.n++;
    sums.set(key, entry);
  }
  return [...sums].filter(([, e]) => e.n === periodMinutes).map(([atMs, e]) => ({ atMs, load: e.sum / e.n }));
}

/**
 * The highest past period from `fromMs` over the horizon, each as it was. Periods are not
 * blended with their neighbours: at an opening (0 -> 2000 within a period) a (1, 2, 1)
 * weighting takes half the step away exactly where the fleet must be ready before the
 * load arrives; one past day's noise is what the headroom and the misfit are for.
 */
function peakOver(history: HistoryIndex, fromMs: number, horizonMinutes: number, periodMinutes: number): number {
  let peak = 0;
  for (let m = 0; m <= horizonMinutes; m += periodMinutes) peak = Math.max(peak, history.at(fromMs + m * MINUTE_MS) ?? 0);
  return peak;
}

export interface HistoryIndex {
  at(ms: number): number | undefined;
}

/**
 * indexHistory's answers (the last finite load of each period, in the list's order) by a
 * binary search of a list sorted by time, without a copy; undefined when it is not sorted.
 */
export function searchSorted(points: readonly LoadPoint[], periodMinutes: number): HistoryIndex | undefined {
  for (let i = 0; i < points.length; i++) {
    const atMs = (points[i] as LoadPoint).atMs;
    if (!Number.isFinite(atMs) || (i > 0 && atMs < (points[i - 1] as LoadPoint).atMs)) return undefined;
  }
  const periodMs = periodMinutes * MINUTE_MS;
  const periodOf = (i: number) => Math.floor((points[i] as LoadPoint).atMs / periodMs);
  return {
    at(ms) {
      const period = Math.floor(ms / periodMs);
      const lo = firstIndexNotBefore(points.length, (i) => periodOf(i) <= period);
      // The period's points end just before lo; the last finite one is the answer.
      for (let i = lo - 1; i >= 0 && periodOf(i) === period; i--) {
        const load = (points[i] as LoadPoint).load;
        if (Number.isFinite(load)) return load;
      }
      return undefined;
    },
  };
}

/** The last finite load of each period, in the list's order. */
export function indexHistory(points: readonly LoadPoint[], periodMinutes: number): HistoryIndex {
  const periodMs = periodMinutes * MINUTE_MS;
  const byPeriod = new Map<number, number>();
  for (const p of points) if (Number.isFinite(p.load)) byPeriod.set(Math.floor(p.atMs / periodMs), p.load);
  return { at: (ms) => byPeriod.get(Math.floor(ms / periodMs)) };
}

/**
 * The part of a long, time-sorted history a forecast at `now` can look at: for each lag,
 * the match window before the same time and the horizon after it. Keeps a month of
 * five-minute history from being indexed again on every tick.
 */
export function historyNear(sorted: readonly LoadPoint[], nowMs: number, lagDays: readonly number[], beforeMinutes: number, afterMinutes: number): LoadPoint[] {
  const out: LoadPoint[] = [];
  for (const lag of [...lagDays].sort((a, b) => b - a)) {
    const from = nowMs - lag * DAY_MS - beforeMinutes * MINUTE_MS;
    const to = nowMs - lag * DAY_MS + afterMinutes * MINUTE_MS;
    for (let i = firstAtOrAfter(sorted, from); i < sorted.length && (sorted[i] as LoadPoint).atMs <= to; i++) out.push(sorted[i] as LoadPoint);
  }
  return out;
}

/** The index of the first point of a time-sorted list at or after `ms` (its length if none). */
function firstAtOrAfter(sorted: readonly LoadPoint[], ms: number): number {
  return firstIndexNotBefore(sorted.length, (i) => (sorted[i] as LoadPoint).atMs < ms);
}

/**
 * The fitted level now and, when the rise to `ahead` minutes past the last point is
 * significant, the level then. x = minutes relative to the last point.
 */
export function projectTrend(points: ReadonlyArray<readonly [number, number]>, ahead: number, sigmas: number): { level: number; peak: number; significant: boolean } {
  const line = fitLine(points);
  const level = Math.max(0, line.intercept);
  const n = points.length;
  if (n < 3 || line.slope <= 0) return { level, peak: level, significant: false };
  let sxx = 0;
  let sse = 0;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n;
  for (const [x, y] of points) {
    sxx += (x - mx) * (x - mx);
    const r = y - (line.intercept + line.slope * x);
    sse += r * r;
  }
  const slopeError = Math.sqrt(sse / (n - 2) / sxx);
  const significant = line.slope > sigmas * slopeError;
  return { level, peak: significant ? level + line.slope * ahead : level, significant };
}

/** Least squares; a single point is a flat line through it. */
export function fitLine(points: ReadonlyArray<readonly [number, number]>): { slope: number; intercept: number } {
  const n = points.length;
  if (n === 0) return { slope: 0, intercept: 0 };
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) * (x - mx);
    sxy += (x - mx) * (y - my);
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function byTime(a: LoadPoint, b: LoadPoint): number {
  return a.atMs - b.atMs;
}
