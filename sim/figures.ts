/** What the simulation measured in one minute, for every fleet together. */
export interface MinuteRecord {
  minute: number;
  /** Offered concurrent streams: every stream that arrived and has not ended, served or not. */
  demand: number;
  /** Streams actually held by Engines. */
  activeStreams: number;
  /** Sum of `capacity` over instances taking new streams. */
  servingCapacity: number;
  /** Instances serving and taking new streams. */
  inService: number;
  /** Launched, not serving yet. */
  booting: number;
  /** In Terminating:Wait, or SIGINTed: no new streams, still billed. */
  draining: number;
  /** Every instance that exists (launch to termination). */
  billed: number;
  desired: number;
  /** Streams above capacity this minute, summed over instances. */
  overCapacityStreams: number;
  arrivals: number;
  /** Streams cut by terminations since the previous record. */
  streamsCut: number;
  /** Streams no Engine took (no serving instance, or every Engine answered 429). */
  rejected: number;
}

/** pod-grace: an evicted pod killed at its terminationGracePeriodSeconds (EKS nodes). */
export type CutCause = 'lifecycle-complete' | 'hook-timeout' | 'no-hook' | 'pod-grace';

export interface SimulationTotals {
  minutes: number;
  gpuHours: number;
  oracleGpuHours: number;
  overCapacityStreamMinutes: number;
  /** Offered stream-minutes (the demand summed over minutes). */
  streamMinutes: number;
  servedStreamMinutes: number;
  arrivals: number;
  rejected: number;
  streamsCut: number;
  /** Cut when a lifecycle action was completed (the drain gave up at its grace deadline) or timed out. */
  streamsCutAtGrace: number;
  streamsCutByCause: Record<CutCause, number>;
  scaleActions: number;
  reversals: number;
  /** Instance-minutes billed while draining (Terminating:Wait or SIGINTed). */
  drainingInstanceMinutes: number;
  /** Instance-minutes billed from launch until the instance serves. */
  bootingInstanceMinutes: number;
  /** Instance-minutes of instances serving and taking new streams. */
  servingInstanceMinutes: number;
  /** Over-capacity stream-minutes of each simulated day, the first day (no history yet) first. */
  overCapacityStreamMinutesByDay: number[];
  /** Offered stream-minutes of each simulated day. */
  streamMinutesByDay: number[];
  /** Billed and oracle instance-minutes of each simulated day. */
  billedInstanceMinutesByDay: number[];
  oracleInstanceMinutesByDay: number[];
}

export const REVERSAL_WINDOW_MINUTES = 15;

/** Running totals; a fleet's desired-capacity history becomes scale actions and reversals. */
export class SimFigures {
  minutes = 0;
  billedInstanceMinutes = 0;
  oracleInstanceMinutes = 0;
  overCapacityStreamMinutes = 0;
  streamMinutes = 0;
  servedStreamMinutes = 0;
  arrivals = 0;
  rejected = 0;
  drainingInstanceMinutes = 0;
  bootingInstanceMinutes = 0;
  servingInstanceMinutes = 0;
  readonly overCapacityByDay: number[] = [];
  readonly streamMinutesByDay: number[] = [];
  readonly billedByDay: number[] = [];
  readonly oracleByDay: number[] = [];
  cutSinceRecord = 0;
  readonly cutByCause: Record<CutCause, number> = { 'lifecycle-complete': 0, 'hook-timeout': 0, 'no-hook': 0, 'pod-grace': 0 };
  scaleActions = 0;
  reversals = 0;
  private readonly lastMove = new Map<string, { up: number; down: number; lastMinute: number; lastDirection: 1 | -1 | 0 }>();

  /** Adds one simulated minute's record (`minute` counts from 1 at the simulation's start). */
  recordMinute(record: MinuteRecord, oracleInstances: number): void {
    this.minutes++;
    this.billedInstanceMinutes += record.billed;
    this.oracleInstanceMinutes += oracleInstances;
    this.overCapacityStreamMinutes += record.overCapacityStreams;
    this.streamMinutes += record.demand;
    this.servedStreamMinutes += record.activeStreams;
    this.arrivals += record.arrivals;
    this.rejected += record.rejected;
    this.drainingInstanceMinutes += record.draining;
    this.bootingInstanceMinutes += record.booting;
    this.servingInstanceMinutes += record.inService;
    const day = Math.floor((record.minute - 1) / 1440);
    while (this.overCapacityByDay.length <= day) {
      for (const days of [this.overCapacityByDay, this.streamMinutesByDay, this.billedByDay, this.oracleByDay]) days.push(0);
    }
    addAt(this.overCapacityByDay, day, record.overCapacityStreams);
    addAt(this.streamMinutesByDay, day, record.demand);
    addAt(this.billedByDay, day, record.billed);
    addAt(this.oracleByDay, day, oracleInstances);
  }

  recordCut(streams: number, cause: CutCause): void {
    if (streams <= 0) return;
    this.cutByCause[cause] += streams;
    this.cutSinceRecord += streams;
  }

  /**
   * Several changes in one direction within the same minute are one action (a scaler
   * terminating three chosen victims makes one decision). A reversal is a move within
   * 15 minutes of a move the other way.
   */
  recordDesiredChange(group: string, from: number, to: number, minute: number): void {
    if (from === to) return;
    const direction: 1 | -1 = to > from ? 1 : -1;
    let moves = this.lastMove.get(group);
    if (!moves) {
      moves = { up: Number.NEGATIVE_INFINITY, down: Number.NEGATIVE_INFINITY, lastMinute: Number.NEGATIVE_INFINITY, lastDirection: 0 };
      this.lastMove.set(group, moves);
    }
    if (moves.lastMinute === minute && moves.lastDirection === direction) return;
    this.scaleActions++;
    const opposite = direction === 1 ? moves.down : moves.up;
    if (minute - opposite <= REVERSAL_WINDOW_MINUTES) this.reversals++;
    if (direction === 1) moves.up = minute;
    else moves.down = minute;
    moves.lastMinute = minute;
    moves.lastDirection = direction;
  }

  totals(): SimulationTotals {
    const cut = this.cutByCause['lifecycle-complete'] + this.cutByCause['hook-timeout'] + this.cutByCause['no-hook'] + this.cutByCause['pod-grace'];
    return {
      minutes: this.minutes,
      gpuHours: this.billedInstanceMinutes / 60,
      oracleGpuHours: this.oracleInstanceMinutes / 60,
      overCapacityStreamMinutes: this.overCapacityStreamMinutes,
      streamMinutes: this.streamMinutes,
      servedStreamMinutes: this.servedStreamMinutes,
      arrivals: this.arrivals,
      rejected: this.rejected,
      streamsCut: cut,
      streamsCutAtGrace: this.cutByCause['lifecycle-complete'] + this.cutByCause['hook-timeout'] + this.cutByCause['pod-grace'],
      streamsCutByCause: { ...this.cutByCause },
      scaleActions: this.scaleActions,
      reversals: this.reversals,
      drainingInstanceMinutes: this.drainingInstanceMinutes,
      bootingInstanceMinutes: this.bootingInstanceMinutes,
      servingInstanceMinutes: this.servingInstanceMinutes,
      overCapacityStreamMinutesByDay: [...this.overCapacityByDay],
      streamMinutesByDay: [...this.streamMinutesByDay],
      billedInstanceMinutesByDay: [...this.billedByDay],
      oracleInstanceMinutesByDay: [...this.oracleByDay],
    };
  }
}

function addAt(values: number[], index: number, amount: number): void {
  values[index] = (values[index] as number) + amount;
}

/** The fewest instances that serve `demand` streams at `capacity` each, never below `min`. */
export function oracleInstances(demand: number, capacity: number, min: number): number {
  return Math.max(min, Math.ceil(demand / capacity));
}
