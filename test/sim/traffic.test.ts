import { describe, expect, it } from 'vitest';
import { defaultTracePath, lengthSampler, parseTrace, rates, syntheticTraffic, TraceTraffic, TrafficError } from '../../sim/traffic.js';
import { mulberry32 } from '../../sim/random.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

const CSV = ['rownames,DateTime,Calls', '1,2003-03-03T07:00:00Z,100', '2,2003-03-03T07:05:00Z,50', ''].join('\n');

describe('trace parsing', () => {
  it('reads rownames,DateTime,Calls rows', () => {
    expect(parseTrace(CSV).map((r) => [r.line, r.time.toISOString(), r.calls])).toEqual([
      [2, '2003-03-03T07:00:00.000Z', 100],
      [3, '2003-03-03T07:05:00.000Z', 50],
    ]);
  });

  it.each([
    ['a wrong header', 'a,b,c\n1,2003-03-03T07:00:00Z,1', 'trace:1: header'],
    ['a missing field', 'rownames,DateTime,Calls\n1,2003-03-03T07:00:00Z', 'trace:2: expected 3 fields'],
    ['a bad date', 'rownames,DateTime,Calls\n1,yesterday,3', 'trace:2: DateTime must be an ISO 8601'],
    ['a negative count', 'rownames,DateTime,Calls\n1,2003-03-03T07:00:00Z,-3', 'trace:2: Calls must be a whole number'],
    ['an off-grid time', 'rownames,DateTime,Calls\n1,2003-03-03T07:01:00Z,3', 'trace:2: DateTime must fall on a five-minute boundary'],
    ['time going back', 'rownames,DateTime,Calls\n1,2003-03-03T07:05:00Z,3\n2,2003-03-03T07:00:00Z,3', 'trace:3: DateTime must increase'],
  ])('names the line of %s', (_name, text, message) => {
    expect(() => parseTrace(text)).toThrow(TrafficError);
    expect(() => parseTrace(text)).toThrow(message);
  });
});

describe('trace traffic', () => {
  const rows = parseTrace(CSV);

  it('starts at the first row midnight and spreads a row over its five minutes at calls x scale / 5', () => {
    const t = new TraceTraffic({ rows, scale: 20, days: 1 });
    expect(t.start.toISOString()).toBe('2003-03-03T00:00:00.000Z');
    // 07:00 is minute 420: 100 x 20 / 5 = 400 per minute for 420..424, then 50 x 20 / 5 = 200
    expect([419, 420, 424, 425, 429, 430].map((m) => t.expectedArrivals(m))).toEqual([0, 400, 400, 200, 200, 0]);
    expect(t.minutes).toBe(1440);
  });

  it('is deterministic for a seed, minute by minute in any order, and differs across seeds', () => {
    const a = new TraceTraffic({ rows, seed: 7, days: 1 });
    const b = new TraceTraffic({ rows, seed: 7, days: 1 });
    const c = new TraceTraffic({ rows, seed: 8, days: 1 });
    const forward = [420, 421, 422].map((m) => a.arrivals(m).stream);
    const backward = [422, 421, 420].map((m) => b.arrivals(m).stream).reverse();
    expect(forward).toEqual(backward);
    expect(c.arrivals(420).stream).not.toEqual(forward[0]);
  });

  it('arrivals average the Poisson mean', () => {
    const t = new TraceTraffic({ rows, seed: 3, scale: 20, days: 1 });
    let total = 0;
    for (let m = 420; m < 425; m++) total += t.arrivals(m).stream.length;
    // mean 5 x 400 = 2000, sd sqrt(2000) ~ 45: within 4 sd
    expect(Math.abs(total - 2000)).toBeLessThan(180);
  });

  it('rejects a bad scale or days naming the field', () => {
    expect(() => new TraceTraffic({ rows, scale: -1 })).toThrow('scale must be a finite number >= 0, got -1');
    expect(() => new TraceTraffic({ rows, days: 0 })).toThrow('days must be a number > 0, got 0');
  });

  it('reads the bank trace the project carries (data/bank_calls.csv.gz) by default', async () => {
    const { loadTraceTraffic } = await import('../../sim/traffic.js');
    expect(defaultTracePath()).toBe(join(ROOT, 'data', 'bank_calls.csv.gz'));
    const t = loadTraceTraffic({ days: 1 });
    expect(t.start.toISOString()).toBe('2003-03-03T00:00:00.000Z');
    // the first row is 2003-03-03T07:00 with 111 calls: 111 x 20 / 5 = 444 per minute
    expect(t.expectedArrivals(420)).toBe(444);
    // the whole trace: 27,716 rows, the last 2003-10-24T21:00 with 54 calls
    const rows = parseTrace(gunzipSync(readFileSync(defaultTracePath())).toString('utf8'));
    expect(rows).toHaveLength(27_716);
    expect(rows.at(-1)).toMatchObject({ time: new Date('2003-10-24T21:00:00Z'), calls: 54 });
  });

  it('reads a trace file plain or gzip-compressed, whatever its name', async () => {
    const { loadTraceTraffic } = await import('../../sim/traffic.js');
    const dir = mkdtempSync(join(tmpdir(), 'trace-'));
    const text = 'rownames,DateTime,Calls\n1,2003-03-03T07:00:00Z,10\n';
    writeFileSync(join(dir, 'plain.csv'), text);
    writeFileSync(join(dir, 'packed.csv'), gzipSync(text));
    // 10 calls x 20 / 5 = 40 per minute from 07:00 (minute 420)
    expect(loadTraceTraffic({ path: join(dir, 'plain.csv'), days: 1 }).expectedArrivals(420)).toBe(40);
    expect(loadTraceTraffic({ path: join(dir, 'packed.csv'), days: 1 }).expectedArrivals(420)).toBe(40);
  });
});

describe('stream lengths', () => {
  it('are whole minutes >= 1 with mean close to 4.5 (rounding up adds about half a minute)', () => {
    const sample = lengthSampler({ meanMinutes: 4.5, sdMinutes: 4.5 });
    const random = mulberry32(11);
    let sum = 0;
    let min = Infinity;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const l = sample(random);
      sum += l;
      min = Math.min(min, l);
      expect(Number.isInteger(l)).toBe(true);
    }
    // continuous mean 4.5; ceil() adds ~0.5 on average: expect 4.5..5.1
    expect(min).toBe(1);
    expect(sum / n).toBeGreaterThan(4.5);
    expect(sum / n).toBeLessThan(5.1);
  });
});

describe('synthetic traffic', () => {
  it('follows a rate shape with seeded Poisson arrivals', () => {
    const ramp = rates.ramp(0, 100, 0, 10);
    expect([0, 5, 10, 20].map(ramp)).toEqual([0, 50, 100, 100]);
    const t = syntheticTraffic({ rate: rates.step(0, 50, 5), seed: 2 });
    expect(t.arrivals(4).stream).toEqual([]);
    expect(t.arrivals(5).stream.length).toBeGreaterThan(20);
    expect(syntheticTraffic({ rate: rates.step(0, 50, 5), seed: 2 }).arrivals(5)).toEqual(t.arrivals(5));
  });

  it('rejects a negative rate naming the minute', () => {
    expect(() => syntheticTraffic({ rate: () => -1 }).arrivals(3)).toThrow('synthetic rate at minute 3 must be a finite number >= 0, got -1');
  });
});
