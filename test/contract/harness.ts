import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, vi } from 'vitest';
import { createAwsPorts } from '../../lib/aws/clients.js';
import type { AwsPorts } from '../../lib/aws/ports.js';
import type { RetryPolicy } from '../../lib/aws/retry.js';

/**
 * Contract tests talk to a real moto server (scripts/moto/start.sh); .ci/run starts it and
 * exports MOTO_ENDPOINT. Without it every contract suite is skipped, so `npm test` runs on
 * a machine without Python.
 */
export const MOTO_ENDPOINT = process.env.MOTO_ENDPOINT;
export const REGION = 'us-east-1';
/** moto's fixed account. */
export const ACCOUNT_ID = '123456789012';

/** A suite that runs only against moto, with fake credentials and a clean backend per test. */
export function describeMoto(name: string, body: (moto: MotoContext) => void): void {
  describe.skipIf(!MOTO_ENDPOINT)(`${name} (contract, moto)`, () => {
    const context = new MotoContext();
    // One moto server serves every test file, and a reset wipes all of it: suites take
    // turns, whatever the number of vitest workers.
    beforeAll(() => serverLock.acquire(), LOCK_WAIT_MS + 1000);
    afterAll(() => serverLock.release());
    beforeAll(() => {
      // Fake credentials: the SDK signs every request; moto accepts any signature, and
      // these can never reach a real account.
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAMOTOCONTRACTTEST');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'moto-contract-test-secret');
      vi.stubEnv('AWS_SESSION_TOKEN', '');
      vi.stubEnv('AWS_PROFILE', '');
    });
    afterAll(() => {
      vi.unstubAllEnvs();
    });
    beforeEach(async () => {
      await resetMoto();
    });
    body(context);
  });
}

export class MotoContext {
  private cached?: AwsPorts;
  /** The real SDK clients of lib/aws/clients.ts, pointed at moto. */
  get ports(): AwsPorts {
    this.cached ??= createAwsPorts({ endpoint: endpoint(), region: REGION });
    return this.cached;
  }
}

function endpoint(): string {
  if (!MOTO_ENDPOINT) throw new Error('MOTO_ENDPOINT is not set: contract tests need a moto server (scripts/moto/start.sh)');
  return MOTO_ENDPOINT;
}

const LOCK_WAIT_MS = 10 * 60_000;

/**
 * A lock file per moto endpoint, shared by every vitest worker process. The holder's pid
 * is in the file, so a lock left by a killed worker is taken over rather than waited on.
 */
class ServerLock {
  private held = false;
  private get path(): string {
    const id = createHash('sha256').update(endpoint()).digest('hex').slice(0, 16);
    return join(tmpdir(), `gpu-fleet-scaler-moto-${id}.lock`);
  }

  async acquire(): Promise<void> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const fd = openSync(this.path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        this.held = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      if (!holderAlive(this.path)) {
        unlinkQuietly(this.path);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`moto server lock ${this.path} still held after ${LOCK_WAIT_MS / 1000}s`);
      await sleep(50);
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    unlinkQuietly(this.path);
  }
}

function holderAlive(path: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(path, 'utf8'));
  } catch {
    // Gone between our open and this read: the next attempt may win.
    return true;
  }
  // An empty file is a holder still writing its pid.
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

const serverLock = new ServerLock();

/** Clears every moto backend, so each test starts from an empty account. */
export async function resetMoto(): Promise<void> {
  const response = await fetch(`${endpoint()}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset answered HTTP ${response.status}`);
}

/** Retries are the adapters' business; against moto one attempt must do. */
export const noRetry: RetryPolicy = {
  attempts: 1,
  baseDelayMs: 0,
  maxDelayMs: 0,
  sleep: () => Promise.resolve(),
  random: () => 0,
};

/**
 * One call to EC2's query API. The controller never calls EC2 (it has no EC2 port and the
 * project has no EC2 client), but a fleet fixture needs a launch template; moto routes the
 * request by the service in the credential scope and does not check the signature.
 */
export async function ec2Query(action: string, params: Record<string, string>): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: '2016-11-15', ...params });
  const response = await fetch(`${endpoint()}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=AKIAMOTOCONTRACTTEST/20260101/${REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`EC2 ${action} answered HTTP ${response.status}: ${text.slice(0, 300)}`);
  return text;
}
