import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensurePackaged, ROOT, unzip } from './template.js';

/**
 * The zips as Lambda gets them: each unpacks to a module that loads on its own (no
 * node_modules beside it) and exports its handler, and zod inside the minified bundle
 * still explains a bad event in English.
 */
const FUNCTIONS = [
  { key: 'scale', file: 'functions/scale.mjs' },
  { key: 'drain', file: 'functions/drain.mjs' },
  { key: 'redeploy', file: 'functions/redeploy.mjs' },
  { key: 'licenseWatch', file: 'functions/license-watch.mjs' },
];

const dir = mkdtempSync(join(tmpdir(), 'packaged-handlers-'));

beforeAll(() => {
  ensurePackaged();
  for (const { key } of FUNCTIONS) {
    for (const [name, content] of unzip(readFileSync(join(ROOT, '.serverless', `${key}.zip`)))) {
      const path = join(dir, key, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  }
}, 240_000);

describe('packaged handlers', () => {
  it.each(FUNCTIONS)('$key: $file loads alone and exports a handler', async ({ key, file }) => {
    const module = (await import(pathToFileURL(join(dir, key, file)).href)) as { handler?: unknown };
    expect(typeof module.handler).toBe('function');
  }, 60_000);

  it('scale rejects an event from another source, in words', async () => {
    const { handler } = (await import(pathToFileURL(join(dir, 'scale', 'functions/scale.mjs')).href)) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
    await expect(handler({ source: 'aws.s3' }, {})).rejects.toThrow('source: must be "aws.events" (an EventBridge schedule) (got "aws.s3")');
  }, 60_000);
});
