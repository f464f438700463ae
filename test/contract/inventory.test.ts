import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Keeps test/contract/README.md's table of AWS calls true: it is where the "calls covered
 * out of all calls made" figure comes from. Runs without moto.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const SCANNED = ['functions', 'cli', 'lib'];
// The simulated cloud (sim/) implements the commands and the benchmarks (bench/) are not
// the controller: both live outside the scanned folders.
const STATUSES = new Set(['covered', 'shape only', 'not in moto']);

async function sourceFiles(dir: string): Promise<string[]> {
  if (!existsSync(join(ROOT, dir))) return [];
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Operation -> files, for every SDK command imported from an @aws-sdk client and constructed. */
export async function callsInCode(): Promise<Map<string, string[]>> {
  const calls = new Map<string, string[]>();
  const files = (await Promise.all(SCANNED.map(sourceFiles))).flat();
  for (const file of files) {
    const text = await readFile(join(ROOT, file), 'utf8');
    const imported = new Set<string>();
    for (const match of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-[a-z0-9-]+'/g)) {
      for (const name of (match[1] ?? '').split(',').map((n) => n.trim())) {
        if (/^[A-Z]\w*Command$/.test(name)) imported.add(name);
      }
    }
    for (const name of imported) {
      if (!new RegExp(`new ${name}\\(`).test(text)) continue;
      const operation = name.replace(/Command$/, '');
      calls.set(operation, [...(calls.get(operation) ?? []), file]);
    }
  }
  return calls;
}

interface Row {
  service: string;
  operation: string;
  status: string;
  tests: string[];
}

async function readmeRows(): Promise<Row[]> {
  const text = await readFile(join(ROOT, 'test/contract/README.md'), 'utf8');
  return text
    .split('\n')
    .filter((line) => /^\| (Auto Scaling|CloudWatch|EC2|EKS|SSM|SNS) \|/.test(line))
    .map((line) => {
      const cells = line.split('|').map((c) => c.trim());
      return { service: cells[1] ?? '', operation: cells[2] ?? '', status: cells[3] ?? '', tests: (cells[5] ?? '').split(',').map((t) => t.trim()) };
    });
}

describe('test/contract/README.md lists every AWS call the controller makes', () => {
  it('has a row for each call in the code and no row for a call the code does not make', async () => {
    const code = await callsInCode();
    const rows = await readmeRows();
    const listed = new Set(rows.map((r) => r.operation));

    const unlisted = [...code.entries()].filter(([operation]) => !listed.has(operation)).map(([operation, files]) => `${operation} (${files.join(', ')})`);
    const stale = [...listed].filter((operation) => !code.has(operation));

    expect({ unlisted, stale }).toEqual({ unlisted: [], stale: [] });
  });

  it('gives each row a known status and test files that exist', async () => {
    const rows = await readmeRows();

    const problems = rows.flatMap((row) => [
      ...(STATUSES.has(row.status) ? [] : [`${row.operation}: unknown status "${row.status}"`]),
      ...row.tests.filter((file) => !existsSync(join(ROOT, 'test/contract', file))).map((file) => `${row.operation}: no test/contract/${file}`),
    ]);

    expect(rows.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('states the covered figure the table adds up to', async () => {
    const rows = await readmeRows();
    const covered = rows.filter((r) => r.status === 'covered').length;
    const text = await readFile(join(ROOT, 'test/contract/README.md'), 'utf8');

    expect(text).toContain(`**Covered: ${covered} of the ${rows.length} calls the controller makes**`);
  });
});
