/*
 * Start-up: how long a person waits. `startup.eval` is `bedrock eval '3+4'` from start to exit
 * (in a scratch directory, so on the base image); `startup.repl` is `bedrock IMAGE` in a
 * pseudo-terminal (util-linux `script`) until the prompt and status line are drawn;
 * `startup.node` is `node -e 0`, the floor. Each is a child process of the real program,
 * bin/bedrock.js: the build in dist/ when it is fresh (run `npm run build` after editing), else
 * the sources through tsx, which the details line says.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { built } from '../bin/fresh.cjs';
import { projectFile, projectRoot } from '../bootstrap/project-files.ts';
import type { Benchmark, Measurement } from './harness.ts';

const bin = projectFile('bin/bedrock.js');
let scratch: string | null = null;
const dir = (): string => (scratch ??= mkdtempSync(join(tmpdir(), 'bedrock-startup-')));
process.on('exit', () => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

const times: Record<'eval' | 'repl' | 'node', number[]> = { eval: [], repl: [], node: [] };

function timedChild(kind: 'eval' | 'node', args: readonly string[], expect?: string): Measurement {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: dir(), encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 || (expect !== undefined && r.stdout !== expect)) throw new Error(`${args.join(' ')} failed: ${r.stderr.trim()}`);
  times[kind].push(seconds * 1000);
  return { work: 1, seconds };
}

/**
 * Seconds until the REPL, in a pseudo-terminal of 100 x 30, has drawn its status line. A small
 * node program watches `script`'s output and says when (the harness's runs are synchronous);
 * then it leaves the REPL with Ctrl-D, as a person does, so that a REPL without its code cache
 * (dist/repl.cjs.cache, which the build writes unless its own warm-up failed) writes it at its
 * exit, in the warm-up runs (killed, it never would, and every measured run would start
 * without it). A REPL that has not left within 20 s is killed.
 */
function replOnce(): Measurement {
  const command = `stty cols 100 rows 30; ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} startup.image`;
  const watcher = `
    const { spawn } = require('node:child_process');
    const t0 = process.hrtime.bigint();
    const c = spawn('script', ['-qfec', ${JSON.stringify(command)}, '/dev/null'], { cwd: ${JSON.stringify(dir())}, stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    let out = '';
    let seconds = null;
    const give = (v) => { process.stdout.write(String(v)); try { process.kill(-c.pid, 'SIGKILL'); } catch {} process.exit(0); };
    c.stdout.on('data', (d) => {
      out += d;
      if (seconds === null && out.includes('heap')) {
        seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        c.stdin.write('\x04');
        setTimeout(() => give(seconds), 20000);
      }
    });
    c.on('close', () => give(seconds ?? -1));
    setTimeout(() => give(seconds ?? -1), 60000);
  `;
  const r = spawnSync(process.execPath, ['-e', watcher], { encoding: 'utf8' });
  const seconds = Number(r.stdout);
  // The REPL leaves on the hangup of its terminal, in its own time: the next run waits until it
  // has let go of the image (its lock, image/lock.ts), or would find the image in use.
  const lock = join(dir(), 'startup.image.lock');
  for (const end = Date.now() + 10_000; existsSync(lock) && Date.now() < end;) spawnSync('sleep', ['0.05']);
  if (!(seconds > 0)) throw new Error('the REPL did not draw its prompt within a minute');
  times.repl.push(seconds * 1000);
  return { work: 1, seconds };
}

const hasScript = (): boolean => spawnSync('script', ['--version']).status === 0;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Does bin/bedrock.js run the build (as a user's install does), or the sources? Its own rule, bin/fresh.cjs. */
function which(): string {
  if (!existsSync(projectFile('dist/.built'))) return 'from the sources through tsx: there is no build (npm run build)';
  return built(projectRoot() + '/') ? 'from the build in dist/' : 'from the sources through tsx: a source is newer than the build (npm run build)';
}

function details(): string[] {
  const ms = (xs: number[]): string => (xs.length ? `median ${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)} .. ${Math.max(...xs).toFixed(0)}, ${xs.length} runs)` : 'not run');
  return [
    `start-up (bedrock ran ${which()}): bedrock eval '3+4' ${ms(times.eval)}; bedrock to its first prompt ${ms(times.repl)}; node -e 0 ${ms(times.node)}`,
  ];
}

export const startupBenchmarks: readonly Benchmark[] = [
  {
    name: 'startup.eval', unit: 'starts/s', about: "bedrock eval '3+4', from start to exit (the base image)",
    baseline: 'startup.node', runs: 9, warmups: 2, run: () => timedChild('eval', [bin, 'eval', '3+4'], '7\n'), details,
  },
  {
    name: 'startup.repl', unit: 'starts/s', about: 'bedrock IMAGE in a pseudo-terminal, until the prompt is drawn',
    baseline: 'startup.node', runs: 9, warmups: 2, missing: () => (hasScript() ? null : 'util-linux script is not installed'), run: replOnce,
  },
  { name: 'startup.node', unit: 'starts/s', about: 'node -e 0: the floor', runs: 9, warmups: 2, run: () => timedChild('node', ['-e', '0']) },
];
