import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from './template.js';

/**
 * The README's deploy line, as a new user copies it: .ci/run packages it offline with
 * exactly these parameters; here, what it says must agree with what the stack does.
 */
const line = execFileSync('node', ['scripts/ci/readme-command.mjs', 'npx serverless deploy'], { cwd: ROOT, encoding: 'utf8' }).trim();
const params = new Map([...line.matchAll(/--param=(?:'([^']*)'|"([^"]*)")/g)].map((m) => {
  const text = (m[1] ?? m[2]) as string;
  return [text.slice(0, text.indexOf('=')), text.slice(text.indexOf('=') + 1)] as const;
}));

describe("the README's deploy line", () => {
  it('gives the License Proxies, which have no default', () => {
    expect(params.has('licenseProxies')).toBe(true);
  });

  it("points at each proxy's status port (/v1/status), not the licensing port 8443", () => {
    const proxies = JSON.parse(params.get('licenseProxies') ?? '[]') as { name: string; url: string }[];
    expect(proxies.length).toBeGreaterThan(0);
    for (const proxy of proxies) expect(new URL(proxy.url).port).not.toBe('8443');
  });

  it('pages with the protocol its endpoint needs (https for a URL, email for an address)', () => {
    const endpoint = params.get('alertEndpoint') ?? '';
    const protocol = params.get('alertProtocol') ?? 'email';
    expect(protocol).toBe(endpoint.startsWith('https://') ? 'https' : 'email');
  });
});
