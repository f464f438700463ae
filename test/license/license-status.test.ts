import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { licenseStatusCommand } from '../../cli/commands/license-status.js';
import { FakeProxyServer, refusedPort, statusBody } from './proxy-server.js';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const server = new FakeProxyServer()
  .json('/connected/v1/status', statusBody('Connected', NOW, 20, 7 * 86_400))
  // 61 min = 3660 s on trust
  .json('/trust/v1/status', statusBody('TrustBased', NOW, 61 * 60, 2 * 86_400))
  .json('/v1/status', statusBody('Ready', NOW, 5, 7 * 86_400));
let refused = 0;

beforeAll(async () => {
  await server.start();
  refused = await refusedPort();
});
afterAll(async () => {
  await server.stop();
});

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await licenseStatusCommand(argv, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } }, { now: () => NOW });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('fleet-scaler license-status', () => {
  it('exits 0 and prints state, since and expiration when nothing would page', async () => {
    const { code, stdout } = await run(['--url', server.url('/connected/v1/status')]);
    expect(code).toBe(0);
    expect(stdout).toContain('state:      Connected (HTTP 200');
    expect(stdout).toContain('since:      last check-in 2026-11-20T11:59:40.000Z');
    expect(stdout).toContain('expiration: 2026-11-27T12:00:00.000Z (in 7 d 0 h)');
    expect(stdout).toContain('would page: no');
    expect(stdout).toContain('verdict: no page at 2026-11-20T12:00:00.000Z');
  });

  it('exits 1 when any proxy would page, and says why', async () => {
    const { code, stdout } = await run(['--url', server.url('/connected/v1/status'), `--url=${server.url('/trust/v1/status')}`]);
    expect(code).toBe(1);
    expect(stdout).toContain('since:      TrustBased since 2026-11-20T10:59:00.000Z (1 h 1 min)');
    expect(stdout).toContain('would page: YES (TrustBasedOverAnHour)');
    expect(stdout).toContain('verdict: WOULD PAGE (1 of 2 proxies)');
  });

  it('exits 3 when a proxy gives no usable answer, naming the problem', async () => {
    const { code, stdout } = await run(['--url', `http://127.0.0.1:${refused}`, '--timeout-ms', '500']);
    expect(code).toBe(3);
    expect(stdout).toContain('state:      Unreachable');
    expect(stdout).toContain('problem:    connection refused');
    expect(stdout).toContain('pages if it lasts 3 minutes (every proxy is down)');
  });

  it('a bare origin polls /v1/status', async () => {
    const { code, stdout } = await run(['--url', server.url('')]);
    expect(code).toBe(0);
    expect(stdout).toContain(`(${server.url('/v1/status')})`);
    expect(stdout).toContain('state:      Ready');
  });

  it.each([
    { name: 'no --url', argv: [], message: '--url: required (got nothing)' },
    { name: 'an unknown flag', argv: ['--url', 'http://a:8089', '--verbose'], message: '--verbose: unknown flag (known: --url, --timeout-ms)' },
    { name: 'a misspelt flag', argv: ['--url', 'http://a:8089', '--timout-ms', '500'], message: '--timout-ms: unknown flag (did you mean --timeout-ms?)' },
    { name: '--url without a value', argv: ['--url'], message: '--url: needs a value (got nothing)' },
    { name: '--url followed by a flag', argv: ['--url', '--timeout-ms', '100'], message: '--url: needs a value (got nothing)' },
    { name: 'a non-HTTP URL', argv: ['--url', 'ftp://a/'], message: '--url: must use http or https (got "ftp://a/")' },
    { name: 'a relative URL', argv: ['--url', 'proxy-a:8089'], message: '--url: must use http or https (got "proxy-a:8089")' },
    { name: 'a timeout in words', argv: ['--url', 'http://a:8089', '--timeout-ms', 'soon'], message: '--timeout-ms: must be a number of milliseconds (got "soon")' },
    { name: 'a timeout too short', argv: ['--url', 'http://a:8089', '--timeout-ms=5'], message: '--timeout-ms: must be at least 100 ms (got "5")' },
    { name: 'the same proxy twice', argv: ['--url', 'http://a:8089', '--url', 'http://a:8089/v1/status'], message: '--url: must not repeat a proxy (got "http://a:8089/v1/status" twice)' },
  ])('exits 2 on $name, naming the flag, the rule and the value', async ({ argv, message }) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`license-status: ${message}`);
  });
});
