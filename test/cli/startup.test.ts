/*
 * What a start of `bedrock` loads of Node's own modules, in child processes running the real
 * program (bin/bedrock.js, the build): an image whose checks this user's sessions recorded
 * (image/checked.ts) opens without summing its payload again (no node:zlib) and, once known
 * by its file's stamp, without hashing it (no node:crypto). The first open of the same file,
 * checked through, loads both: the probe sees them when they are loaded. No start loads
 * node:perf_hooks.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { STAMP_SETTLED_MS } from '../../image/checked.ts';

const bin = fileURLToPath(new URL('../../bin/bedrock.js', import.meta.url));
const base = fileURLToPath(new URL('../../dist/base.image', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bedrock-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A preload that writes, at exit, which of Node's modules the process loaded. */
const probe = join(dir, 'probe.cjs');
writeFileSync(probe, "process.on('exit', () => require('node:fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify(process.moduleLoadList)));\n");

/**
 * `bedrock eval --image IMAGE 3+4` with records in `records`: what it printed, and which of node:zlib,
 * node:crypto and node:perf_hooks (loaded by the first use of `performance`, which no start needs:
 * kernel/machine/clock.ts) it loaded.
 */
function evalLoading(image: string, records: string): { out: string; loaded: string[] } {
  const out = join(dir, 'loaded.json');
  rmSync(out, { force: true });
  const r = spawnSync(process.execPath, ['--require', probe, bin, 'eval', '--image', image, '3 + 4'], {
    cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, BEDROCK_CHECKED: records, PROBE_OUT: out },
  });
  expect(r.status, r.stderr).toBe(0);
  const list = JSON.parse(readFileSync(out, 'utf8')) as string[];
  return { out: r.stdout, loaded: ['NativeModule zlib', 'NativeModule crypto', 'NativeModule perf_hooks'].filter((m) => list.includes(m)) };
}

describe('a start of bedrock eval', () => {
  it('on an image checked before loads neither node:zlib nor node:crypto', () => {
    expect(existsSync(base), 'dist/base.image: run npm run build').toBe(true);
    const image = join(dir, 'x.image');
    copyFileSync(base, image);
    const records = join(dir, 'records');
    // Never checked: hashed, summed and checked through (and recorded).
    expect(evalLoading(image, records)).toEqual({ out: '7\n', loaded: ['NativeModule zlib', 'NativeModule crypto'] });
    // Recorded: not summed (and hashed, unless the first run began long enough after the copy
    // for the file's stamp to be kept: on a loaded machine it may).
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, STAMP_SETTLED_MS + 100);
    const second = evalLoading(image, records);
    expect(second.out).toBe('7\n');
    expect(second.loaded).not.toContain('NativeModule zlib');
    // Known by its stamp: neither.
    expect(evalLoading(image, records)).toEqual({ out: '7\n', loaded: [] });
  });
});
