import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulateCommand } from '../../cli/commands/simulate.js';
import { main } from '../../cli/main.js';
import { commandIo } from '../cli/command-io.js';

describe('fleet-scaler simulate', () => {
  it.each([
    { argv: ['--days', 'two'], error: '--days: must be a number (got "two")' },
    { argv: ['--days', '0'], error: '--days: must be a number > 0 (got "0")' },
    { argv: ['--capacity', '-5'], error: '--capacity: must be a number > 0 (got "-5")' },
    { argv: ['--boot-minutes', '2.5'], error: '--boot-minutes: must be a whole number of minutes (got "2.5")' },
    { argv: ['--policy', 'hpa'], error: '--policy: must be one of predictive, reactive, target-tracking (got "hpa")' },
    { argv: ['--min', '5', '--max', '3'], error: '--min: must be at most --max (3) (got 5)' },
    { argv: ['--report', 'out.txt'], error: '--report: must be a file path ending in .html (got "out.txt")' },
    { argv: ['--speed', '2'], error: '--speed: unknown flag' },
    { argv: ['--history-days', '29'], error: '--history-days: must be at most 28 (got "29")' },
    { argv: ['--history-days', '1.5'], error: '--history-days: must be a whole number of days (got "1.5")' },
    { argv: ['--history-days', '-1'], error: '--history-days: must be at least 0 (got "-1")' },
    { argv: ['--history-days', 'week'], error: '--history-days: must be a number (got "week")' },
    { argv: ['--fleets', '2', '--history-days', '7'], error: '--history-days: applies to the scenario, not to --fleets (got 7)' },
  ])('rejects $argv naming the flag, the rule and the value', async ({ argv, error }) => {
    const { out, io: cio } = commandIo();
    expect(await main(['simulate', ...argv], cio)).toBe(2);
    expect(out.stderr).toContain(error);
  });

  it('names a bad trace row by its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trace-'));
    const trace = join(dir, 'bad.csv');
    (await import('node:fs')).writeFileSync(trace, 'rownames,DateTime,Calls\n1,2003-03-03T07:00:00Z,111\n2,2003-03-03T07:05:00Z,lots\n');
    const { out, io: cio } = commandIo();
    expect(await simulateCommand(['--trace', trace, '--days', '1'], cio)).toBe(1);
    expect(out.stderr).toContain(`${trace}:3: Calls must be a whole number >= 0, got "lots"`);
  });

  it('prints the JSON figures and writes the series CSV and the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
    const trace = join(dir, 'trace.csv');
    // one hour of calls from 00:10 on the trace's first day; 40 calls per row x scale 2 = 16 arrivals a minute
    const rows = Array.from({ length: 12 }, (_, i) => `${i + 1},2003-03-03T${String(Math.floor((10 + 5 * i) / 60)).padStart(2, '0')}:${String((10 + 5 * i) % 60).padStart(2, '0')}:00Z,40`);
    (await import('node:fs')).writeFileSync(trace, `rownames,DateTime,Calls\n${rows.join('\n')}\n`);
    const { out, io: cio } = commandIo();
    const code = await simulateCommand(['--trace', trace, '--scale', '2', '--days', '0.1', '--capacity', '20', '--json', '--series', join(dir, 's.csv'), '--report', join(dir, 'r.html')], cio);
    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    const figures = JSON.parse(out.stdout);
    for (const key of ['gpuHours', 'oracleGpuHours', 'overCapacityStreamMinutes', 'streamMinutes', 'scaleActions', 'reversals', 'streamsCutAtGrace']) expect(typeof figures[key]).toBe('number');
    expect(figures.scenario).toMatchObject({ scale: 2, days: 0.1, capacity: 20, bootMinutes: 8, graceMinutes: 60, policy: 'predictive' });
    // 16 arrivals a minute of 4.5 minutes = 72 streams: more than the one instance of 20
    expect(figures.scaleActions).toBeGreaterThan(0);
    const csv = readFileSync(join(dir, 's.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^minute,demand,inService,billed,desired,/);
    expect(csv).toHaveLength(1 + 144); // 0.1 day = 144 minutes
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toContain('<canvas id="demand"');
  });
});

describe('fleet-scaler simulate --history-days', () => {
  /** Calls 00:10-01:05 of each of `days` (2003-03-03 is a Monday, the scored window's first day). */
  function trace(days: string[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'history-'));
    const at = (day: string, minute: number) => `${day}T${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00Z`;
    const times = days.flatMap((day) => Array.from({ length: 12 }, (_, i) => at(day, 10 + 5 * i)));
    writeFileSync(join(dir, 'trace.csv'), `rownames,DateTime,Calls\n${times.map((t, i) => `${i + 1},${t},40`).join('\n')}\n`);
    return join(dir, 'trace.csv');
  }
  const flags = (path: string) => ['--trace', path, '--scale', '2', '--days', '0.1', '--capacity', '20', '--json'];

  it('scores the same demand as the cold start, without its floor, and says which days came before', async () => {
    // One day before 0.1 scored day (a Monday) is a Sunday, read from the trace's first Sunday
    // after the scored window (day 7 x ceil(1.1 / 7) - 1 = 6, 2003-03-09): open, as the first scored week's Sunday is.
    const path = trace(['2003-03-03', '2003-03-09']);
    const runs = [];
    for (const more of [[], ['--history-days', '1']]) {
      const { out, io: cio } = commandIo();
      expect(await simulateCommand([...flags(path), ...more], cio)).toBe(0);
      runs.push(JSON.parse(out.stdout));
    }
    const [cold, adopted] = runs;
    expect([cold.historyDays, adopted.historyDays]).toEqual([0, 1]);
    expect(adopted.historyReadFrom).toBe('2003-03-09 to 2003-03-09');
    expect(cold).not.toHaveProperty('historyReadFrom');
    expect(adopted.scenario.historyDays).toBe(1);
    expect(cold.scenario).not.toHaveProperty('historyDays');
    expect([adopted.streamMinutes, adopted.oracleGpuHours]).toEqual([cold.streamMinutes, cold.oracleGpuHours]);
    // 16 arrivals a minute against one instance of 20 from 00:10: the cold start's opening is over capacity
    expect(cold.coldStartFloorStreamMinutes).toBeGreaterThan(0);
    expect(adopted.coldStartFloorStreamMinutes).toBe(0);
  });

  it.each([
    { name: 'a trace too short to hold the history', days: ['2003-03-03'], last: '2003-03-03T01:05:00.000Z' },
  ])('names $name', async ({ days, last }) => {
    const { out, io: cio } = commandIo();
    expect(await simulateCommand([...flags(trace(days)), '--history-days', '1'], cio)).toBe(1);
    expect(out.stderr).toContain(
      `1 day(s) of history are read from whole weeks of the trace after the 0.1 scored day(s), on the same weekdays and open on the same days as the first scored week; the trace (last row at ${last}) holds no such weeks`,
    );
  });
});

describe('fleet-scaler simulate progress', () => {
  // calls from 00:00 to 00:55; 0.05 day = 72 minutes simulated
  function trace(): string {
    const dir = mkdtempSync(join(tmpdir(), 'progress-'));
    const rows = Array.from({ length: 12 }, (_, i) => `${i + 1},2003-03-03T00:${String(5 * i).padStart(2, '0')}:00Z,10`);
    writeFileSync(join(dir, 'trace.csv'), `rownames,DateTime,Calls\n${rows.join('\n')}\n`);
    return join(dir, 'trace.csv');
  }

  it('shows the simulated day on a terminal, then clears its line', async () => {
    const { out, io: tio } = commandIo(true);
    expect(await simulateCommand(['--trace', trace(), '--days', '0.05', '--capacity', '20'], tio)).toBe(0);
    // 1 of 72 minutes = 1 %, 72 of 72 = 100 %
    expect(out.stderr).toContain('simulating: day 0.0 of 0.1 (1 %)');
    expect(out.stderr).toContain('simulating: day 0.1 of 0.1 (100 %)');
    expect(out.stderr.endsWith('\r\u001b[2K')).toBe(true);
    expect(out.stdout).not.toContain('simulating');
  });

  it.each([
    { name: 'not a terminal', isTTY: false, argv: [] as string[] },
    { name: '--json, even on a terminal', isTTY: true, argv: ['--json'] },
  ])('is silent when $name', async ({ isTTY, argv }) => {
    const { out, io: tio } = commandIo(isTTY);
    expect(await simulateCommand(['--trace', trace(), '--days', '0.05', '--capacity', '20', ...argv], tio)).toBe(0);
    expect(out.stderr).toBe('');
  });
});
