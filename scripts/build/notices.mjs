// Third-party notices for the bundled CLI. The package ships with no dependencies
// because esbuild inlines them, so their licences must travel inside it: Apache-2.0,
// MIT and BSD all require the copyright and licence text with every copy.
// Written here rather than with a licence-collecting plugin because esbuild's metafile
// already names every file that went into the bundle; what is left is reading each
// package's own package.json and licence file, which no plugin does with fewer moving parts.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A bundled file's package: the part of its path after the last node_modules/. */
export function packageOf(input) {
  // A plugin's virtual module is named "namespace:path"; the path is still the package's.
  const path = input.replace(/^[a-z][\w-]*:(?=[\\/])/i, '');
  const parts = path.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const first = parts[at + 1];
  if (!first) return undefined;
  const name = first.startsWith('@') ? `${first}/${parts[at + 2] ?? ''}` : first;
  return { name, dir: parts.slice(0, at + 1 + name.split('/').length).join('/') };
}

/** The packages whose files esbuild put in the bundle, by name, each once. */
export function bundledPackages(metafile) {
  const found = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const pkg = packageOf(input);
    if (pkg && !found.has(pkg.dir)) found.set(pkg.dir, pkg);
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name) || a.dir.localeCompare(b.dir));
}

const LICENSE_FILE = /^(licen[cs]e|copying|notice)(\.(md|txt))?$/i;

export class NoticeError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'NoticeError';
  }
}

/** One package's section: name, version, licence and the texts it ships. */
export function noticeFor(root, pkg) {
  const dir = resolve(root, pkg.dir);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch (cause) {
    throw new NoticeError(`${pkg.dir}/package.json: must be readable JSON to name the bundled package's licence`, { cause });
  }
  const license = typeof manifest.license === 'string' ? manifest.license : undefined;
  if (!license) throw new NoticeError(`${pkg.dir}/package.json: "license" must name the bundled package's licence, got ${JSON.stringify(manifest.license)}`);
  const texts = readdirSync(dir).filter((file) => LICENSE_FILE.test(file)).sort()
    .map((file) => readFileSync(join(dir, file), 'utf8').trim());
  const version = typeof manifest.version === 'string' ? manifest.version : 'unknown';
  const body = texts.length > 0 ? texts.join('\n\n') : `Licensed under ${license} (the package ships no licence file).`;
  return { name: manifest.name ?? pkg.name, version, license, body };
}

/**
 * The whole file. Packages whose licence texts are the same word for word (the AWS SDK's
 * dozens of Apache-2.0 copies) share one copy of it, listed under all their names.
 */
export function noticesDocument(root, metafile) {
  const byBody = new Map();
  for (const notice of bundledPackages(metafile).map((pkg) => noticeFor(root, pkg))) {
    const names = byBody.get(notice.body) ?? new Set();
    names.add(`${notice.name} ${notice.version} (${notice.license})`);
    byBody.set(notice.body, names);
  }
  const header = '# Third-party notices\n\nThe fleet-scaler command bundles these packages. Each group lists packages with their version and licence, then the licence text they ship.\n';
  const groups = [...byBody].map(([body, names]) => `\n${[...names].map((n) => `- ${n}`).join('\n')}\n\n\`\`\`\n${body}\n\`\`\`\n`);
  return header + groups.join('');
}
