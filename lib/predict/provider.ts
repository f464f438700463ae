import { describeError, type RetryPolicy } from '../aws/retry.js';
import type { CloudWatchPort } from '../aws/ports.js';
import type { IncompleteQuery } from '../aws/metric-data.js';
import type { ControllerConfig, FleetConfig } from '../config/schema.js';
import type { RequestKind } from '../fleet/engine-metrics.js';
import type { ForecastHeadroom } from '../scaling/decide.js';
import type { ForecastAnswer, ForecastInput, ForecastProvider } from '../scaling/tick.js';
import { configuredKinds } from '../fleet/recommend.js';
import { MetricUnit, type Telemetry } from '../telemetry.js';
import { loadQueries, readLoads, type LoadQuery } from './history.js';
import { headroomByKind, heldThroughWindow, type HeadroomEstimate } from './headroom.js';
import { QUIET_FRACTION, createForecastMemo, memoisedForecast, stabilizedForecast, type ForecastMemo, type ForecastSettings, type LoadForecast, type LoadPoint, type PatternReason } from './model.js';
import { forecastResiduals, type SourcedResidual } from './residuals.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** CloudWatch keeps one-minute data for 15 days; five-minute data for 63. */
export const HISTORY_PERIOD_SECONDS = 300;
const MAX_STABILIZED_MINUTES = 30;
const NO_HISTORY: readonly LoadPoint[] = [];
const DEFAULT_HISTORY_DAYS = 29;
const DEFAULT_RECENT_MINUTES = 60;

export interface PredictiveOptions {
  /** Days of history kept per fleet (default 29: four weeks and the day before). */
  historyDays?: number;
  /** How long fetched history is trusted before new periods are appended (default 3600 s). */
  cacheTtlSeconds?: number;
  /** Minutes of one-minute load read each tick for the trend and the match (default 60). */
  recentMinutes?: number;
  /** Overrides of the model's defaults (lags, tolerance, headroom). */
  model?: Omit<ForecastSettings, 'leadMinutes' | 'capacity' | 'headroomFraction'>;
  /** Days of past forecasts whose errors size the headroom (default 7: every day of the week once). */
  residualDays?: number;
  /**
   * Fewest past forecasts of a kind, with load, before their errors are trusted (default
   * 48: four hours of five-minute periods with load); below it that kind is sized from the
   * errors of every kind, and below it in all the assumed Poisson headroom stands
   * (headroom.ts headroomByKind).
   */
  minResidualSamples?: number;
}

export interface ForecastDeps {
  cloudwatch: CloudWatchPort;
  telemetry: Telemetry;
  loadConfig: (now: Date) => Promise<ControllerConfig>;
  retry?: RetryPolicy;
}

interface FleetHistory {
  /** Five-minute loads per kind, oldest first. */
  loads: Partial<Record<RequestKind, LoadPoint[]>>;
  /** End (exclusive) of the span fetched so far. */
  untilMs: number;
  fetchedAtMs: number;
  /** Past forecasts' errors per kind, oldest first, for the lead time they were computed at. */
  residuals: Partial<Record<RequestKind, ResidualCache>>;
}

interface ResidualCache {
  leadMinutes: number;
  /** The next past forecast to compute. */
  nextAtMs: number;
  list: SourcedResidual[];
  /** The estimates from `list`, for the capacity and service level they were made for. */
  estimates?: { capacity: number; share: number; byReason: Partial<Record<PatternReason, HeadroomEstimate>> };
}

interface TickData {
  recent: Map<string, Partial<Record<RequestKind, LoadPoint[]>>>;
}

export interface PredictiveProvider {
  forecast: ForecastProvider;
  /** The latest forecast per fleet, with its explanation (for logs, the report, replay). */
  readonly latest: Map<string, LoadForecast>;
}

/**
 * The spans a tick at `now` reads: one-minute load over [recentStartMs, recentEndMs), and
 * on a cold start five-minute history over [historyStartMs, historyEndMs) (readLoads reads
 * RECENTLY_ACTIVE_MS more before each). What a replay must hold to answer the provider.
 */
export function forecastReadSpan(config: ControllerConfig, now: Date, options: PredictiveOptions = {}): { recentStartMs: number; recentEndMs: number; historyStartMs: number; historyEndMs: number } {
  const nowMs = now.getTime();
  const recentEndMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  // Each stabilised past forecast needs its own match window of recent data.
  const recentStartMs = recentEndMs - ((options.recentMinutes ?? DEFAULT_RECENT_MINUTES) + Math.max(0, ...config.fleets.map(stabilizationMinutes))) * MINUTE_MS;
  const historyEndMs = Math.floor(nowMs / (HISTORY_PERIOD_SECONDS * 1000)) * HISTORY_PERIOD_SECONDS * 1000;
  return { recentStartMs, recentEndMs, historyStartMs: historyEndMs - (options.historyDays ?? DEFAULT_HISTORY_DAYS) * DAY_MS, historyEndMs };
}

/** Minutes between a decision and new capacity serving: warm-up, the period the newest data lags, and a tick. */
export function leadMinutesFor(fleet: FleetConfig, periodSeconds: number): number {
  return Math.ceil(fleet.warmupSeconds / 60) + 2 * Math.ceil(periodSeconds / 60);
}

/**
 * Predictive scaling for the scale loop (TickOptions.forecast). Each tick it reads the
 * last hour of one-minute load of every fleet in one batched GetMetricData; the
 * five-minute history of past weeks is kept per fleet for the Lambda's lifetime and only
 * extended once its TTL runs out (week-old history does not change minute to minute),
 * in the same call. A read failure means no forecast this tick: the fleet stays
 * reactive, and the decision's own rules keep missing data from shrinking it.
 */
export function createPredictiveProvider(deps: ForecastDeps, options: PredictiveOptions = {}): PredictiveProvider {
  const historyDays = options.historyDays ?? DEFAULT_HISTORY_DAYS;
  const ttlMs = (options.cacheTtlSeconds ?? 3600) * 1000;
  const recentMinutes = options.recentMinutes ?? DEFAULT_RECENT_MINUTES;
  const residualMs = (options.residualDays ?? 7) * DAY_MS;
  const minResidualSamples = options.minResidualSamples ?? 48;
  const histories = new Map<string, FleetHistory>();
  const latest = new Map<string, LoadForecast>();
  // Per fleet and kind: the stabilised forecast's past forecasts, reused while their inputs stand.
  const memos = new Map<string, Partial<Record<RequestKind, ForecastMemo>>>();
  let tick: { nowMs: number; data: Promise<TickData | undefined> } | undefined;

  async function readTick(now: Date): Promise<TickData | undefined> {
    const config = await deps.loadConfig(now);
    const nowMs = now.getTime();
    const { recentStartMs: recentStart, recentEndMs: recentEnd, historyStartMs: coldHistoryStart, historyEndMs: historyEnd } = forecastReadSpan(config, now, options);
    const recentQs: LoadQuery[] = [];
    const historyQs: LoadQuery[] = [];
    const due: FleetConfig[] = [];
    config.fleets.forEach((fleet, index) => {
      // A fleet kept reactive costs no query.
      if (fleet.predictive === false) return;
      recentQs.push(...loadQueries(config, fleet, `r${index}`, 60));
      const cached = histories.get(fleet.name);
      if (!cached || nowMs - cached.fetchedAtMs >= ttlMs) {
        due.push(fleet);
        historyQs.push(...loadQueries(config, fleet, `h${index}`, HISTORY_PERIOD_SECONDS));
      }
    });
    const historyStart = Math.min(...due.map((f) => histories.get(f.name)?.untilMs ?? coldHistoryStart));
    try {
      const incomplete: IncompleteQuery[] = [];
      const onIncomplete = (queries: IncompleteQuery[]) => incomplete.push(...queries);
      let recentPoints: Map<string, LoadPoint[]>;
      let historyPoints = new Map<string, LoadPoint[]>();
      // Appending an hour of history rides along with the recent read; only a cold
      // start's weeks of history need a call of their own.
      if (historyQs.length > 0 && historyStart >= recentStart - 2 * ttlMs) {
        // Five-minute buckets count from StartTime: it must fall on a five-minute boundary.
        const start = Math.min(historyStart, Math.floor(recentStart / (HISTORY_PERIOD_SECONDS * 1000)) * HISTORY_PERIOD_SECONDS * 1000);
        recentPoints = await readLoads(deps.cloudwatch, [...recentQs, ...historyQs], new Date(start), new Date(recentEnd), deps.retry, onIncomplete);
        historyPoints = recentPoints;
      } else {
        recentPoints = await readLoads(deps.cloudwatch, recentQs, new Date(recentStart), new Date(recentEnd), deps.retry, onIncomplete);
        if (historyQs.length > 0) historyPoints = await readLoads(deps.cloudwatch, historyQs, new Date(historyStart), new Date(historyEnd), deps.retry, onIncomplete);
      }
      if (incomplete.length > 0) {
        deps.telemetry.warn('forecast: load history incomplete: the periods the queries lack are unknown, never zero', { queries: incomplete });
      }
      const data: TickData = { recent: new Map() };
      config.fleets.forEach((fleet, index) => {
        const perKind: Partial<Record<RequestKind, LoadPoint[]>> = {};
        for (const kind of configuredKinds(fleet)) perKind[kind] = (recentPoints.get(`r${index}_${kind}`) ?? []).filter((p) => p.atMs >= recentStart);
        data.recent.set(fleet.name, perKind);
        if (due.includes(fleet)) mergeHistory(fleet, index, historyPoints, historyEnd, nowMs);
      });
      return data;
    } catch (error) {
      deps.telemetry.error('forecast: load history unreadable, every fleet stays reactive this tick', { error: describeError(error) });
      deps.telemetry.metric({ name: 'ForecastReadErrors', value: 1, unit: MetricUnit.Count, dimensions: {} });
      return undefined;
    }
  }

  function mergeHistory(fleet: FleetConfig, index: number, points: Map<string, LoadPoint[]>, historyEnd: number, nowMs: number): void {
    const cached = histories.get(fleet.name) ?? { loads: {}, untilMs: 0, fetchedAtMs: 0, residuals: {} };
    const keepFrom = nowMs - historyDays * DAY_MS;
    for (const kind of configuredKinds(fleet)) {
      const fresh = (points.get(`h${index}_${kind}`) ?? []).filter((p) => p.atMs >= cached.untilMs && p.atMs + HISTORY_PERIOD_SECONDS * 1000 <= historyEnd);
      cached.loads[kind] = [...(cached.loads[kind] ?? []).filter((p) => p.atMs >= keepFrom), ...fresh];
    }
    cached.untilMs = historyEnd;
    cached.fetchedAtMs = nowMs;
    histories.set(fleet.name, cached);
  }

  async function forecast(input: ForecastInput): Promise<ForecastAnswer | undefined> {
    const nowMs = input.now.getTime();
    if (tick?.nowMs !== nowMs) tick = { nowMs, data: readTick(input.now) };
    const data = await tick.data;
    if (!data) return undefined;
    const { fleet } = input;
    const config = await deps.loadConfig(input.now);
    const history = histories.get(fleet.name);
    const window = stabilizationMinutes(fleet);
    const leadMinutes = leadMinutesFor(fleet, config.periodSeconds);
    let best: LoadForecast | undefined;
    let bestHeadroom: ForecastHeadroom | undefined;
    let scaleInHold: number | undefined;
    for (const kind of configuredKinds(fleet)) {
      const capacity = input.capacityPerInstance?.[kind] ?? configuredCapacity(fleet, kind);
      const headroom = history ? measuredHeadroom(fleet, kind, history, leadMinutes, capacity) : {};
      const inputs = {
        now: input.now,
        recent: data.recent.get(fleet.name)?.[kind] ?? [],
        // The cached history itself: the same array from tick to tick until it is extended,
        // so the memo indexes it once and its past forecasts' history reads stand without a check.
        history: history?.loads[kind] ?? NO_HISTORY,
        historyPeriodMinutes: HISTORY_PERIOD_SECONDS / 60,
        settings: { ...options.model, leadMinutes, capacity, headroomFraction: fractionsOf(headroom) },
      };
      let memo = memos.get(fleet.name);
      if (!memo) memos.set(fleet.name, (memo = {}));
      const kindMemo = (memo[kind] ??= createForecastMemo());
      const result = stabilizedForecast(inputs, window, kindMemo);
      // A scale-in must stand through its own window once capacity could be back: an instance
      // needed again within it would have paid a drain and a boot for nothing.
      const hold = memoisedForecast(kindMemo, { ...inputs, settings: { ...inputs.settings, leadMinutes: leadMinutes + window } });
      if (hold.instances !== undefined && hold.reason !== 'InsufficientData') scaleInHold = Math.max(scaleInHold ?? 0, hold.instances);
      if (best === undefined || (result.instances ?? -1) > (best.instances ?? -1)) {
        best = { ...result, explanation: `${kind}: ${result.explanation}` };
        const measured = result.reason === 'InsufficientData' ? undefined : headroom[result.reason];
        bestHeadroom =
          result.numbers.headroom === undefined || result.numbers.headroomSource === undefined
            ? undefined
            : {
                requests: result.numbers.headroom,
                source: result.numbers.headroomSource,
                ...(result.numbers.headroomSource === 'EmpiricalResiduals' && measured ? { fraction: result.numbers.headroomFraction, samples: measured.samples } : {}),
              };
      }
    }
    if (!best) return undefined;
    latest.set(fleet.name, best);
    deps.telemetry.info('forecast', { fleet: fleet.name, current: input.current, instances: best.instances, reason: best.reason, explanation: best.explanation, numbers: best.numbers });
    if (best.instances !== undefined) {
      deps.telemetry.metric({ name: 'ForecastInstances', value: best.instances, unit: MetricUnit.Count, dimensions: { Fleet: fleet.name } });
    }
    return best.instances === undefined || best.reason === 'InsufficientData'
      ? { source: 'NoForecast' }
      : { instances: best.instances, source: best.reason, ...(scaleInHold !== undefined ? { scaleInHold } : {}), ...(bestHeadroom ? { headroom: bestHeadroom } : {}) };
  }

  /**
   * The headroom each kind of forecast needs to keep the fleet's service level, from the
   * errors of the same kind of forecast over the last `residualDays` (headroom.ts). New
   * residuals are computed only for periods the history has grown by since the last call.
   */
  function measuredHeadroom(fleet: FleetConfig, kind: RequestKind, history: FleetHistory, leadMinutes: number, capacity: number): Partial<Record<PatternReason, HeadroomEstimate>> {
    const loads = history.loads[kind] ?? [];
    let cache = history.residuals[kind];
    if (cache === undefined || cache.leadMinutes !== leadMinutes) {
      cache = { leadMinutes, nextAtMs: history.untilMs - residualMs, list: [] };
      history.residuals[kind] = cache;
    }
    const periodMs = HISTORY_PERIOD_SECONDS * 1000;
    // A residual needs the period its lead time falls in to be complete.
    const lastAtMs = Math.floor((history.untilMs - (leadMinutes * MINUTE_MS + periodMs)) / periodMs) * periodMs;
    if (lastAtMs >= cache.nextAtMs) {
      const fresh = forecastResiduals({
        history: loads,
        periodMinutes: HISTORY_PERIOD_SECONDS / 60,
        fromMs: cache.nextAtMs,
        toMs: lastAtMs,
        settings: { ...options.model, leadMinutes, capacity },
        recentMinutes,
      });
      const keepFrom = history.untilMs - residualMs;
      cache.list = [...cache.list.filter((r) => r.atMs >= keepFrom), ...fresh];
      cache.nextAtMs = lastAtMs + periodMs;
      cache.estimates = undefined;
    }
    const share = fleet.serviceLevel.maxOverCapacityShare;
    if (cache.estimates?.capacity !== capacity || cache.estimates.share !== share) {
      const held = heldThroughWindow(cache.list, stabilizationMinutes(fleet));
      const byReason = headroomByKind(held, { maxOverCapacityShare: share, capacity, minSamples: minResidualSamples, quietBelow: capacity * QUIET_FRACTION });
      cache.estimates = { capacity, share, byReason };
    }
    return cache.estimates.byReason;
  }

  return { forecast, latest };
}

function fractionsOf(estimates: Partial<Record<PatternReason, HeadroomEstimate>>): Partial<Record<PatternReason, number>> {
  const out: Partial<Record<PatternReason, number>> = {};
  for (const [reason, estimate] of Object.entries(estimates) as Array<[PatternReason, HeadroomEstimate]>) out[reason] = estimate.fraction;
  return out;
}

/** Past forecasts recomputed each tick: the fleet's scale-down window, at most half an hour of them. */
export function stabilizationMinutes(fleet: FleetConfig): number {
  return Math.min(MAX_STABILIZED_MINUTES, Math.floor(fleet.scaleDown.stabilizationSeconds / 60));
}

/** The operator's capacity, or the fallback of a fleet on the Engines' estimate: what a tick without a whole period plans with. */
function configuredCapacity(fleet: FleetConfig, kind: RequestKind): number {
  const declared = fleet.kinds[kind];
  if (declared === undefined) throw new RangeError(`fleet ${fleet.name} does not serve ${kind}`);
  return declared.capacity !== 'engine' ? declared.capacity : (declared as { fallbackCapacity: number }).fallbackCapacity;
}
