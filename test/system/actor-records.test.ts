/*
 * Translations cross between actors (issue 14): a module an actor's machine translated comes
 * back to its spawner with the actor's outcome (a TranslationRecord, kernel/machine/wasm/tier.ts),
 * and a spawner's records go to each of its workers once; a machine whose code objects are the
 * same at the same places takes the module as it is (adopts it) instead of translating again,
 * and answers what it answered before. The workers are the build's dist/actor-worker.cjs
 * (BEDROCK_ACTOR_WORKER), so this file needs the build, as the command-line tests do.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { knownRecords, recordCount } from '../../kernel/machine/wasm/tier.ts';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { boot } from './cases.ts';

let b: Bedrock;
beforeAll(() => {
  process.env.BEDROCK_ACTOR_WORKER = fileURLToPath(new URL('../../dist/actor-worker.cjs', import.meta.url));
  b = boot('native');
});

describe('translations between actors', () => {
  it("an actor's translations come back to the spawner, which takes them for the same code", () => {
    expect(b.run('Integer rfib -> ^self < 2 ifTrue: [self] ifFalse: [(self - 1) rfib + (self - 2) rfib]')).toHaveLength(1);
    const since = recordCount();
    const tier = b.kernel.machine.tier!;
    // (Counted from before the spawn: a module the actor made holds whatever else was hot with
    // rfib there, and the spawner, waiting for the value, may run some of that often enough
    // to take the module then, rfib with it. The busier the machine, the longer it waits.)
    const adopted = tier.stats.adopted;
    // Only the actor runs rfib: the spawner has never translated it.
    expect(b.run('[22 rfib] spawn value')).toEqual(['17711']);
    const back = knownRecords(since);
    expect(back.length, 'records the actor sent back').toBeGreaterThan(0);
    const mine = back.filter((r) => tier.matching(r) !== null);
    expect(mine.length, "records of code the spawner has, unchanged").toBeGreaterThan(0);
    const made = tier.stats.modules;
    expect(b.run('22 rfib')).toEqual(['17711']);
    expect(tier.stats.adopted, 'modules the spawner took from the actor').toBeGreaterThan(adopted);
    // rfib runs translated, from the actor's module: the spawner translated nothing of its own for it.
    const rfib = mine.flatMap((r) => r.codes).map((c) => b.kernel.machine.cacheOf(c.addr)!).filter((c) => c.translation);
    expect(rfib.length, 'code of the actor translated in the spawner').toBeGreaterThan(0);
    expect(tier.stats.modules, 'modules the spawner made itself for 22 rfib').toBe(made);
    // ...and each is the module the spawner would have made itself (but where a send site
    // guesses another callee now: translate.ts guessCallee).
    for (const r of mine) {
      const caches = r.codes.map((c) => b.kernel.machine.cacheOf(c.addr)!);
      expect(tier.makesRecord(r, caches), r.key).not.toBe('different');
    }
    // A method defined again is other code: the old records are not its, and it answers anew.
    expect(b.run('Integer rfib -> ^self < 2 ifTrue: [self * 10] ifFalse: [(self - 1) rfib + (self - 2) rfib]')).toHaveLength(1);
    expect(b.run('[20 rfib] spawn value')).toEqual(['67650']);
    expect(b.run('20 rfib')).toEqual(['67650']);
  }, 180_000);
});
