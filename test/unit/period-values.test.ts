import { describe, expect, it } from 'vitest';
import { PeriodSlots } from '../../lib/fleet/period-values.js';

const START = Date.UTC(2026, 2, 2, 12, 0);
const PERIOD = 60_000;
/** Three periods: START, START + 60 s, START + 120 s. */
const PERIODS = 3;

type Step = [atMs: number, value: number];

describe('PeriodSlots: a window\'s values by period start, answering as a Map does', () => {
  it.each<{ name: string; sets: Step[]; probes: number[] }>([
    { name: 'each period start set once', sets: [[START, 4], [START + PERIOD, 0], [START + 2 * PERIOD, 7.5]], probes: [START, START + PERIOD, START + 2 * PERIOD] },
    { name: 'a period set again keeps the newer value and counts once', sets: [[START + PERIOD, 4], [START + PERIOD, 9]], probes: [START, START + PERIOD] },
    { name: 'a period never set is absent, not zero', sets: [[START, 4]], probes: [START + PERIOD, START + 2 * PERIOD] },
    // START + 90 s lies between two period starts; START - 60 s and START + 180 s (3 x 60 s) lie outside the window
    { name: 'times off the window\'s grid are kept beside the slots', sets: [[START + 90_000, 1], [START - PERIOD, 2], [START + PERIODS * PERIOD, 3], [START, 5]], probes: [START + 90_000, START - PERIOD, START + PERIODS * PERIOD, START, START + PERIOD, START + 2 * PERIOD] },
    { name: 'an off-grid time set again keeps the newer value', sets: [[START + 30_000, 1], [START + 30_000, 2]], probes: [START + 30_000, START] },
    { name: 'a NaN value is stored as a Map stores it', sets: [[START, Number.NaN]], probes: [START] },
    { name: 'a NaN time is a key like any other', sets: [[Number.NaN, 1]], probes: [Number.NaN, START] },
  ])('$name', ({ sets, probes }) => {
    const slots = new PeriodSlots(START, PERIOD, PERIODS);
    const map = new Map<number, number>();
    for (const [atMs, value] of sets) {
      expect(slots.set(atMs, value)).toBe(slots);
      map.set(atMs, value);
    }
    expect(slots.size).toBe(map.size);
    for (const atMs of probes) {
      expect(slots.get(atMs), `get ${atMs - START}`).toEqual(map.get(atMs));
      expect(slots.has(atMs), `has ${atMs - START}`).toBe(map.has(atMs));
    }
  });
});
