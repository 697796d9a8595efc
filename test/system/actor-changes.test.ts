/*
 * An actor starts from its spawner's heap as it is at the spawn (issue 14), also when the spawn's
 * snapshot is taken as what changed since the last whole one (image/snapshot.ts: the second
 * spawn of an evaluation sends a few hundred kilobytes, not the whole heap). Differential:
 * between spawns of one evaluation a random sequence of stores (seeded, the seed printed)
 * writes globals, a class variable, a literal Array and a literal String (all in the fixed
 * space), an object of the nursery and a large Array, with numbers, Floats, Characters and new
 * Strings; each later actor answers what it sees of every place, and the spawner what it sees
 * just after that spawn, before the stores that follow. Once with what the machine runs
 * interpreted, once translated (BEDROCK_TIER=translate). A definition between two spawns (a
 * host service writes then) makes the next snapshot whole, and the actor sees the method. The
 * workers are the build's dist/actor-worker.cjs (BEDROCK_ACTOR_WORKER), so this file needs the
 * build, as the command-line tests do.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { snapshotsTaken } from '../../image/snapshot.ts';
import { actorOpens } from '../../src/system/actor-service.ts';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';
import { bootSystem, evaluateOk } from '../support/system.ts';

const DEFINITIONS = `
Object subclass: #Box instanceVariableNames: 'a' classVariableNames: 'Shared' package: 'Changes'
Box a -> ^a
Box a: x -> a := x
Box shared -> ^Shared
Box shared: x -> Shared := x
Box lit -> ^#(1 2 3 4 5 6)
Box str -> ^'abcdefgh'
Box k -> ^0
G1 := 0
Held := Box new a: 0
Lit := Box new lit
Str := Box new str
Far := Array new: 300 withAll: 0
`;

/** What an actor and its spawner each answer of every place the stores write. */
const VIEW = '{G1. Box new shared. Lit copy. Str copy. Held a. Far copy. Box new k}';

/** One random store (Smalltalk statements), and whether a host service runs (then the next snapshot is whole). */
function store(r: Random): { source: string; host: boolean } {
  const n = r.below(2000) - 1000;
  switch (r.below(10)) {
    case 0: return { source: `G1 := ${n}.`, host: false };
    case 1: return { source: `Box new shared: ${n}.`, host: false };
    case 2: return { source: `Lit at: ${1 + r.below(6)} put: ${n}.`, host: false };
    case 3: return { source: `Lit at: ${1 + r.below(6)} put: ${n}.5.`, host: false };
    case 4: return { source: `Lit at: ${1 + r.below(6)} put: 'w${n}' copy.`, host: false };
    case 5: return { source: `Str at: ${1 + r.below(8)} put: $${String.fromCharCode(97 + r.below(26))}.`, host: false };
    case 6: return { source: `Held a: ${n}.`, host: false };
    case 7: return { source: `Far at: ${1 + r.below(300)} put: ${n}.`, host: false };
    case 8: return { source: `G1 := G1 + ${n}.`, host: false };
    default:
      switch (r.below(7)) {
        // A definition (a host service writes the fixed space: the next snapshot is whole).
        case 0: return { source: `Box compile: 'k ^${n}'.`, host: true };
        // An actor's value (and its spawn) between spawns, stored; waiting for it lets other
        // processes run (a host service again).
        case 1: return { source: `Lit at: ${1 + r.below(6)} put: [${n} printString] spawn value.`, host: true };
        case 2: return { source: `Held a: ([:x | x + ${n}] spawnWith: G1) value.`, host: true };
        // Another process runs and stores (its stack is written by pushes, unmarked).
        case 3: return { source: `[Lit at: ${1 + r.below(6)} put: ${n}. G1 := G1 - 1] fork. Processor yield.`, host: true };
        default: return { source: `Str at: ${1 + r.below(8)} put: $${String.fromCharCode(65 + r.below(26))}.`, host: false };
      }
  }
}

function stores(r: Random, count: number): { source: string; host: boolean } {
  const all = Array.from({ length: count }, () => store(r));
  return { source: all.map((s) => s.source).join(' '), host: all.some((s) => s.host) };
}

function systemWithTier(tier: string): Bedrock {
  const saved = process.env.BEDROCK_TIER;
  process.env.BEDROCK_TIER = tier;
  try {
    const b = bootSystem();
    evaluateOk(b, DEFINITIONS);
    return b;
  } finally {
    if (saved === undefined) delete process.env.BEDROCK_TIER; else process.env.BEDROCK_TIER = saved;
  }
}

beforeAll(() => {
  process.env.BEDROCK_ACTOR_WORKER = fileURLToPath(new URL('../../dist/actor-worker.cjs', import.meta.url));
});

describe('an actor sees its spawner as it was at the spawn', () => {
  for (const [tier, how] of [['interpret', 'interpreted'], ['translate', 'translated']]) {
    it(`after random stores between spawns (${how})`, () => {
      const b = systemWithTier(tier);
      const seed = testSeed() + (tier === 'translate' ? 1 : 0);
      const r = makeRandom(seed);
      console.log(`actor changes (${tier}): seed ${seed}`);
      let changed = 0;
      const opened = actorOpens.baseInPlace;
      for (let round = 0; round < 4; round++) {
        const first = stores(r, 1 + r.below(12)), second = stores(r, 1 + r.below(12)), after = stores(r, 1 + r.below(4));
        // Three spawns: b after the first stores, c after the second; each actor's view beside
        // the spawner's own just after its spawn (the stores after it must not reach it).
        // (One item: its lines after the first are indented.)
        const source = `| a b c mineB mineC |
    a := [0] spawn. ${first.source}
    b := [${VIEW}] spawn. mineB := ${VIEW}. ${second.source}
    c := [${VIEW}] spawn. mineC := ${VIEW}. ${after.source}
    a value. b value printString, ' <> ', mineB printString, ' <> ', c value printString, ' <> ', mineC printString`;
        // Once to warm the method cache (a send the machine cannot settle itself enters the host,
        // which may write anything: the next snapshot is then whole), then the one checked.
        evaluateOk(b, source);
        const before = { ...snapshotsTaken };
        const answers = evaluateOk(b, source);
        expect(answers, source).toHaveLength(1);
        const views = answers[0].slice(1, -1).replaceAll("''", "'").split(' <> ');
        expect(views, `seed ${seed} round ${round}\n${source}`).toHaveLength(4);
        expect(views[0], `seed ${seed} round ${round}: the second actor's view\n${source}`).toBe(views[1]);
        expect(views[2], `seed ${seed} round ${round}: the third actor's view\n${source}`).toBe(views[3]);
        // Each spawn is taken as what changed since the base (from the marks, or by comparing
        // after the host wrote): whole only when most of the fixed space changed.
        const spawns = source.match(/spawn/g)!.length;
        const taken = snapshotsTaken.changed - before.changed;
        expect(snapshotsTaken.whole - before.whole + taken, 'snapshots').toBe(spawns);
        expect(taken, `seed ${seed} round ${round}: spawns taken as changes\n${source}`).toBe(spawns);
        changed += taken;
      }
      expect(changed, 'spawns taken as what changed, over the rounds').toBeGreaterThan(0);
      // The workers opened most of them over the base their memory kept (restoreBase).
      expect(actorOpens.baseInPlace - opened, 'opened over the base in place').toBeGreaterThan(0);
    });
  }

  it('a method defined between two spawns of one evaluation is there for the second', () => {
    const b = systemWithTier('auto');
    expect(evaluateOk(b, `| a b | a := [Box new k] spawn. Box compile: 'k ^42'. b := [Box new k] spawn. {a value. b value}`)).toEqual(['#(0 42)']);
  });
});
