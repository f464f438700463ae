// Each Lambda package as deployed: its zip's size, and the cold import of its handler
// (a fresh `node` process importing the unzipped bundle, nothing else beside it), median
// of RUNS runs, against a bare `node -e 0` on the same machine: wall time, and the CPU
// time the process reports for itself (steadier on a busy machine). Package first:
//   npm run package && node scripts/bench/lambda-packages.mjs [RUNS]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 5);
const dir = join(process.cwd(), '.serverless');
const zips = readdirSync(dir).filter((f) => f.endsWith('.zip')).sort();
if (zips.length === 0) throw new Error(`no zip in ${dir}: run npm run package first`);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const CPU = 'const u = process.cpuUsage(); console.log((u.user + u.system) / 1000)';

/** Median wall and CPU milliseconds of `node -e SCRIPT` in cwd. */
function time(script, cwd) {
  const wall = [];
  const cpu = [];
  spawnSync(process.execPath, ['-e', script], { cwd }); // warm the file cache, not counted
  for (let i = 0; i < runs; i++) {
    const began = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ['-e', script], { cwd, encoding: 'utf8' });
    wall.push(Number(process.hrtime.bigint() - began) / 1e6);
    if (result.status !== 0) throw new Error(`node -e ${script} failed in ${cwd}:\n${result.stderr}`);
    cpu.push(Number(result.stdout.trim()));
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const ms = (value) => value.toFixed(0).padStart(6);

const work = mkdtempSync(join(tmpdir(), 'lambda-packages-'));
try {
  const bare = time(CPU, work);
  console.log(`node ${process.version}, median of ${runs}; bare node: wall ${ms(bare.wall)} ms, cpu ${ms(bare.cpu)} ms`);
  console.log('package            zip bytes   wall ms  (minus bare)   cpu ms  (minus bare)');
  for (const zip of zips) {
    const into = join(work, zip.replace(/\.zip$/, ''));
    execFileSync('unzip', ['-q', join(dir, zip), '-d', into]);
    const handler = readdirSync(join(into, 'functions')).find((f) => f.endsWith('.mjs'));
    const t = time(`import('./functions/${handler}').then(() => { ${CPU} })`, into);
    console.log(`${zip.padEnd(18)} ${String(statSync(join(dir, zip)).size).padStart(9)}   ${ms(t.wall)}  (${ms(t.wall - bare.wall)})    ${ms(t.cpu)}  (${ms(t.cpu - bare.cpu)})`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
