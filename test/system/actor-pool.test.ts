/*
 * The actors' worker pool (issue 14, src/system/actor-service.ts): a spawn takes the worker
 * released last among those waiting ready, so actors spawned one after another run on the
 * same worker (whose isolate V8 has compiled, whose caches hold its memory) and a pool's spare
 * workers wait unused; two actors at once take two workers. The workers are the build's
 * dist/actor-worker.cjs (BEDROCK_ACTOR_WORKER), so this file needs the build, as the
 * command-line tests do.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { poolWorkers } from '../../src/system/actor-service.ts';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { boot } from './cases.ts';

let b: Bedrock;
beforeAll(() => {
  process.env.BEDROCK_ACTOR_WORKER = fileURLToPath(new URL('../../dist/actor-worker.cjs', import.meta.url));
  b = boot('native');
});

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Wait (at most 20 s) until every worker of the pool waits ready: none still clearing its last actor's memory. */
function allReady(): void {
  const end = Date.now() + 20_000;
  while (!poolWorkers().every((w) => w.ready) && Date.now() < end) Atomics.wait(pause, 0, 0, 2);
  expect(poolWorkers().every((w) => w.ready), 'every pooled worker ready').toBe(true);
}

/** How many actors each worker of the pool ran between two counts (workers started meanwhile counted from 0). */
const ranSince = (before: readonly { ran: number }[]): number[] => poolWorkers().map((w, i) => w.ran - (before[i]?.ran ?? 0));

describe('the worker pool', () => {
  it('actors spawned one after another run on the worker released last', () => {
    // Two at once first: the pool has two workers that have run an actor, and a spare.
    expect(b.run('| a c | a := [3] spawn. c := [4] spawn. a value + c value')).toEqual(['7']);
    allReady();
    expect(poolWorkers().length, 'workers in the pool').toBeGreaterThanOrEqual(3);
    const before = poolWorkers();
    for (let i = 1; i <= 6; i++) {
      expect(b.run(`[${i} * 10] spawn value`)).toEqual([String(i * 10)]);
      allReady();
    }
    const ran = ranSince(before);
    // Waited ready each time, the last released took them all (a pool that took the worker
    // that had waited longest would have handed them round the three).
    expect(ran.filter((n) => n > 0), `actors run by each worker: ${ran.join(' ')}`).toEqual([6]);
  }, 180_000);

  it('two actors at once take two workers, and the same two the next time', () => {
    allReady();
    const before = poolWorkers();
    for (let i = 0; i < 4; i++) {
      expect(b.run('| a c | a := [5] spawn. c := [6] spawn. a value + c value')).toEqual(['11']);
      allReady();
    }
    const ran = ranSince(before);
    expect(ran.filter((n) => n > 0), `actors run by each worker: ${ran.join(' ')}`).toEqual([4, 4]);
  }, 180_000);
});
