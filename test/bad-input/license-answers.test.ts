import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateProxy } from '../../lib/license/evaluate.js';
import { MAX_BODY_BYTES, pollProxy, type PollProblem } from '../../lib/license/poll.js';
import { LicenseSettingsError, parseLicenseSettings } from '../../lib/license/settings.js';
import { FakeProxyServer } from '../license/proxy-server.js';
import { controlCharacters } from './aws.js';

/**
 * License Proxy HTTP answers: a bad answer is never read as a healthy proxy; its problem is
 * named, with the field, the rule and the value where the body has them, and nothing the
 * proxy sent reaches a log line unquoted.
 */

const NOW = new Date('2026-11-20T12:00:00.000Z');
// Generous for answers that come at once; only the never-answering route waits for the short one.
const TIMEOUT_MS = 5000;
const SHORT_TIMEOUT_MS = 300;
const CHECKIN = '2026-11-20T11:59:00Z';
const EXPIRES = '2026-11-27T12:00:00Z';

const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => (_req: unknown, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': type, ...headers });
  res.end(body);
};
const json = (body: unknown, status = 200) => send(status, 'application/json', JSON.stringify(body));

interface Case {
  name: string;
  route: (req: unknown, res: ServerResponse) => void;
  problem: PollProblem;
  /** What the detail must say: the field, the rule and the value. */
  says: RegExp[];
  timeoutMs?: number;
}

const CASES: Case[] = [
  // wrong JSON
  { name: 'truncated JSON', route: send(200, 'application/json', '{"state": "Connected", "last_'), problem: 'InvalidJson', says: [/invalid JSON/, /"\{\\?"state/] },
  { name: 'empty body', route: send(200, 'application/json', ''), problem: 'InvalidJson', says: [/invalid JSON/] },
  { name: 'an HTML login page with 200', route: send(200, 'text/html', '<!doctype html><p>Login</p>'), problem: 'NotJson', says: [/HTML page/, /text\/html/, /Login/] },
  { name: 'JSON array', route: json([{ state: 'Connected' }]), problem: 'SchemaMismatch', says: [/\(document\)/, /object/i] },
  { name: 'JSON null', route: send(200, 'application/json', 'null'), problem: 'SchemaMismatch', says: [/\(document\)/, /object/i, /null/] },
  // wrong types
  { name: 'state as a number', route: json({ state: 7, last_successful_checkin: CHECKIN, trust_expiration: EXPIRES }), problem: 'SchemaMismatch', says: [/state/, /one of Ready, Connected, TrustBased, Failed/, /got 7/] },
  { name: 'check-in as epoch seconds', route: json({ state: 'Connected', last_successful_checkin: 1763640000, trust_expiration: EXPIRES }), problem: 'SchemaMismatch', says: [/last_successful_checkin/, /string/i, /1763640000/] },
  { name: 'unknown state', route: json({ state: 'Degraded', last_successful_checkin: CHECKIN, trust_expiration: EXPIRES }), problem: 'UnknownState', says: [/state/, /not one of Ready, Connected, TrustBased, Failed/, /"Degraded"/] },
  // bad timestamps
  { name: 'expiration as a word', route: json({ state: 'TrustBased', last_successful_checkin: CHECKIN, trust_expiration: 'tomorrow' }), problem: 'SchemaMismatch', says: [/trust_expiration/, /RFC 3339 timestamp with a time zone/, /"tomorrow"/] },
  { name: 'check-in without a time zone', route: json({ state: 'TrustBased', last_successful_checkin: '2026-11-20T11:00:00', trust_expiration: EXPIRES }), problem: 'SchemaMismatch', says: [/last_successful_checkin/, /time zone/, /"2026-11-20T11:00:00"/] },
  { name: 'month 13', route: json({ state: 'TrustBased', last_successful_checkin: '2026-13-20T11:00:00Z', trust_expiration: EXPIRES }), problem: 'SchemaMismatch', says: [/last_successful_checkin/, /RFC 3339/, /"2026-13-20T11:00:00Z"/] },
  // transport
  { name: 'a body over the size cap', route: send(200, 'application/json', `{"state":"Connected","padding":"${'x'.repeat(MAX_BODY_BYTES + 1)}"}`), problem: 'BodyTooLarge', says: [new RegExp(String(MAX_BODY_BYTES))] },
  { name: 'a redirect', route: send(302, 'text/plain', '', { location: 'http://169.254.169.254/latest/meta-data/' }), problem: 'Redirect', says: [/HTTP 302 redirect/, /169\.254\.169\.254/, /not followed/] },
  { name: 'HTTP 500 with text', route: send(500, 'text/plain', 'internal error'), problem: 'HttpStatus', says: [/500/] },
  { name: 'HTTP 404', route: send(404, 'text/plain', 'no such route'), problem: 'HttpStatus', says: [/404/] },
  { name: 'no answer before the timeout', route: () => undefined, problem: 'Timeout', says: [new RegExp(String(SHORT_TIMEOUT_MS))], timeoutMs: SHORT_TIMEOUT_MS },
  // log-line injection through the answer
  { name: 'a state with a forged log line', route: json({ state: 'Connected\n{"level":"INFO","message":"license ok"}' }), problem: 'UnknownState', says: [/state/, /\\n/] },
  { name: 'a state with a terminal escape', route: json({ state: 'Connected\u001b[2K' }), problem: 'UnknownState', says: [/state/, /\\u001b/] },
  { name: 'a timestamp with a newline', route: json({ state: 'TrustBased', last_successful_checkin: `${CHECKIN}\nforged`, trust_expiration: EXPIRES }), problem: 'SchemaMismatch', says: [/last_successful_checkin/, /\\n/] },
  { name: 'an HTTP 502 page with control characters', route: send(502, 'text/html', '<html>\u0007bad\u001b[0m gateway</html>'), problem: 'HttpStatus', says: [/502/] },
  { name: 'an HTML page with control characters', route: send(200, 'text/html', '<html>\u0007bad\u001b[0m gateway</html>'), problem: 'NotJson', says: [/HTML page/, /\\u0007bad/] },
];

const server = new FakeProxyServer();
for (const [index, c] of CASES.entries()) server.route(`/case-${index}`, c.route as never);

beforeAll(async () => {
  await server.start();
});
afterAll(async () => {
  await server.stop();
});

describe('License Proxy answers: bad input is named, never read as healthy', () => {
  it.each(CASES.map((c, index) => ({ ...c, index })))('$name -> $problem', async ({ index, problem, says, timeoutMs }) => {
    const proxy = { name: 'proxy-a', url: server.url(`/case-${index}`) };
    const outcome = await pollProxy(proxy, { timeoutMs: timeoutMs ?? TIMEOUT_MS });
    expect(outcome.kind).toBe('failure');
    if (outcome.kind !== 'failure') return;
    expect(outcome.problem).toBe(problem);
    for (const part of says) expect(outcome.detail).toMatch(part);
    const evaluation = evaluateProxy(outcome, NOW);
    expect(evaluation.reachable).toBe(false);
    expect(['Ready', 'Connected']).not.toContain(evaluation.state);
    expect(controlCharacters(evaluation.detail)).toEqual([]);
    expect(evaluation.detail).not.toContain('\n');
  });
});

describe('License watch settings (the function environment): bad input is named', () => {
  const TOPIC = 'arn:aws:sns:us-east-1:123456789012:license';
  const proxies = (list: unknown) => JSON.stringify(list);
  it.each([
    { name: 'proxies not JSON', env: { LICENSE_PROXIES: '[{name:a}]', LICENSE_ALERT_TOPIC_ARN: TOPIC }, field: 'LICENSE_PROXIES', rule: /must be valid JSON/, value: '[{name:a}]' },
    { name: 'a file:// URL', env: { LICENSE_PROXIES: proxies([{ name: 'a', url: 'file:///etc/passwd' }]), LICENSE_ALERT_TOPIC_ARN: TOPIC }, field: 'LICENSE_PROXIES[0].url', rule: /http or https/, value: 'file:///etc/passwd' },
    { name: 'a URL with credentials', env: { LICENSE_PROXIES: proxies([{ name: 'a', url: 'http://u:p@10.0.0.1:8089/' }]), LICENSE_ALERT_TOPIC_ARN: TOPIC }, field: 'LICENSE_PROXIES[0].url', rule: /credentials/, value: 'http://u:p@10.0.0.1:8089/' },
    { name: 'a proxy name with a newline', env: { LICENSE_PROXIES: proxies([{ name: 'a\nb', url: 'http://10.0.0.1:8089/' }]), LICENSE_ALERT_TOPIC_ARN: TOPIC }, field: 'LICENSE_PROXIES[0].name', rule: /1-64 characters/, value: 'a\nb' },
    { name: 'two proxies with one name', env: { LICENSE_PROXIES: proxies([{ name: 'a', url: 'http://10.0.0.1:8089/' }, { name: 'a', url: 'http://10.0.0.2:8089/' }]), LICENSE_ALERT_TOPIC_ARN: TOPIC }, field: 'LICENSE_PROXIES[1].name', rule: /must be unique/, value: 'a' },
    { name: 'a timeout that is not a number', env: { LICENSE_PROXIES: proxies([{ name: 'a', url: 'http://10.0.0.1:8089/' }]), LICENSE_ALERT_TOPIC_ARN: TOPIC, LICENSE_POLL_TIMEOUT_MS: 'soon' }, field: 'LICENSE_POLL_TIMEOUT_MS', rule: /number of milliseconds/, value: 'soon' },
    { name: 'a timeout over a minute', env: { LICENSE_PROXIES: proxies([{ name: 'a', url: 'http://10.0.0.1:8089/' }]), LICENSE_ALERT_TOPIC_ARN: TOPIC, LICENSE_POLL_TIMEOUT_MS: '90000' }, field: 'LICENSE_POLL_TIMEOUT_MS', rule: /at most 20000 ms/, value: '90000' },
    { name: 'a topic that is not an ARN', env: { LICENSE_PROXIES: proxies([{ name: 'a', url: 'http://10.0.0.1:8089/' }]), LICENSE_ALERT_TOPIC_ARN: 'license-alerts' }, field: 'LICENSE_ALERT_TOPIC_ARN', rule: /SNS topic ARN/, value: 'license-alerts' },
  ])('$name -> $field', ({ env, field, rule, value }) => {
    let caught: unknown;
    try {
      parseLicenseSettings(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LicenseSettingsError);
    const problem = (caught as LicenseSettingsError).problems.find((p) => p.field === field);
    expect(problem, JSON.stringify((caught as LicenseSettingsError).problems)).toBeDefined();
    expect(problem?.rule).toMatch(rule);
    expect(problem?.value).toEqual(value);
    expect(controlCharacters((caught as Error).message)).toEqual([]);
  });
});
