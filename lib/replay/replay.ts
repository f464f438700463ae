import type { FleetConfig } from '../config/schema.js';
import { decide, type DecisionSettings, type ForecastHeadroom, type ForecastSource } from '../scaling/decide.js';
import { forecastForDecision, type ForecastProvider } from '../scaling/tick.js';
import { isComplete, type PeriodObservation } from '../fleet/observation.js';
import { capacityOf, configuredKinds } from '../fleet/recommend.js';

export interface ReplayInput {
  fleet: FleetConfig;
  settings: DecisionSettings;
  /** Replay ticks run every period from `from` (inclusive) to `to` (exclusive). */
  from: Date;
  to: Date;
  /** Every recorded period, oldest first, from a lookback before `from` to `to`. */
  observations: readonly PeriodObservation[];
  /** Periods of history each decision sees (the scale loop's query window). */
  lookbackPeriods: number;
  /** Instances the fleet was recorded with per period start (ms): serving ones, as the Engines reported. */
  recordedInstances: ReadonlyMap<number, number>;
  /**
   * Predictive replay: the forecast provider, asked at each tick as the live scale tick
   * asks it (lib/scaling/tick.ts forecastForDecision), its answer decided on the same way.
   */
  forecast?: ForecastProvider;
}

/** The forecast a decision was made with (predictive replay). */
export interface ReplayForecast {
  source?: ForecastSource;
  instances?: number;
  scaleInHold?: number;
  /** The headroom the forecast carried: measured from past forecast errors (EmpiricalResiduals) or assumed (PoissonAssumed). */
  headroom?: ForecastHeadroom;
}

export interface ReplayDecision {
  at: Date;
  from: number;
  to: number;
  reason: string;
  load?: number;
  forecast?: ReplayForecast;
}

export interface FleetTally {
  instanceHours: number;
  /** Periods in which the load was above the serving instances' capacity. */
  minutesShort: number;
  /** Request-minutes above capacity in those periods. */
  requestMinutesShort: number;
}

export interface ReplayResult {
  periods: number;
  /** heldByForecast: ticks at which the forecast held off a whole scale-in (ScaleDownHeldByForecast). */
  replayed: FleetTally & { scaleActions: number; heldByForecast: number };
  actual: FleetTally;
  decisions: ReplayDecision[];
}

export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}

/**
 * The current policy over a fleet's recorded history. Pure but for the forecast provider,
 * which reads only the recorded history (forecast.ts). Each tick sees the periods a
 * live tick would have seen (the complete ones before it) and the replayed fleet's own
 * state: new instances serve after the fleet's warm-up, removed ones stop serving at
 * once. The load is taken as given: it is what callers sent, whatever the fleet's size
 * (true while no request was turned away). Recorded counts give the "actual" column.
 */
export async function replayPolicy(input: ReplayInput): Promise<ReplayResult> {
  const { fleet, settings } = input;
  const periodMs = settings.periodSeconds * 1000;
  const fromMs = input.from.getTime();
  const toMs = input.to.getTime();
  if (!(toMs > fromMs)) throw new ReplayError(`--to must be after --from (got ${input.from.toISOString()} .. ${input.to.toISOString()})`);
  const kinds = configuredKinds(fleet);
  const byStart = new Map(input.observations.map((o) => [o.at.getTime(), o]));
  const firstRecorded = [...input.recordedInstances.entries()].filter(([at]) => at <= fromMs).sort((a, b) => b[0] - a[0])[0]?.[1];
  let current = Math.max(fleet.minInstances, firstRecorded ?? fleet.minInstances);
  let serving = current;
  const boots: Array<{ atMs: number; count: number }> = [];
  let lastScaling: { at: Date; direction: 'up' | 'down' } | undefined;
  const replayed = { instanceHours: 0, minutesShort: 0, requestMinutesShort: 0, scaleActions: 0, heldByForecast: 0 };
  const actual = { instanceHours: 0, minutesShort: 0, requestMinutesShort: 0 };
  const decisions: ReplayDecision[] = [];
  let periods = 0;

  for (let t = Math.ceil(fromMs / periodMs) * periodMs; t < toMs; t += periodMs) {
    periods++;
    for (let i = boots.length - 1; i >= 0; i--) {
      const boot = boots[i] as { atMs: number; count: number };
      if (boot.atMs <= t) {
        serving += boot.count;
        boots.splice(i, 1);
      }
    }
    const seen: PeriodObservation[] = [];
    for (let k = input.lookbackPeriods; k >= 1; k--) {
      const o = byStart.get(t - k * periodMs);
      // The replayed fleet reports from every serving instance: the recorded count of
      // reporters belongs to the real fleet, and would read as partial data here.
      seen.push(o ? { ...o, reportingInstances: serving } : { at: new Date(t - k * periodMs), load: {} });
    }
    const now = new Date(t);
    const booting = boots.reduce((sum, b) => sum + b.count, 0);
    const decision = decide({
      fleet,
      settings,
      now,
      snapshot: { current, groupMin: 0, groupMax: fleet.maxInstances, servingInstances: serving, bootingInstances: booting, drainingInstances: 0, lastScaling },
      observations: seen,
      ...(await forecastForDecision(input.forecast, fleet, now, current, seen)),
    });
    if (decision.reason === 'ScaleDownHeldByForecast') replayed.heldByForecast++;
    if (decision.desired !== current) {
      const n = decision.numbers;
      const forecast: ReplayForecast | undefined =
        n.forecastSource === undefined ? undefined : { source: n.forecastSource, instances: n.forecastInstances, scaleInHold: n.forecastScaleInHold, ...(n.forecastHeadroom ? { headroom: n.forecastHeadroom } : {}) };
      decisions.push({ at: now, from: current, to: decision.desired, reason: decision.reason, load: n.load[kinds[0] ?? 'stream'], ...(forecast ? { forecast } : {}) });
      replayed.scaleActions++;
      if (decision.desired > current) boots.push({ atMs: t + fleet.warmupSeconds * 1000, count: decision.desired - current });
      else {
        // Booting instances go first (as a group's termination policy would), then serving ones.
        let remove = current - decision.desired;
        for (let i = boots.length - 1; i >= 0 && remove > 0; i--) {
          const boot = boots[i] as { atMs: number; count: number };
          const n = Math.min(boot.count, remove);
          boot.count -= n;
          remove -= n;
          if (boot.count === 0) boots.splice(i, 1);
        }
        serving -= remove;
      }
      lastScaling = { at: now, direction: decision.desired > current ? 'up' : 'down' };
      current = decision.desired;
    }
    replayed.instanceHours += (current * settings.periodSeconds) / 3600;
    const observation = byStart.get(t);
    const recorded = input.recordedInstances.get(t);
    if (recorded !== undefined) actual.instanceHours += (recorded * settings.periodSeconds) / 3600;
    if (observation && isComplete(observation, kinds)) {
      tallyShort(replayed, shortfall(observation, serving));
      if (recorded !== undefined) tallyShort(actual, shortfall(observation, recorded));
    }
  }
  return { periods, replayed: round(replayed), actual: round(actual), decisions };

  /** Requests above what `instances` serve, for the kind that lacks the most. */
  function shortfall(observation: PeriodObservation, instances: number): number {
    let worst = 0;
    for (const kind of kinds) worst = Math.max(worst, (observation.load[kind] as number) - instances * capacityOf(fleet, kind, observation));
    return worst;
  }

  function tallyShort(tally: FleetTally, excess: number): void {
    if (excess <= 0) return;
    tally.minutesShort += settings.periodSeconds / 60;
    tally.requestMinutesShort += (excess * settings.periodSeconds) / 60;
  }
}

function round<T extends FleetTally>(tally: T): T {
  return { ...tally, instanceHours: Math.round(tally.instanceHours * 100) / 100, requestMinutesShort: Math.round(tally.requestMinutesShort) };
}
