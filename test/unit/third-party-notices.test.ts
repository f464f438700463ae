import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledPackages, noticeFor, NoticeError, noticesDocument, packageOf } from '../../scripts/build/notices.mjs';

describe('third-party notices of the bundled CLI', () => {
  it.each([
    { name: 'a plain package', input: 'node_modules/yaml/dist/index.js', expected: { name: 'yaml', dir: 'node_modules/yaml' } },
    { name: 'a scoped package', input: 'node_modules/@middy/core/index.js', expected: { name: '@middy/core', dir: 'node_modules/@middy/core' } },
    { name: 'a nested copy belongs to the innermost package', input: 'node_modules/a/node_modules/@s/b/x.js', expected: { name: '@s/b', dir: 'node_modules/a/node_modules/@s/b' } },
    { name: "a plugin's virtual module keeps its package", input: 'zod-english-only:/r/node_modules/zod/v4/locales/index.js', expected: { name: 'zod', dir: '/r/node_modules/zod' } },
    { name: 'project source is not third-party', input: 'lib/fleet/recommend.ts', expected: undefined },
  ])('$name', ({ input, expected }) => {
    expect(packageOf(input)).toEqual(expected);
  });

  it('lists each bundled package once, however many of its files went in', () => {
    const metafile = { inputs: { 'node_modules/zod/a.js': {}, 'node_modules/zod/b.js': {}, 'cli/bin.ts': {}, 'node_modules/@middy/core/index.js': {} } };
    expect(bundledPackages(metafile).map((p) => p.name)).toEqual(['@middy/core', 'zod']);
  });

  function fakePackage(root: string, name: string, manifest: object, files: Record<string, string>): void {
    const dir = join(root, 'node_modules', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, ...manifest }));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  }

  it('carries each licence text, shared once by packages whose texts are the same', () => {
    const root = mkdtempSync(join(tmpdir(), 'notices-'));
    fakePackage(root, 'one', { version: '1.0.0', license: 'MIT' }, { LICENSE: 'Copyright One\nMIT text' });
    fakePackage(root, 'two', { version: '2.0.0', license: 'Apache-2.0' }, { 'LICENSE.txt': 'Apache text', NOTICE: 'Two notice' });
    fakePackage(root, 'three', { version: '3.0.0', license: 'Apache-2.0' }, { 'LICENSE.txt': 'Apache text', NOTICE: 'Two notice' });
    const metafile = { inputs: { 'node_modules/one/i.js': {}, 'node_modules/two/i.js': {}, 'node_modules/three/i.js': {} } };
    const document = noticesDocument(root, metafile);
    expect(document).toContain('- one 1.0.0 (MIT)\n\n```\nCopyright One\nMIT text\n```');
    expect(document).toContain('- three 3.0.0 (Apache-2.0)\n- two 2.0.0 (Apache-2.0)\n\n```\nApache text\n\nTwo notice\n```');
    expect(document.match(/Apache text/g)).toHaveLength(1);
  });

  it('refuses a bundled package that does not name its licence, naming the file and the value', () => {
    const root = mkdtempSync(join(tmpdir(), 'notices-'));
    fakePackage(root, 'anon', { version: '1.0.0' }, {});
    expect(() => noticeFor(root, { name: 'anon', dir: 'node_modules/anon' })).toThrow(NoticeError);
    expect(() => noticeFor(root, { name: 'anon', dir: 'node_modules/anon' })).toThrow('node_modules/anon/package.json: "license" must name the bundled package\'s licence, got undefined');
  });
});
