import { MINUTE_MS } from './clock.js';

/**
 * CloudWatch's storage, at one-minute resolution: for each metric (namespace, name and
 * the exact dimension set) a statistic set per minute. A Sum, Average, Minimum, Maximum
 * or SampleCount over any period that is a multiple of a minute is computed from these,
 * as CloudWatch does. Chunked typed arrays keep 28 days of a fleet's instances cheap.
 */

const CHUNK_MINUTES = 64;

/**
 * One span of minutes. Most minutes hold a single sample (one instance, one scrape), for
 * which min = max = sum: the min/max arrays are only allocated once a minute holds more.
 */
class Chunk {
  readonly sum = new Float64Array(CHUNK_MINUTES);
  readonly count = new Uint32Array(CHUNK_MINUTES);
  min: Float64Array | undefined;
  max: Float64Array | undefined;

  spread(): void {
    if (this.min) return;
    this.min = new Float64Array(CHUNK_MINUTES);
    this.max = new Float64Array(CHUNK_MINUTES);
    for (let i = 0; i < CHUNK_MINUTES; i++) {
      if (this.count[i] !== 0) {
        this.min[i] = this.sum[i] as number;
        this.max[i] = this.sum[i] as number;
      }
    }
  }
}

export interface MinuteStats {
  sum: number;
  count: number;
  min: number;
  max: number;
}

export class Series {
  private readonly chunks = new Map<number, Chunk>();
  /** Range of minutes holding data, to skip empty spans quickly. */
  firstMinute = Number.POSITIVE_INFINITY;
  lastMinute = Number.NEGATIVE_INFINITY;

  constructor(
    readonly namespace: string,
    readonly metricName: string,
    /** Sorted by name. */
    readonly dimensions: ReadonlyArray<{ Name: string; Value: string }>,
    public unit: string | undefined,
  ) {}

  /** `minute` is an absolute minute (Unix ms / 60000). */
  add(minute: number, value: number, count = 1, min = value, max = value): void {
    const key = Math.floor(minute / CHUNK_MINUTES);
    let chunk = this.chunks.get(key);
    if (!chunk) {
      chunk = new Chunk();
      this.chunks.set(key, chunk);
    }
    const i = minute - key * CHUNK_MINUTES;
    const previous = chunk.count[i] as number;
    if (!chunk.min && (previous !== 0 || count !== 1 || min !== value || max !== value)) chunk.spread();
    if (previous === 0) {
      chunk.sum[i] = value;
      if (chunk.min) {
        chunk.min[i] = min;
        (chunk.max as Float64Array)[i] = max;
      }
    } else {
      chunk.sum[i] = (chunk.sum[i] as number) + value;
      const mins = chunk.min as Float64Array;
      const maxs = chunk.max as Float64Array;
      if (min < (mins[i] as number)) mins[i] = min;
      if (max > (maxs[i] as number)) maxs[i] = max;
    }
    chunk.count[i] = previous + count;
    if (minute < this.firstMinute) this.firstMinute = minute;
    if (minute > this.lastMinute) this.lastMinute = minute;
  }

  /** Adds the stats of [fromMinute, toMinute) into `into`; returns false when no minute held data. */
  accumulate(fromMinute: number, toMinute: number, into: MinuteStats): boolean {
    const from = Math.max(fromMinute, this.firstMinute);
    const to = Math.min(toMinute, this.lastMinute + 1);
    let found = false;
    let m = from;
    while (m < to) {
      const key = Math.floor(m / CHUNK_MINUTES);
      const chunkEnd = Math.min(to, (key + 1) * CHUNK_MINUTES);
      const chunk = this.chunks.get(key);
      if (chunk) {
        const mins = chunk.min ?? chunk.sum;
        const maxs = chunk.max ?? chunk.sum;
        for (let i = m - key * CHUNK_MINUTES, end = chunkEnd - key * CHUNK_MINUTES; i < end; i++) {
          const c = chunk.count[i] as number;
          if (c === 0) continue;
          const lo = mins[i] as number;
          const hi = maxs[i] as number;
          if (!found) {
            into.min = lo;
            into.max = hi;
            found = true;
          } else {
            if (lo < into.min) into.min = lo;
            if (hi > into.max) into.max = hi;
          }
          into.sum += chunk.sum[i] as number;
          into.count += c;
        }
      }
      m = chunkEnd;
    }
    return found;
  }
}

export function seriesKey(namespace: string, metricName: string, dimensions: ReadonlyArray<{ Name?: string; Value?: string }>): string {
  const dims = dimensions
    .map((d) => `${d.Name ?? ''}=${d.Value ?? ''}`)
    .sort()
    .join(',');
  return `${namespace}\u0000${metricName}\u0000${dims}`;
}

export class MetricStore {
  private readonly series = new Map<string, Series>();

  /** The series for an exact dimension set, created on first use; hold on to it for hot paths. */
  seriesFor(namespace: string, metricName: string, dimensions: Record<string, string>, unit?: string): Series {
    const dims = Object.entries(dimensions)
      .map(([Name, Value]) => ({ Name, Value }))
      .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    const key = seriesKey(namespace, metricName, dims);
    let series = this.series.get(key);
    if (!series) {
      series = new Series(namespace, metricName, dims, unit);
      this.series.set(key, series);
    }
    return series;
  }

  find(namespace: string, metricName: string, dimensions: ReadonlyArray<{ Name?: string; Value?: string }>): Series | undefined {
    return this.series.get(seriesKey(namespace, metricName, dimensions));
  }

  all(): IterableIterator<Series> {
    return this.series.values();
  }
}

export function absoluteMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS);
}
