import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/run.js';
import { STANDARD_SCENARIO } from '../../bench/scenario.js';
import { summarize } from '../../bench/summary.js';
import { SimFigures, type MinuteRecord } from '../../sim/figures.js';
import { RunRecorder } from '../../bench/recorder.js';

function record(minute: number, fields: Partial<MinuteRecord>): MinuteRecord {
  return { minute, demand: 0, activeStreams: 0, servingCapacity: 0, inService: 0, booting: 0, draining: 0, billed: 0, desired: 0, overCapacityStreams: 0, arrivals: 0, streamsCut: 0, rejected: 0, ...fields };
}

/** Eight days of a fleet that serves 10 instances' need with 12 (one booting, one draining) every minute. */
function eightDays(firstDayOver: number, laterOver: number): BenchResult {
  const figures = new SimFigures();
  for (let m = 1; m <= 8 * 1440; m++) {
    const over = m === 1 ? firstDayOver : m === 2000 ? laterOver : 0;
    figures.recordMinute(record(m, { demand: 100, billed: 12, inService: 10, booting: 1, draining: 1, overCapacityStreams: over }), 10);
  }
  return {
    options: { ...STANDARD_SCENARIO, days: 8 },
    start: new Date('2003-03-03T00:00:00Z'),
    totals: figures.totals(),
    recorder: new RunRecorder(8 * 1440),
    handlers: [],
    handlerErrors: 0,
    problems: [],
    scaleTickMs: 0,
    ticks: 0,
    drainSeconds: [],
    wallMs: 0,
  };
}

describe('the summary says where the GPU-hours above the oracle go', () => {
  it('splits them into booting, draining and serving above the need, in percent of the oracle', () => {
    // Each minute: 1 booting, 1 draining, 10 serving against a need of 10: 10 %, 10 %, 0 %.
    expect(summarize(eightDays(0, 0)).aboveOracle).toEqual({ bootingPercent: 10, drainingPercent: 10, servingAboveNeedPercent: 0 });
  });

  it('tells the first day (no history yet) from the days after it, and week from week', () => {
    // Day 1: 144 over of 1440 x 100 stream-minutes = 0.1 %; days 2-8: 70 over of 7 x 144,000 = 0.0069 %.
    const s = summarize(eightDays(144, 70));
    expect([s.overCapacityPercentFirstDay, s.overCapacityPercentAfterFirstDay]).toEqual([0.1, 0.0069]);
    // Days 1-7 hold all of the first day's and the later minute's (minute 2000 is day 2): 214 of 1,008,000.
    expect(s.weeks).toEqual([
      { days: '1-7', gpuHoursOverOracle: 1.2, overCapacityPercent: 0.0212 },
      { days: '8-8', gpuHoursOverOracle: 1.2, overCapacityPercent: 0 },
    ]);
  });

  it('separates the cold-start floor from the over-capacity the controller is answerable for', () => {
    // The standard physics (150 per instance, 8-minute boot, min 1); demand 100 each minute
    // except minutes 1-3 at 400: the floor is 3 x (400 - 150) = 750 of the run's 1,000 over.
    const result = eightDays(1000, 0);
    for (let m = 1; m <= 8 * 1440; m++) result.recorder.addMinute(record(m, { demand: m <= 3 ? 400 : 100 }), undefined);
    const s = summarize(result);
    expect(s.coldStartFloorStreamMinutes).toBe(750);
    // 250 of the 8 x 144,000 = 1,152,000 stream-minutes the figures recorded: 0.0217 %.
    expect(s.overCapacityPercentBeyondColdStart).toBe(0.0217);
  });

  it.each([
    // The same 3 x (400 - 150) = 750 stream-minutes are the floor unless the history carried streams.
    { name: 'no history: a new fleet', history: undefined, floor: 750 },
    { name: 'two days of history without a stream (a closed weekend): still new', history: 0, floor: 750 },
    { name: 'history that carried streams: the first opening is foreseeable', history: 50_000, floor: 0 },
  ])('the cold-start floor with $name', ({ history, floor }) => {
    const result = eightDays(1000, 0);
    for (let m = 1; m <= 8 * 1440; m++) result.recorder.addMinute(record(m, { demand: m <= 3 ? 400 : 100 }), undefined);
    if (history !== undefined) {
      const quiet = new SimFigures();
      for (let m = 1; m <= 2 * 1440; m++) quiet.recordMinute(record(m, { demand: m === 1 ? history : 0, billed: 1, inService: 1 }), 1);
      result.options = { ...result.options, historyDays: 2 };
      result.history = { days: 2, policy: 'target-tracking', totals: quiet.totals(), readFrom: { first: new Date('2003-04-12T00:00:00Z'), last: new Date('2003-04-13T00:00:00Z') } };
    }
    expect(summarize(result).coldStartFloorStreamMinutes).toBe(floor);
  });
});

