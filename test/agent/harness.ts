import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A loopback stand-in for the EC2 instance metadata service (IMDSv2). */
export interface FakeImds {
  url: string;
  close(): Promise<void>;
}

export async function startFakeImds(answers: Record<string, string>): Promise<FakeImds> {
  const token = 'token-for-test';
  const server: Server = createServer((request, response) => {
    if (request.method === 'PUT' && request.url === '/latest/api/token') {
      response.end(token);
      return;
    }
    // IMDSv2 only: a request without the session token is refused, as on a hardened instance.
    if (request.headers['x-aws-ec2-metadata-token'] !== token) {
      response.statusCode = 401;
      response.end();
      return;
    }
    const answer = answers[decodeURIComponent(request.url ?? '')];
    if (answer === undefined) {
      response.statusCode = 404;
      response.end('Not Found');
      return;
    }
    response.end(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes an executable shell stub that logs its arguments and prints `output`. */
export function stub(dir: string, name: string, script: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho "$0 $*" >> "${dir}/calls.log"\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

export interface ScriptResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Asynchronous on purpose: the fake metadata service answers from this same process. */
export function runScript(path: string, args: string[], env: Record<string, string>): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path, ...args], { env, timeout: 20_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
