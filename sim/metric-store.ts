import { sortInOrder } from '../lib/sorted-search.js';
import { MINUTE_MS } from './clock.js';

/**
 * CloudWatch's storage, at one-minute resolution: for each metric (namespace, name and
 * the exact dimension set) a statistic set per minute. A Sum, Average, Minimum, Maximum
 * or SampleCount over any period that is a multiple of a minute is computed from these,
 * as CloudWatch does. Chunked typed arrays keep 28 days of a fleet's instances cheap.
 */

/**
 * Minutes per chunk. Every chunk of a run stays to its end, each with its own objects on
 * the heap, and the heap is let grow in proportion to what it keeps; an instance lives
 * for hours, so longer chunks mean fewer of them for little unused space at a series' end.
 */
const CHUNK_MINUTES = 256;

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
  /** Left out of its metric's recent listing until its next datapoint (RecentListing). */
  asleep = false;
  /** Called by the first datapoint after the series was put to sleep. */
  onWake: ((series: Series) => void) | undefined;

  constructor(
    /** Creation order in the store: the order a listing returns series in. */
    readonly seq: number,
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
    if (this.asleep) {
      this.asleep = false;
      this.onWake?.(this);
    }
  }

  /** Chunks are never removed: the last one found stays valid, and a query's periods mostly fall in one. */
  private found: { key: number; chunk: Chunk } | undefined;

  private chunkAt(key: number): Chunk | undefined {
    if (this.found?.key === key) return this.found.chunk;
    const chunk = this.chunks.get(key);
    if (chunk) this.found = { key, chunk };
    return chunk;
  }

  /**
   * For each minute of [fromMinute, toMinute) holding data, in time order: its stats in
   * `into` (as accumulate over that minute alone leaves them), then `visit(minute)`. What a
   * one-minute period reads, straight from the chunks: every tick reads dozens of minutes of
   * each instance's series.
   */
  forEachMinute(fromMinute: number, toMinute: number, into: MinuteStats, visit: (minute: number) => void): void {
    const to = Math.min(toMinute, this.lastMinute + 1);
    let m = Math.max(fromMinute, this.firstMinute);
    while (m < to) {
      const key = Math.floor(m / CHUNK_MINUTES);
      const base = key * CHUNK_MINUTES;
      const chunkEnd = Math.min(to, base + CHUNK_MINUTES);
      const chunk = this.chunkAt(key);
      if (chunk) {
        const mins = chunk.min ?? chunk.sum;
        const maxs = chunk.max ?? chunk.sum;
        for (let i = m - base, end = chunkEnd - base; i < end; i++) {
          const c = chunk.count[i] as number;
          if (c === 0) continue;
          into.min = mins[i] as number;
          into.max = maxs[i] as number;
          // Added to zero, as accumulate adds to a cleared total.
          into.sum = 0 + (chunk.sum[i] as number);
          into.count = 0 + c;
          visit(base + i);
        }
      }
      m = chunkEnd;
    }
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
      const chunk = this.chunkAt(key);
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

type Dimension = { Name?: string; Value?: string };

/**
 * The series of one metric by dimension set: a path of (Name, Value) steps in name order.
 * Every query of every tick looks its series up here, so the walk reuses the query's own
 * strings (whose hashes V8 keeps) instead of building a key string per query.
 */
class DimensionNode {
  series: Series | undefined;
  private children: Map<string, Map<string, DimensionNode>> | undefined;

  child(name: string, value: string): DimensionNode | undefined {
    return this.children?.get(name)?.get(value);
  }

  childFor(name: string, value: string): DimensionNode {
    let byValue = (this.children ??= new Map()).get(name);
    if (!byValue) this.children.set(name, (byValue = new Map()));
    let node = byValue.get(value);
    if (!node) byValue.set(value, (node = new DimensionNode()));
    return node;
  }
}

/** Name order, then value order for a repeated name (which no stored set has, so such a query finds nothing). */
function before(a: Dimension, b: Dimension): boolean {
  const an = a.Name ?? '';
  const bn = b.Name ?? '';
  return an < bn || (an === bn && (a.Value ?? '') < (b.Value ?? ''));
}

function inOrder(dimensions: ReadonlyArray<Dimension>): ReadonlyArray<Dimension> {
  for (let i = 1; i < dimensions.length; i++) {
    if (!before(dimensions[i - 1] as Dimension, dimensions[i] as Dimension)) return [...dimensions].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }
  return dimensions;
}

/**
 * One metric's series that may still be recently active. A walk from a minute puts to sleep
 * the series without data since then; a datapoint wakes one. Walks must come with minutes
 * that never decrease (the clock's), so a series asleep is one no later walk would list:
 * a month of terminated instances is not walked on every tick.
 */
class RecentListing {
  private awake: Series[] = [];

  add(series: Series): void {
    series.onWake = (s) => this.awake.push(s);
    this.awake.push(series);
  }

  /** The series with data at or after `sinceMinute`, in creation order. */
  since(sinceMinute: number): Series[] {
    const kept: Series[] = [];
    for (const s of this.awake) {
      if (s.lastMinute >= sinceMinute) kept.push(s);
      else s.asleep = true;
    }
    // A woken series rejoins at the end: creation order is restored for the listing.
    sortInOrder(kept, (a, b) => a.seq - b.seq);
    this.awake = kept;
    return kept;
  }
}

export class MetricStore {
  /** Creation order: the order all() and a listing return series in. */
  private readonly series: Series[] = [];
  /** Namespace, then metric name, then the dimension path. */
  private readonly roots = new Map<string, Map<string, DimensionNode>>();
  private readonly recent = new Map<string, RecentListing>();

  /** The series for an exact dimension set, created on first use; hold on to it for hot paths. */
  seriesFor(namespace: string, metricName: string, dimensions: Record<string, string>, unit?: string): Series {
    const dims = Object.entries(dimensions)
      .map(([Name, Value]) => ({ Name, Value }))
      .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    let byName = this.roots.get(namespace);
    if (!byName) this.roots.set(namespace, (byName = new Map()));
    let node = byName.get(metricName);
    if (!node) byName.set(metricName, (node = new DimensionNode()));
    for (const d of dims) node = node.childFor(d.Name, d.Value);
    let series = node.series;
    if (!series) {
      series = node.series = new Series(this.series.length, namespace, metricName, dims, unit);
      this.series.push(series);
      const metricKey = `${namespace}\u0000${metricName}`;
      let listing = this.recent.get(metricKey);
      if (!listing) this.recent.set(metricKey, (listing = new RecentListing()));
      listing.add(series);
    }
    return series;
  }

  /** The series with exactly these dimensions, in any order. */
  find(namespace: string, metricName: string, dimensions: ReadonlyArray<Dimension>): Series | undefined {
    let node = this.roots.get(namespace)?.get(metricName);
    for (const d of inOrder(dimensions)) node = node?.child(d.Name ?? '', d.Value ?? '');
    return node?.series;
  }

  all(): IterableIterator<Series> {
    return this.series.values();
  }

  /**
   * The series of one metric with data at or after `sinceMinute`, in creation order (the
   * order all() gives). `sinceMinute` must never decrease from one call to the next.
   */
  recentlyActive(namespace: string, metricName: string, sinceMinute: number): readonly Series[] {
    return this.recent.get(`${namespace}\u0000${metricName}`)?.since(sinceMinute) ?? [];
  }
}

export function absoluteMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS);
}
