import { describe, expect, it } from 'vitest';
import { parseStatusBody } from '../../lib/license/answer.js';
import { evaluateProxy } from '../../lib/license/evaluate.js';
import { parseProxyTimestamp } from '../../lib/license/timestamp.js';

describe('parseProxyTimestamp', () => {
  it.each([
    { name: 'RFC 3339 UTC', text: '2026-11-20T12:00:00Z', iso: '2026-11-20T12:00:00.000Z' },
    { name: 'RFC 3339 fraction and offset', text: '2026-11-20T14:00:00.250+02:00', iso: '2026-11-20T12:00:00.250Z' },
    { name: 'nanosecond fraction is cut to milliseconds', text: '2026-11-20T12:00:00.123456789Z', iso: '2026-11-20T12:00:00.123Z' },
    { name: "Deepgram's other endpoints' form, offset with seconds", text: '2025-11-13 15:25:28.0 +00:00:00', iso: '2025-11-13T15:25:28.000Z' },
    // 12:00 at -05:30 is 17:30 UTC
    { name: 'negative offset', text: '2026-11-20T12:00:00-05:30', iso: '2026-11-20T17:30:00.000Z' },
    // Date.UTC alone reads years 0-99 as 1900-1999: each of these came out 1900 years late.
    { name: 'year 0099 as written', text: '0099-12-31T23:59:59Z', iso: '0099-12-31T23:59:59.000Z' },
    { name: 'year 0001 as written', text: '0001-01-01T00:00:00Z', iso: '0001-01-01T00:00:00.000Z' },
    // Year 0 is a leap year (divisible by 400), 1900 is not: 0000-02-29 was refused as a day that does not exist.
    { name: 'leap day of year 0000', text: '0000-02-29T12:00:00Z', iso: '0000-02-29T12:00:00.000Z' },
    // 00:30 at +01:00 is 23:30 UTC of the day before, across the year boundary
    { name: 'offset across the start of year 0050', text: '0050-01-01T00:30:00+01:00', iso: '0049-12-31T23:30:00.000Z' },
    { name: 'leap second at the end of year 0010 rolls into 0011', text: '0010-12-31T23:59:60Z', iso: '0011-01-01T00:00:00.000Z' },
    { name: 'year 0100 (not a leap year) on 28 February', text: '0100-02-28T00:00:00Z', iso: '0100-02-28T00:00:00.000Z' },
  ])('reads $name', ({ text, iso }) => {
    expect(parseProxyTimestamp(text)?.toISOString()).toBe(iso);
  });

  it.each([
    { name: 'no zone', text: '2026-11-20T12:00:00' },
    { name: 'a date only', text: '2026-11-20' },
    { name: 'February 30th', text: '2026-02-30T00:00:00Z' },
    { name: 'hour 24', text: '2026-11-20T24:00:00Z' },
    { name: 'epoch seconds as text', text: '1763640000' },
    { name: 'words', text: 'tomorrow' },
    // 100 is divisible by 100 and not by 400: no 29 February
    { name: '29 February 0100', text: '0100-02-29T00:00:00Z' },
  ])('rejects $name', ({ text }) => {
    expect(parseProxyTimestamp(text)).toBeUndefined();
  });
});

describe('parseStatusBody', () => {
  it.each([
    { name: 'HTML by content type', body: '{"state":"Ready"}', type: 'text/html', problem: 'NotJson' },
    { name: 'HTML by its first character', body: '  <html>oops</html>', type: 'application/json', problem: 'NotJson' },
    { name: 'truncated JSON', body: '{"state":', type: 'application/json', problem: 'InvalidJson' },
    { name: 'empty body', body: '', type: null, problem: 'InvalidJson' },
    { name: 'state lower-cased', body: '{"state":"connected"}', type: 'application/json', problem: 'UnknownState' },
    { name: 'state missing', body: '{"last_successful_checkin":null}', type: 'application/json', problem: 'SchemaMismatch' },
    { name: 'state a number', body: '{"state":3}', type: 'application/json', problem: 'SchemaMismatch' },
    { name: 'null document', body: 'null', type: 'application/json', problem: 'SchemaMismatch' },
  ])('$name is $problem', ({ body, type, problem }) => {
    expect(parseStatusBody(body, type)).toMatchObject({ ok: false, problem });
  });

  it('names the field, the rule and the value of a bad timestamp', () => {
    const parsed = parseStatusBody('{"state":"TrustBased","last_successful_checkin":"yesterday","trust_expiration":null}', 'application/json');
    expect(parsed).toEqual({ ok: false, problem: 'SchemaMismatch', detail: expect.stringMatching(/last_successful_checkin: must be an RFC 3339 timestamp.*\(got "yesterday"\)/) });
  });

  it('reads a complete answer', () => {
    const parsed = parseStatusBody('{"state":"TrustBased","last_successful_checkin":"2026-11-20T11:00:00Z","trust_expiration":"2026-11-22T11:00:00Z"}', 'application/json');
    expect(parsed).toEqual({ ok: true, answer: { state: 'TrustBased', lastSuccessfulCheckin: new Date('2026-11-20T11:00:00Z'), trustExpiration: new Date('2026-11-22T11:00:00Z'), ignoredFields: [] } });
  });

  it.each([
    { name: 'a check-in time in words', body: { state: 'Failed', last_successful_checkin: 'yesterday', trust_expiration: null }, ignored: ['last_successful_checkin'] },
    { name: 'a check-in time without a zone', body: { state: 'Failed', last_successful_checkin: '2026-11-20T11:00:00', trust_expiration: null }, ignored: ['last_successful_checkin'] },
    { name: 'epoch seconds as numbers', body: { state: 'Failed', last_successful_checkin: 1763640000, trust_expiration: 1763812800 }, ignored: ['last_successful_checkin', 'trust_expiration'] },
    { name: 'an odd expiry and an extra field', body: { state: 'Failed', last_successful_checkin: '2026-11-20T11:00:00Z', trust_expiration: 'never', version: '2.1' }, ignored: ['trust_expiration', 'version'] },
  ])('a Failed proxy with $name pages as Failed (the times only matter while TrustBased)', ({ body, ignored }) => {
    const parsed = parseStatusBody(JSON.stringify(body), 'application/json');
    expect(parsed).toMatchObject({ ok: true, answer: { state: 'Failed', ignoredFields: ignored } });
    if (!parsed.ok) return;
    const evaluation = evaluateProxy({ kind: 'answer', proxy: { name: 'proxy-a', url: 'http://10.0.1.10:8089/v1/status' }, answer: parsed.answer, httpStatus: 503, elapsedMs: 5 }, new Date('2026-11-20T12:00:00Z'));
    expect(evaluation).toMatchObject({ state: 'Failed', page: true, pageReasons: ['Failed'] });
  });

  it('a TrustBased proxy with an odd check-in time is still an unusable answer: its times are what the page is about', () => {
    const parsed = parseStatusBody('{"state":"TrustBased","last_successful_checkin":"yesterday","trust_expiration":"2026-11-22T11:00:00Z"}', 'application/json');
    expect(parsed).toMatchObject({ ok: false, problem: 'SchemaMismatch' });
  });
});
