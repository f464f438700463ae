import { describe, expect, it } from 'vitest';
import { parseStatusBody } from '../../lib/license/answer.js';
import { parseProxyTimestamp } from '../../lib/license/timestamp.js';

describe('parseProxyTimestamp', () => {
  it.each([
    { name: 'RFC 3339 UTC', text: '2026-11-20T12:00:00Z', iso: '2026-11-20T12:00:00.000Z' },
    { name: 'RFC 3339 fraction and offset', text: '2026-11-20T14:00:00.250+02:00', iso: '2026-11-20T12:00:00.250Z' },
    { name: 'nanosecond fraction is cut to milliseconds', text: '2026-11-20T12:00:00.123456789Z', iso: '2026-11-20T12:00:00.123Z' },
    { name: "Deepgram's other endpoints' form, offset with seconds", text: '2025-11-13 15:25:28.0 +00:00:00', iso: '2025-11-13T15:25:28.000Z' },
    // 12:00 at -05:30 is 17:30 UTC
    { name: 'negative offset', text: '2026-11-20T12:00:00-05:30', iso: '2026-11-20T17:30:00.000Z' },
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
});
