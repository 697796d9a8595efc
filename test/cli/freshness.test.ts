/*
 * bin/bedrock.js runs the build in dist/ only when it is at least as new as every source file
 * (and package.json); otherwise the sources, through tsx. A project of stand-ins: a bundle that
 * says "dist", source trees whose times the test sets, and no node_modules, so that running
 * the sources ends at once in the one line saying tsx cannot be loaded. The check asks Node's
 * fs binding for the times (bin/fresh.cjs statOf, the rule bin/bench.mjs and the benchmarks ask too).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectFile } from '../../bootstrap/project-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-fresh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STAMP = new Date('2026-01-01T00:00:00Z');
const OLDER = new Date('2025-12-01T00:00:00Z');
const NEWER = new Date('2026-01-02T00:00:00Z');

function put(path: string, text: string, time: Date): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
  utimesSync(join(dir, path), time, time);
}

for (const f of ['bin/bedrock.js', 'bin/fresh.cjs', 'bin/code-cache.cjs', 'bin/package.json']) {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(projectFile(f), join(dir, f));
}
put('tsconfig.json', '{}', OLDER);
put('package.json', JSON.stringify({ name: 'bedrock-fresh-probe', private: true }), OLDER);
put('dist/batch.cjs', "process.stdout.write('dist\\n');", OLDER);
put('src/cli/main.ts', "process.stdout.write('sources\\n');", OLDER);
for (const d of ['kernel', 'bootstrap', 'image', 'bench']) put(`${d}/a.ts`, '', OLDER);
put('src/deep/er/b.ts', '', OLDER);
put('dist/.built', '', STAMP);

/** 'dist', or 'sources' (tried: tsx is not there to run them). */
function runs(): string {
  const r = spawnSync(process.execPath, [join(dir, 'bin/bedrock.js'), 'eval', '1'], { encoding: 'utf8', cwd: dir, timeout: 120_000 });
  if (r.status === 0 && r.stdout === 'dist\n' && r.stderr === '') return 'dist';
  if (r.status === 70 && /^bedrock: internal error: .*tsx/.test(r.stderr) && r.stdout === '') return 'sources';
  return `status ${r.status}: ${r.stdout}${r.stderr}`;
}

describe('bin/bedrock.js runs the build only when no source is newer', () => {
  it('runs dist/ when every source is older than the build', () => {
    expect(runs()).toBe('dist');
  });

  it('runs the sources when a file deep in a source tree is newer, and dist/ again once it is not', () => {
    utimesSync(join(dir, 'src/deep/er/b.ts'), NEWER, NEWER);
    expect(statSync(join(dir, 'src/deep/er/b.ts')).mtimeMs).toBeGreaterThan(statSync(join(dir, 'dist/.built')).mtimeMs);
    expect(runs()).toBe('sources');
    utimesSync(join(dir, 'src/deep/er/b.ts'), OLDER, OLDER);
    expect(runs()).toBe('dist');
  });

  it('runs the sources when a new file is newer, or package.json is', () => {
    put('image/new/c.ts', '', NEWER);
    expect(runs()).toBe('sources');
    rmSync(join(dir, 'image/new'), { recursive: true });
    expect(runs()).toBe('dist');
    utimesSync(join(dir, 'package.json'), NEWER, NEWER);
    expect(runs()).toBe('sources');
    utimesSync(join(dir, 'package.json'), OLDER, OLDER);
    expect(runs()).toBe('dist');
  });

  it('a newer benchmark is not a newer source: the build holds none (bin/bench.mjs bundles them when it runs)', () => {
    put('bench/new/c.ts', '', NEWER);
    expect(runs()).toBe('dist');
    rmSync(join(dir, 'bench/new'), { recursive: true });
  });

  it('a file as new as the build is not newer than it', () => {
    utimesSync(join(dir, 'kernel/a.ts'), STAMP, STAMP);
    expect(runs()).toBe('dist');
  });
});
