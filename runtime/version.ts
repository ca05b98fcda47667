import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: { dir: string; version: string } | undefined;

/** corax's own package folder, found from the sources or from the build in dist/, and its version. */
function coraxPackage(): { dir: string; version: string } {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'corax') return (root = { dir, version: pkg.version ?? '0.0.0' });
  }
  throw new Error(`corax's package.json was not found above ${fileURLToPath(import.meta.url)}`);
}

/** corax's version, from its package.json. */
export function coraxVersion(): string {
  try {
    return coraxPackage().version;
  } catch {
    return '0.0.0';
  }
}

/** A path inside corax's package (e.g. its templates). */
export function coraxPath(relative: string): string {
  return join(coraxPackage().dir, relative);
}
