export const MINUTE_MS = 60_000;

/**
 * The simulated wall clock. Time moves in whole minutes because the controller ticks
 * every minute and CloudWatch stores one-minute data; everything in the simulation
 * (boots, hook deadlines, metric timestamps) is measured against it.
 */
export class SimClock {
  private current: number;
  constructor(
    /** Minute 0. Must fall on a whole minute so metric timestamps line up with periods. */
    readonly start: Date,
  ) {
    if (Number.isNaN(start.getTime())) throw new RangeError(`SimClock start must be a valid Date, got ${String(start)}`);
    if (start.getTime() % MINUTE_MS !== 0) throw new RangeError(`SimClock start must fall on a whole minute, got ${start.toISOString()}`);
    this.current = 0;
  }

  /** Minutes since start. */
  get minute(): number {
    return this.current;
  }

  now(): Date {
    return new Date(this.start.getTime() + this.current * MINUTE_MS);
  }

  nowMs(): number {
    return this.start.getTime() + this.current * MINUTE_MS;
  }

  advance(minutes = 1): number {
    if (!Number.isInteger(minutes) || minutes < 0) throw new RangeError(`SimClock.advance takes a whole number of minutes >= 0, got ${minutes}`);
    this.current += minutes;
    return this.current;
  }

  /** The simulation minute a Date falls in (rounded down). */
  minuteOf(date: Date | number): number {
    const ms = typeof date === 'number' ? date : date.getTime();
    return Math.floor((ms - this.start.getTime()) / MINUTE_MS);
  }

  dateOf(minute: number): Date {
    return new Date(this.start.getTime() + minute * MINUTE_MS);
  }
}
