import { describe, expect, it } from 'vitest';
import { coldStartFloor } from '../../bench/cold-start.js';

const physics = { capacity: 100, bootMinutes: 3, min: 1 };

describe('the cold-start floor: over-capacity no controller could avoid at a new fleet first opening', () => {
  it.each([
    // Quiet for two minutes, then 150, 300, 400 while only the first instance (100) serves:
    // 50 + 200 + 300 = 550; minute 5 (500) is after a launch at minute 2 could serve.
    { name: 'streams above the starting fleet until a launch at the first stream serves', demand: [0, 0, 150, 300, 400, 500], physics, floor: 550 },
    // Two starting instances carry 200: 0 + 100 + 200 = 300.
    { name: 'a larger starting fleet carries more of the opening', demand: [0, 0, 150, 300, 400, 500], physics: { ...physics, min: 2 }, floor: 300 },
    { name: 'an opening the starting fleet carries costs nothing', demand: [0, 50, 90, 100, 400], physics, floor: 0 },
    // Quiet from the first minute on: no opening, no floor.
    { name: 'a run with no streams has no floor', demand: [0, 0, 0], physics, floor: 0 },
    // The window is cut at the run's end: 150 - 100 = 50.
    { name: 'a run that ends before the boot time counts what it has', demand: [0, 150], physics, floor: 50 },
  ])('$name', ({ demand, physics: p, floor }) => {
    expect(coldStartFloor(Float64Array.from(demand), demand.length, p)).toBe(floor);
  });

  it('counts only the minutes recorded, not the rest of a preallocated series', () => {
    // Three recorded minutes (0, 150, 250) in an array of six: 50 + 150 = 200.
    const series = Float64Array.from([0, 150, 250, 900, 900, 900]);
    expect(coldStartFloor(series, 3, physics)).toBe(200);
  });
});
