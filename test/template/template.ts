import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

/**
 * The packaged CloudFormation template, as `serverless package` writes it. CI packages
 * before the tests (.ci/run); anywhere else, a missing or stale template is packaged
 * here first, once, whichever template test file gets there first.
 */
export const ROOT = new URL('../..', import.meta.url).pathname;
export const TEMPLATE = join(ROOT, '.serverless/cloudformation-template-update-stack.json');
const LOCK = join(ROOT, '.serverless-package.lock');
const PACKAGE_ARGS = ['package', '--stage', 'ci', '--region', 'us-east-1'];

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

function newestInput(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestInput(join(path, entry))), stat.mtimeMs);
}

function isFresh(): boolean {
  if (!existsSync(TEMPLATE)) return false;
  const inputs = ['serverless.yml', 'infra', 'functions', 'lib', 'package-lock.json'].map((p) => join(ROOT, p)).filter(existsSync);
  return statSync(TEMPLATE).mtimeMs >= Math.max(...inputs.map(newestInput));
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Packages unless the template is newer than every input; safe from parallel test files. */
export function ensurePackaged(): void {
  if (isFresh()) return;
  const deadline = Date.now() + 240_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // A lock left by a killed run would block forever: packaging never takes minutes.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 180_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new TemplateError(`waited 4 minutes for ${LOCK}; remove it if no test run is packaging`);
      sleep(500);
    }
  }
  try {
    if (isFresh()) return;
    try {
      execFileSync(join(ROOT, 'node_modules/.bin/serverless'), PACKAGE_ARGS, { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
    } catch (cause) {
      const { stdout, stderr } = cause as { stdout?: unknown; stderr?: unknown };
      const output = stdout === undefined ? String(cause) : `${String(stdout)}${String(stderr)}`;
      throw new TemplateError(`serverless ${PACKAGE_ARGS.join(' ')} failed:\n${output}`, { cause });
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Resource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, Json>;
  DependsOn?: string | string[];
}
export interface Template {
  Parameters?: Record<string, { Type: string; Default?: string | number; AllowedValues?: Json[]; AllowedPattern?: string }>;
  Conditions?: Record<string, Json>;
  Resources: Record<string, Resource>;
}

export function loadTemplate(): Template {
  ensurePackaged();
  return JSON.parse(readFileSync(TEMPLATE, 'utf8')) as Template;
}

export function resourcesOfType(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/**
 * Every value a property can take: an Fn::If contributes both branches (a check must
 * hold whichever way the condition goes), AWS::NoValue contributes nothing.
 */
export function branches(value: Json): Json[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const conditional = value['Fn::If'];
    if (Array.isArray(conditional)) return [...branches(conditional[1] as Json), ...branches(conditional[2] as Json)];
    if (value.Ref === 'AWS::NoValue') return [];
  }
  return [value];
}

/**
 * Text of a Fn::Sub / Fn::Join / Fn::Split / Ref / plain string, with references kept as
 * ${Name} unless `refs` gives their value (a Fn::Sub's own template is kept as written).
 */
export function render(value: Json, refs: Record<string, string> = {}): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    if (typeof value.Ref === 'string') return refs[value.Ref] ?? `\${${value.Ref}}`;
    const sub = value['Fn::Sub'];
    if (typeof sub === 'string') return sub;
    if (Array.isArray(sub) && typeof sub[0] === 'string') return sub[0];
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `\${${getAtt.join('.')}}`;
    const join = value['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && join[1] !== undefined) return renderList(join[1], refs).join(join[0]);
  }
  throw new TemplateError(`cannot render ${JSON.stringify(value)}`);
}

/** The strings of a list value: a Fn::Split, a plain list, or one value standing alone. */
export function renderList(value: Json, refs: Record<string, string> = {}): string[] {
  if (Array.isArray(value)) return value.map((item) => render(item, refs));
  if (value !== null && typeof value === 'object') {
    const split = value['Fn::Split'];
    if (Array.isArray(split) && typeof split[0] === 'string' && split[1] !== undefined) return render(split[1], refs).split(split[0]);
  }
  return [render(value, refs)];
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * The files of a zip archive (stored or deflated, as serverless writes them), read from
 * its central directory: no unzip binary needed wherever the tests run.
 */
export function unzip(archive: Buffer): Map<string, Buffer> {
  const END = 0x06054b50;
  let end = archive.length - 22;
  while (end >= 0 && archive.readUInt32LE(end) !== END) end--;
  if (end < 0) throw new TemplateError('not a zip archive: no end of central directory');
  const count = archive.readUInt16LE(end + 10);
  let entry = archive.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = archive.readUInt16LE(entry + 10);
    const compressed = archive.readUInt32LE(entry + 20);
    const nameLength = archive.readUInt16LE(entry + 28);
    const extraLength = archive.readUInt16LE(entry + 30);
    const commentLength = archive.readUInt16LE(entry + 32);
    const local = archive.readUInt32LE(entry + 42);
    const name = archive.toString('utf8', entry + 46, entry + 46 + nameLength);
    const dataStart = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const data = archive.subarray(dataStart, dataStart + compressed);
    if (method !== 0 && method !== 8) throw new TemplateError(`${name}: zip method ${method} is not stored or deflated`);
    files.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    entry += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

/** The zipped bundle serverless-esbuild built for a function, as text. */
export function bundleText(functionKey: string): string {
  ensurePackaged();
  const zip = join(ROOT, '.serverless', `${functionKey}.zip`);
  const bundles = [...unzip(readFileSync(zip))].filter(([name]) => name.endsWith('.mjs'));
  if (bundles.length === 0) throw new TemplateError(`${zip} holds no .mjs bundle`);
  return bundles.map(([, content]) => content.toString('utf8')).join('\n');
}
