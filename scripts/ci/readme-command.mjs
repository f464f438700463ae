// Prints the README's shell command that starts with the given words (joined over "\"
// continuation lines, its trailing "# comment" removed), so CI runs the README as written.
// Usage: node scripts/ci/readme-command.mjs 'npm ci && npm run demo'
import { readFileSync } from 'node:fs';

const [prefix] = process.argv.slice(2);
if (!prefix) {
  process.stderr.write('usage: node scripts/ci/readme-command.mjs PREFIX\n');
  process.exit(2);
}
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const commands = [];
for (const [, block] of readme.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
  let current = '';
  for (const line of block.split('\n')) {
    const text = current ? line.trim() : line.trim().replace(/\s+#\s.*$/, '');
    if (text.endsWith('\\')) {
      current += `${text.slice(0, -1).trim()} `;
      continue;
    }
    commands.push((current + text.replace(/\s+#\s.*$/, '')).trim());
    current = '';
  }
}
const found = commands.filter((command) => command.startsWith(prefix));
if (found.length !== 1) {
  process.stderr.write(`README.md: expected exactly one command starting with ${JSON.stringify(prefix)}, found ${found.length}\n`);
  process.exit(1);
}
process.stdout.write(`${found[0]}\n`);
