import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_NAME = 'gpu-fleet-scaler';

export class PackageRootError extends Error {
  override readonly name = 'PackageRootError';
}

interface Manifest {
  name?: unknown;
  version?: unknown;
}

let found: { root: string; manifest: Manifest } | undefined;

/**
 * The directory holding this package's package.json (and data/, examples/): the
 * repository in a checkout, the installed package after `npm install -g`. Found by
 * walking up from this module's own file, which sits at a different depth in the
 * sources (lib/), the compiled CLI (dist/) and an installed package.
 */
export function packageRoot(): string {
  return locate().root;
}

export function packageVersion(): string {
  const { version } = locate().manifest;
  if (typeof version !== 'string') throw new PackageRootError(`${join(packageRoot(), 'package.json')}: "version" must be a string, got ${JSON.stringify(version)}`);
  return version;
}

function locate(): { root: string; manifest: Manifest } {
  if (found) return found;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      let manifest: Manifest;
      try {
        manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
      } catch (error) {
        throw new PackageRootError(`${path}: unreadable (${(error as Error).message})`, { cause: error });
      }
      if (manifest.name === PACKAGE_NAME) return (found = { root: dir, manifest });
    }
    if (dirname(dir) === dir) throw new PackageRootError(`no package.json named ${PACKAGE_NAME} above ${start}: the ${PACKAGE_NAME} installation is incomplete`);
  }
}
