import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { packageRoot } from '../lib/package-root.js';
import { lognormalParameters, mulberry32, poisson, standardNormal } from './random.js';

/**
 * Requests arriving in one minute, each given as its length in whole minutes (>= 1).
 * Streams are what the scenario is about; batch and tts only show up in
 * engine_active_requests.
 */
export interface Arrivals {
  stream: number[];
  batch?: number[];
  tts?: number[];
}

export interface TrafficSource {
  /** `minute` counts from the simulation's start. Pure: the same minute always gives the same arrivals. */
  arrivals(minute: number): Arrivals;
}

export class TrafficError extends Error {
  override readonly name = 'TrafficError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface TraceRow {
  line: number;
  time: Date;
  calls: number;
}

const FIVE_MINUTES_MS = 300_000;
const DAY_MS = 86_400_000;

/** Parses `rownames,DateTime,Calls` rows; any bad row is an error naming its line. */
export function parseTrace(text: string, source = 'trace'): TraceRow[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').replace(/"/g, '').trim();
  if (header !== 'rownames,DateTime,Calls') {
    throw new TrafficError(`${source}:1: header must be "rownames,DateTime,Calls", got ${JSON.stringify(lines[0] ?? '')}`);
  }
  const rows: TraceRow[] = [];
  let previous = Number.NEGATIVE_INFINITY;
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === '') continue;
    const line = i + 1;
    const fields = raw.split(',').map((f) => f.replace(/^"|"$/g, '').trim());
    if (fields.length !== 3) throw new TrafficError(`${source}:${line}: expected 3 fields (rownames,DateTime,Calls), got ${fields.length}: ${JSON.stringify(raw)}`);
    const [, dateText, callsText] = fields as [string, string, string];
    const ms = Date.parse(dateText);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/.test(dateText) || Number.isNaN(ms)) {
      throw new TrafficError(`${source}:${line}: DateTime must be an ISO 8601 UTC time like 2003-03-03T07:00:00Z, got ${JSON.stringify(dateText)}`);
    }
    if (ms % FIVE_MINUTES_MS !== 0) throw new TrafficError(`${source}:${line}: DateTime must fall on a five-minute boundary, got ${dateText}`);
    if (ms <= previous) throw new TrafficError(`${source}:${line}: DateTime must increase from row to row, got ${dateText} after ${new Date(previous).toISOString()}`);
    if (!/^\d+$/.test(callsText)) throw new TrafficError(`${source}:${line}: Calls must be a whole number >= 0, got ${JSON.stringify(callsText)}`);
    previous = ms;
    rows.push({ line, time: new Date(ms), calls: Number(callsText) });
  }
  if (rows.length === 0) throw new TrafficError(`${source}: no data rows`);
  return rows;
}

/**
 * The call-centre trace the project carries (data/README.md: provenance and citation),
 * wherever the package is: sources, compiled CLI or an installed package.
 */
export function defaultTracePath(): string {
  return join(packageRoot(), 'data', 'bank_calls.csv.gz');
}

/** gzip's magic number: a trace may be given compressed or not, whatever its name. */
function gunzipped(bytes: Buffer): Buffer {
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
}

export interface LengthModel {
  /** Mean stream length in minutes (default 4.5). */
  meanMinutes?: number;
  /** Standard deviation in minutes (default 4.5). */
  sdMinutes?: number;
}

/** Draws lognormal lengths rounded up to whole minutes, at least 1. */
export function lengthSampler(model: LengthModel = {}): (random: () => number) => number {
  const { mu, sigma } = lognormalParameters(model.meanMinutes ?? 4.5, model.sdMinutes ?? 4.5);
  return (random) => Math.max(1, Math.ceil(Math.exp(mu + sigma * standardNormal(random))));
}

/** A per-minute generator seeded from (seed, minute): any minute can be asked for in any order. */
function minuteRandom(seed: number, minute: number): () => number {
  return mulberry32((Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(minute + 1, 0xc2b2ae35)) >>> 0);
}

export interface TraceTrafficOptions extends LengthModel {
  rows: TraceRow[];
  /** Calls multiplier (default 20: twenty such centres). */
  scale?: number;
  /** Simulated days from the first row's midnight UTC (default 28). */
  days?: number;
  seed?: number;
}

/**
 * The SCENARIO.md traffic: each five-minute row's calls x scale arrive Poisson, evenly
 * over its five minutes; each call is one stream of lognormal length.
 */
export class TraceTraffic implements TrafficSource {
  /** Midnight UTC of the first row: the simulation's minute 0. */
  readonly start: Date;
  readonly minutes: number;
  /** The last row's time: how far the trace reaches, whatever `days` reads of it. */
  readonly lastRowTime: Date;
  private readonly rate: Float64Array;
  private readonly seed: number;
  private readonly length: (random: () => number) => number;

  constructor(options: TraceTrafficOptions) {
    const scale = options.scale ?? 20;
    const days = options.days ?? 28;
    if (!(scale >= 0) || !Number.isFinite(scale)) throw new TrafficError(`scale must be a finite number >= 0, got ${scale}`);
    if (!(days > 0) || !Number.isFinite(days)) throw new TrafficError(`days must be a number > 0, got ${days}`);
    const first = options.rows[0];
    if (!first) throw new TrafficError('the trace has no rows');
    const startMs = Math.floor(first.time.getTime() / DAY_MS) * DAY_MS;
    this.start = new Date(startMs);
    this.minutes = Math.round(days * 1440);
    this.lastRowTime = (options.rows[options.rows.length - 1] as TraceRow).time;
    this.rate = new Float64Array(this.minutes);
    for (const row of options.rows) {
      const minute = (row.time.getTime() - startMs) / 60_000;
      if (minute >= this.minutes) break;
      for (let k = 0; k < 5 && minute + k < this.minutes; k++) this.rate[minute + k] = (row.calls * scale) / 5;
    }
    this.seed = options.seed ?? 1;
    this.length = lengthSampler(options);
  }

  /** Mean arrivals in a minute (calls x scale / 5 inside a row, 0 outside). */
  expectedArrivals(minute: number): number {
    return minute >= 0 && minute < this.minutes ? (this.rate[minute] as number) : 0;
  }

  arrivals(minute: number): Arrivals {
    const mean = this.expectedArrivals(minute);
    if (mean === 0) return { stream: [] };
    const random = minuteRandom(this.seed, minute);
    const count = poisson(mean, random);
    const stream = new Array<number>(count);
    for (let i = 0; i < count; i++) stream[i] = this.length(random);
    return { stream };
  }
}

/** The rows of a trace file, plain or gzip (default: the bundled trace). */
export function readTrace(path: string = defaultTracePath()): TraceRow[] {
  let text: string;
  try {
    text = gunzipped(readFileSync(path)).toString('utf8');
  } catch (error) {
    throw new TrafficError(`cannot read the trace ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseTrace(text, path);
}

export function loadTraceTraffic(options: Omit<TraceTrafficOptions, 'rows'> & { path?: string }): TraceTraffic {
  return new TraceTraffic({ ...options, rows: readTrace(options.path) });
}

export interface SyntheticTrafficOptions extends LengthModel {
  /** Mean stream arrivals per minute at `minute`. */
  rate: (minute: number) => number;
  seed?: number;
}

/** Poisson arrivals at any rate shape (ramp, drop, noise), lognormal lengths. */
export function syntheticTraffic(options: SyntheticTrafficOptions): TrafficSource {
  const seed = options.seed ?? 1;
  const length = lengthSampler(options);
  return {
    arrivals(minute) {
      const mean = options.rate(minute);
      if (!(mean >= 0) || !Number.isFinite(mean)) throw new TrafficError(`synthetic rate at minute ${minute} must be a finite number >= 0, got ${mean}`);
      const random = minuteRandom(seed, minute);
      const count = poisson(mean, random);
      const stream = new Array<number>(count);
      for (let i = 0; i < count; i++) stream[i] = length(random);
      return { stream };
    },
  };
}

/** Exactly the given streams (lengths in minutes) per minute: for hand-computed tests. */
export function scriptedTraffic(script: (minute: number) => number[] | Arrivals): TrafficSource {
  return {
    arrivals(minute) {
      const out = script(minute);
      return Array.isArray(out) ? { stream: out } : out;
    },
  };
}

/** Rate shapes for synthetic traffic. */
export const rates = {
  constant: (perMinute: number) => () => perMinute,
  /** Linear from `from` to `to` between the two minutes, flat outside. */
  ramp: (from: number, to: number, startMinute: number, endMinute: number) => (minute: number) =>
    minute <= startMinute ? from : minute >= endMinute ? to : from + ((to - from) * (minute - startMinute)) / (endMinute - startMinute),
  /** `before` until `atMinute`, then `after`. */
  step: (before: number, after: number, atMinute: number) => (minute: number) => (minute < atMinute ? before : after),
  /** Multiplies a rate by a seeded factor in [1 - amplitude, 1 + amplitude], fixed per minute. */
  noisy: (rate: (minute: number) => number, amplitude: number, seed = 7) => (minute: number) =>
    Math.max(0, rate(minute) * (1 + amplitude * (2 * minuteRandom(seed, minute)() - 1))),
};
