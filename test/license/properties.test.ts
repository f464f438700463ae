import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStatusBody } from '../../lib/license/answer.js';
import { evaluateProxy } from '../../lib/license/evaluate.js';
import { parseProxyTimestamp } from '../../lib/license/timestamp.js';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const proxy = { name: 'proxy-a', url: 'http://10.0.1.10:8089/v1/status' };
const instant = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true });

describe('properties', () => {
  it('any body at all yields an answer or a named problem, never an exception, and a verdict with a reason', () => {
    const bodies = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ state: fc.oneof(fc.constantFrom('Ready', 'Connected', 'TrustBased', 'Failed'), fc.string()), last_successful_checkin: fc.oneof(fc.constant(null), fc.string(), instant.map((d) => d.toISOString())), trust_expiration: fc.oneof(fc.constant(null), fc.integer(), instant.map((d) => d.toISOString())) }).map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(bodies, fc.constantFrom('application/json', 'text/html', null), (body, type) => {
        const parsed = parseStatusBody(body, type);
        const outcome = parsed.ok
          ? { kind: 'answer' as const, proxy, answer: parsed.answer, httpStatus: 200, elapsedMs: 1 }
          : { kind: 'failure' as const, proxy, problem: parsed.problem, detail: parsed.detail, httpStatus: 200, elapsedMs: 1 };
        const evaluation = evaluateProxy(outcome, NOW);
        expect(evaluation.reasons.length).toBeGreaterThan(0);
        expect(evaluation.detail.length).toBeGreaterThan(0);
        expect(evaluation.page).toBe(evaluation.pageReasons.length > 0);
        if (!evaluation.reachable) expect(evaluation.page).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('every instant reads back the same from RFC 3339 at any whole-minute offset', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -14 * 60, max: 14 * 60 }), (date, offsetMinutes) => {
        const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
        const sign = offsetMinutes < 0 ? '-' : '+';
        const abs = Math.abs(offsetMinutes);
        const text = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        expect(parseProxyTimestamp(text)?.getTime()).toBe(date.getTime());
      }),
    );
  });

  it('TrustBased pages exactly when the check-in is more than 3600 s old, whatever the gap between polls', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 * 86_400 }), (secondsOnTrust) => {
        const checkin = new Date(NOW.getTime() - secondsOnTrust * 1000);
        const expiration = new Date(NOW.getTime() + 30 * 86_400_000);
        const evaluation = evaluateProxy({ kind: 'answer', proxy, answer: { state: 'TrustBased', lastSuccessfulCheckin: checkin, trustExpiration: expiration, ignoredFields: [] }, httpStatus: 200, elapsedMs: 1 }, NOW);
        expect(evaluation.trustBasedSeconds).toBe(secondsOnTrust);
        expect(evaluation.page).toBe(secondsOnTrust > 3600);
      }),
    );
  });
});
