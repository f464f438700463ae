/**
 * Prints the folder import graph (lib/ folder by folder, lib's root files as "lib(root)",
 * and the entry points and test bench as single nodes) with the number of imports on each
 * edge, then any folder-level cycle. `npx tsx scripts/import-graph.ts [-v]` (-v: each import).
 * eslint.config.js enforces the layering; this shows it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const FOLDERS = ['lib', 'functions', 'cli', 'sim', 'bench', 'scripts'];

function sources(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries.filter((e) => e.isFile() && /\.(ts|mts|mjs)$/.test(e.name)).map((e) => join(e.parentPath, e.name));
}

function folderOf(file: string): string {
  const parts = relative(ROOT, file).split(sep);
  if (parts[0] === 'lib') return parts.length > 2 ? `lib/${parts[1]}` : 'lib(root)';
  return parts[0] as string;
}

const edges = new Map<string, Set<string>>();
for (const file of FOLDERS.flatMap(sources)) {
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    const target = resolve(dirname(file), (match[1] ?? match[2]) as string);
    const from = folderOf(file);
    const to = folderOf(target);
    if (from === to) continue;
    const key = `${from} -> ${to}`;
    if (!edges.has(key)) edges.set(key, new Set());
    edges.get(key)?.add(`${relative(ROOT, file)} -> ${relative(ROOT, target)}`);
  }
}

const verbose = process.argv.includes('-v');
for (const key of [...edges.keys()].sort()) {
  const imports = edges.get(key) as Set<string>;
  console.log(`${key}  (${imports.size})`);
  if (verbose) for (const line of imports) console.log(`    ${line}`);
}

// Tarjan's strongly connected components: any with more than one folder is a cycle.
const graph = new Map<string, string[]>();
for (const key of edges.keys()) {
  const [from, to] = key.split(' -> ') as [string, string];
  graph.set(from, [...(graph.get(from) ?? []), to]);
  if (!graph.has(to)) graph.set(to, []);
}
let counter = 0;
const index = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const cycles: string[][] = [];
function visit(node: string): void {
  index.set(node, counter);
  low.set(node, counter++);
  stack.push(node);
  for (const next of graph.get(node) ?? []) {
    if (!index.has(next)) {
      visit(next);
      low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
    } else if (stack.includes(next)) {
      low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
    }
  }
  if (low.get(node) !== index.get(node)) return;
  const component: string[] = [];
  let member: string | undefined;
  do {
    member = stack.pop() as string;
    component.push(member);
  } while (member !== node);
  if (component.length > 1) cycles.push(component);
}
for (const node of graph.keys()) if (!index.has(node)) visit(node);
console.log(cycles.length === 0 ? 'no folder cycles' : `CYCLES: ${cycles.map((c) => `[${c.join(', ')}]`).join(' ')}`);
process.exitCode = cycles.length === 0 ? 0 : 1;
