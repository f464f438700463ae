// Compiles the fleet-scaler command to dist/: bundled ES modules for Node, so an
// installed package runs plain JavaScript (no TypeScript loader at run time). Each
// command is a chunk of its own, loaded when called: `--version` and `--help` parse
// only the entry chunk.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { noticesDocument } from './notices.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const plugins = createRequire(import.meta.url)('./esbuild-plugins.cjs');
const engines = JSON.parse(await (await import('node:fs/promises')).readFile(join(root, 'package.json'), 'utf8')).engines.node;
const minimum = /(\d+)/.exec(engines)?.[1];
if (!minimum) throw new Error(`package.json engines.node must start with the oldest Node.js major, got ${JSON.stringify(engines)}`);

rmSync(join(root, 'dist'), { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { 'fleet-scaler': 'cli/bin.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: `node${minimum}`,
  // The AWS SDK's ES modules, which esbuild can prune (see serverless.yml).
  mainFields: ['module', 'main'],
  minifyWhitespace: true,
  minifySyntax: true,
  // Some CommonJS dependencies call require(); ES modules have none without this.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  plugins,
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(join(root, 'dist', 'THIRD_PARTY_NOTICES.md'), noticesDocument(root, result.metafile));
