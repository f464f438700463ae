/**
 * One signal's values by period start (ms): what a Map<number, number> answers, which a
 * Map also satisfies (tests and callers may hand one in).
 */
export interface PeriodValues {
  readonly size: number;
  get(atMs: number): number | undefined;
  has(atMs: number): boolean;
  set(atMs: number, value: number): unknown;
}

/**
 * PeriodValues over a query window's period starts, in one slot per period. A tick reads
 * every instance's signals over the whole window: a Map per signal grew its table again
 * for each datapoint and boxed each time key, the tick's largest allocation. A time that
 * is not a period start of the window (CloudWatch answers on the window's grid, but
 * nothing here relies on it) is kept in a Map beside the slots, so every answer is the one
 * a Map gives.
 */
export class PeriodSlots implements PeriodValues {
  /** undefined = no value. A plain array: a typed array's storage lives outside the heap, dearer to make for a window of a few dozen periods. */
  private readonly values: Array<number | undefined>;
  private other: Map<number, number> | undefined;
  private slotCount = 0;

  constructor(
    private readonly startMs: number,
    private readonly periodMs: number,
    periods: number,
  ) {
    this.values = new Array<number | undefined>(periods).fill(undefined);
  }

  get size(): number {
    return this.slotCount + (this.other?.size ?? 0);
  }

  get(atMs: number): number | undefined {
    const i = this.slot(atMs);
    return i < 0 ? this.other?.get(atMs) : this.values[i];
  }

  has(atMs: number): boolean {
    const i = this.slot(atMs);
    return i < 0 ? (this.other?.has(atMs) ?? false) : this.values[i] !== undefined;
  }

  set(atMs: number, value: number): this {
    const i = this.slot(atMs);
    if (i < 0) {
      (this.other ??= new Map()).set(atMs, value);
      return this;
    }
    if (this.values[i] === undefined) this.slotCount++;
    this.values[i] = value;
    return this;
  }

  /** The slot of a period start in the window, or -1. */
  private slot(atMs: number): number {
    const i = Math.round((atMs - this.startMs) / this.periodMs);
    // The product check keeps a time between two period starts (or a non-number) off the grid.
    return i >= 0 && i < this.values.length && this.startMs + i * this.periodMs === atMs ? i : -1;
  }
}
