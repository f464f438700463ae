import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateProxy } from '../../lib/license/evaluate.js';
import { MAX_BODY_BYTES, pollProxy, type PollProblem } from '../../lib/license/poll.js';
import { FakeProxyServer, refusedPort, statusBody } from './proxy-server.js';

const NOW = new Date('2026-11-20T12:00:00.000Z');
// Generous for answers that come at once, so a loaded CI machine cannot make them time out;
// the slow routes never answer, so only they wait for the short one.
const TIMEOUT_MS = 5000;
const SHORT_TIMEOUT_MS = 300;

const server = new FakeProxyServer()
  .json('/ready', statusBody('Ready', NOW, 30, 7 * 86_400))
  .json('/connected', statusBody('Connected', NOW, 20, 7 * 86_400))
  .json('/trust-based', statusBody('TrustBased', NOW, 61 * 60, 7 * 86_400))
  .json('/failed', statusBody('Failed', NOW, 3 * 86_400, -60))
  .json('/failed-503', statusBody('Failed', NOW, 3 * 86_400, -60), 503)
  .json('/extra-fields', { ...statusBody('Connected', NOW, 20, 7 * 86_400), version: '3.1.0' })
  .json('/unknown-state', { ...statusBody('Connected', NOW, 20, 7 * 86_400), state: 'Degraded' })
  .json('/future-checkin', statusBody('TrustBased', NOW, -3600, 7 * 86_400))
  .json('/wrong-types', { state: 'Connected', last_successful_checkin: 1763640000, trust_expiration: 'tomorrow' })
  .json('/array', [statusBody('Connected', NOW, 20, 7 * 86_400)])
  .route('/html', (_req, res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>');
  })
  .route('/html-200', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><p>Login required</p>');
  })
  .route('/invalid-json', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"state": "Connected", "last_successful_checkin": ');
  })
  .route('/redirect', (_req, res) => {
    res.writeHead(302, { location: '/ready' });
    res.end();
  })
  .route('/server-error', (_req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('internal error');
  })
  // Never answers: the socket is held until the server stops.
  .route('/slow', () => undefined)
  .route('/slow-body', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"state": "Conn');
  })
  .route('/huge', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"state":"Connected","padding":"${'x'.repeat(MAX_BODY_BYTES + 1)}"}`);
  });

beforeAll(async () => {
  await server.start();
});
afterAll(async () => {
  await server.stop();
});

interface Case {
  name: string;
  url: () => string;
  problem?: PollProblem;
  state: string;
  reachable: boolean;
  page: boolean;
  timeoutMs?: number;
}

const cases: Case[] = [
  { name: 'Ready', url: () => server.url('/ready'), state: 'Ready', reachable: true, page: false },
  { name: 'Connected', url: () => server.url('/connected'), state: 'Connected', reachable: true, page: false },
  { name: 'TrustBased for 61 minutes pages', url: () => server.url('/trust-based'), state: 'TrustBased', reachable: true, page: true },
  { name: 'Failed pages', url: () => server.url('/failed'), state: 'Failed', reachable: true, page: true },
  { name: 'Failed served with HTTP 503 is still read as Failed', url: () => server.url('/failed-503'), state: 'Failed', reachable: true, page: true },
  { name: 'fields a newer proxy adds are ignored', url: () => server.url('/extra-fields'), state: 'Connected', reachable: true, page: false },
  { name: 'unknown state', url: () => server.url('/unknown-state'), problem: 'UnknownState', state: 'Unknown', reachable: false, page: false },
  { name: 'last check-in an hour in the future', url: () => server.url('/future-checkin'), state: 'Unknown', reachable: false, page: false },
  { name: 'timestamps of the wrong type', url: () => server.url('/wrong-types'), problem: 'SchemaMismatch', state: 'Unknown', reachable: false, page: false },
  { name: 'a JSON array', url: () => server.url('/array'), problem: 'SchemaMismatch', state: 'Unknown', reachable: false, page: false },
  { name: 'HTML error page from a gateway', url: () => server.url('/html'), problem: 'HttpStatus', state: 'Unknown', reachable: false, page: false },
  { name: 'HTML page with 200', url: () => server.url('/html-200'), problem: 'NotJson', state: 'Unknown', reachable: false, page: false },
  { name: 'invalid JSON', url: () => server.url('/invalid-json'), problem: 'InvalidJson', state: 'Unknown', reachable: false, page: false },
  { name: 'redirect is not followed', url: () => server.url('/redirect'), problem: 'Redirect', state: 'Unknown', reachable: false, page: false },
  { name: 'plain 500', url: () => server.url('/server-error'), problem: 'HttpStatus', state: 'Unknown', reachable: false, page: false },
  { name: 'no answer within the timeout', url: () => server.url('/slow'), problem: 'Timeout', state: 'Unreachable', reachable: false, page: false, timeoutMs: SHORT_TIMEOUT_MS },
  { name: 'body trickles past the timeout', url: () => server.url('/slow-body'), problem: 'Timeout', state: 'Unreachable', reachable: false, page: false, timeoutMs: SHORT_TIMEOUT_MS },
  { name: 'body far larger than a status', url: () => server.url('/huge'), problem: 'BodyTooLarge', state: 'Unknown', reachable: false, page: false },
  { name: 'TLS to a plain HTTP server', url: () => server.url('/ready', 'https'), problem: 'TlsError', state: 'Unreachable', reachable: false, page: false },
];

describe('pollProxy against a real HTTP server on 127.0.0.1', () => {
  it.each(cases)('$name', async ({ url, problem, state, reachable, page, timeoutMs }) => {
    const outcome = await pollProxy({ name: 'proxy-a', url: url() }, { timeoutMs: timeoutMs ?? TIMEOUT_MS });
    const evaluation = evaluateProxy(outcome, NOW);
    expect(outcome.kind === 'failure' ? outcome.problem : undefined).toBe(problem);
    expect({ state: evaluation.state, reachable: evaluation.reachable, page: evaluation.page }).toEqual({ state, reachable, page });
    expect(evaluation.detail.length).toBeGreaterThan(0);
  });

  it('connection refused is Unreachable, naming the cause', async () => {
    const port = await refusedPort();
    const outcome = await pollProxy({ name: 'proxy-a', url: `http://127.0.0.1:${port}/v1/status` }, { timeoutMs: TIMEOUT_MS });
    expect(outcome).toMatchObject({ kind: 'failure', problem: 'ConnectionRefused', detail: expect.stringContaining('ECONNREFUSED') });
    expect(evaluateProxy(outcome, NOW)).toMatchObject({ state: 'Unreachable', reachable: false, reasons: ['Unreachable', 'ConnectionRefused'] });
  });

  it('a redirect names where it pointed and is not followed', async () => {
    const outcome = await pollProxy({ name: 'proxy-a', url: server.url('/redirect') }, { timeoutMs: TIMEOUT_MS });
    expect(outcome).toMatchObject({ kind: 'failure', httpStatus: 302, detail: expect.stringContaining('redirect to /ready') });
  });

  it('an unknown state is named in the detail', async () => {
    const outcome = await pollProxy({ name: 'proxy-a', url: server.url('/unknown-state') }, { timeoutMs: TIMEOUT_MS });
    expect(outcome).toMatchObject({ detail: expect.stringContaining('"Degraded"') });
  });

  it('extra fields are reported as ignored rather than hidden', async () => {
    const outcome = await pollProxy({ name: 'proxy-a', url: server.url('/extra-fields') }, { timeoutMs: TIMEOUT_MS });
    expect(outcome).toMatchObject({ kind: 'answer', answer: { ignoredFields: ['version'] } });
    expect(evaluateProxy(outcome, NOW)).toMatchObject({ state: 'Connected', ignoredFields: ['version'] });
  });
});
