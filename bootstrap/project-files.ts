/*
 * Where the project's own files are, for code that runs from the sources (through tsx) and for
 * code bundled into dist/ (bin/build.mjs). Paths relative to a module's URL would differ
 * between the two (a bundle flattens the tree), so everything is found from the project root:
 * the nearest directory above this module whose package.json is Bedrock's.
 *
 *   <root>/bootstrap/kernel.bedrock, bootstrap/system/*.bedrock   read by genesis and the boot
 *   <root>/bench/peers/                                            the peers' programs
 *   <root>/package.json                                            the version images record
 *   <root>/dist/base.image                                         made by the build
 *
 * The bundle reads the same .bedrock sources the build was made from: bin/bedrock.js runs the
 * build only while it is newer than every source file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);

function findRoot(): string {
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'bedrock') return dir;
    } catch { /* not here */ }
    if (dirname(dir) === dir) throw new Error(`no Bedrock package.json above ${here}`);
  }
}

let root: string | null = null;

/** The project's root directory. */
export function projectRoot(): string {
  return (root ??= findRoot());
}

/** A file of the project, by its path from the root (`bootstrap/kernel.bedrock`). */
export function projectFile(path: string): string {
  return join(projectRoot(), path);
}

/** The project's version, from its package.json. */
export function projectVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(projectFile('package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** True when this code is the build in dist/, not the sources. */
export function runningBuilt(): boolean {
  return here.startsWith(projectFile('dist') + sep);
}

/** dist/base.image when this code is the build and the build made one; otherwise null. */
export function baseImageFile(): string | null {
  if (!runningBuilt()) return null;
  const p = projectFile('dist/base.image');
  return existsSync(p) ? p : null;
}
