/*
 * Translated code makes nursery objects itself (the ALLOCATE service's fast path inlined at
 * `syscall`, kernel/machine/wasm/translate.ts allocateInline) and leaves the rest to the host:
 * old space, collections, stress, bad arguments. The interpreter always asks the host. Both
 * must leave the same memory to the bit: headers (class, size, format, a byte object's pad,
 * the identity hash from the one sequence), tags, fills, the nursery's top and the counts.
 */
import { describe, expect, it } from 'vitest';
import { NURSERY_STATE } from '../../kernel/machine/cells.ts';
import type { Machine } from '../../kernel/machine/machine.ts';
import { heapOf } from '../../kernel/memory/heap.ts';
import { makeRandom, testSeed } from '../support/random.ts';
import { alloc, expectSound, load, smallMachine } from '../memory/helpers.ts';
import { differences, snapshot, type Snapshot } from './compare.ts';

/**
 * A program of allocations, each object put in slot 0 of the one before it (so all stay
 * alive through the collections that come when the nursery fills), and a number in slot 1
 * of pointer objects; rbx holds the first, which the program answers.
 */
function program(seed: number, count: number): { source: string; allocations: number } {
  const rnd = makeRandom(seed);
  const lines = [alloc(20, 2), 'mov rbx, rax', 'mov r12, rax'];
  let allocations = 1;
  for (let i = 0; i < count; i++) {
    const format = rnd.below(3);
    const pick = rnd.below(10);
    // bytes: sizes round a cell's edge; pointers and words: 2 .. 9 slots, sometimes more than
    // the large-object size (old space, the host's way)
    const size = format === 2 ? [0, 1, 7, 8, 9, 15, 16, 17, 63][pick % 9] : pick === 9 ? 200 + rnd.below(100) : 2 + rnd.below(8);
    lines.push('push r12', alloc(30 + format, size, format), 'pop r12');
    allocations += format === 0 ? 1 : 2;
    // a pointer object links to the chain; the others hang off a new 2-slot holder
    if (format === 0) lines.push('mov [r12], rax', `mov qword ptr [rax+8], ${i}`, 'mov r12, rax');
    else lines.push('mov r13, rax', 'push r13', alloc(21, 2), 'pop r13', 'mov [r12], rax', 'mov [rax+8], r13', 'mov r12, rax');
  }
  lines.push('mov rax, rbx', 'ret');
  return { source: lines.join('\n'), allocations };
}

function run(tier: 'interpret' | 'translate', source: string, stress = false): { m: Machine; seen: Snapshot; host: number } {
  const m = smallMachine({ nurseryCells: 1 << 11, largeObjectCells: 64, stress }, { tier });
  const heap = heapOf(m);
  heap.stressMajorEvery = 1000;
  const code = load(m, source);
  // count the host's allocations (the heap's own service still answers: it is wrapped after the heap chose the fast path)
  const service = m.services[0]!;
  let host = 0;
  m.services[0] = (mm) => { host++; return service(mm); };
  const r = m.call(code);
  expect(r.fault, `${tier}: ${r.fault?.message}`).toBeNull();
  heap.roots.add(m.register(0), m.registerTag(0));
  return { m, seen: snapshot(m, r, [heap.oldLo - 1, m.store.cellCount]), host };
}

describe('allocation in translated code', () => {
  for (const count of [40, 400]) {
    it(`${count} random allocations leave memory as the host's allocator does, collections included (seed printed)`, () => {
      const seed = testSeed();
      console.log(`allocation seed: ${seed} (set BEDROCK_SEED=${seed} to replay)`);
      const { source, allocations } = program(seed, count);
      const a = run('interpret', source), b = run('translate', source);
      expect(differences(a.seen, b.seen)).toEqual([]);
      const ha = heapOf(a.m), hb = heapOf(b.m);
      expect(hb.nurseryTop).toBe(ha.nurseryTop);
      expect(hb.oldTop).toBe(ha.oldTop);
      expect(hb.stats.objectsAllocated).toBe(ha.stats.objectsAllocated);
      expect(hb.stats.cellsAllocated).toBe(ha.stats.cellsAllocated);
      expect(hb.stats.minorCollections).toBe(ha.stats.minorCollections);
      expect(a.m.store.state32[NURSERY_STATE.HASH]).toBe(b.m.store.state32[NURSERY_STATE.HASH]);
      expectSound(b.m);
      // the interpreter asked the host for every object; translated code only for old space,
      // collections and what follows one
      expect(a.host).toBe(allocations);
      expect(b.host).toBeLessThan(a.host / 2);
      if (count === 400) expect(ha.stats.minorCollections).toBeGreaterThan(0);
    });
  }

  it('in stress mode (a collection before every allocation) translated code asks the host every time', () => {
    const { source, allocations } = program(7, 30);
    const a = run('interpret', source, true), b = run('translate', source, true);
    expect(b.host).toBe(allocations);
    expect(differences(a.seen, b.seen)).toEqual([]);
  });

  it('a bad format or a negative size is still the host\'s error, at the syscall', () => {
    for (const bad of [alloc(20, 2, 3), alloc(20, -1, 0), alloc(0x20000, 2, 0)]) {
      const source = `${bad}\nret`;
      const results = (['interpret', 'translate'] as const).map((tier) => {
        const m = smallMachine({}, { tier });
        return m.call(load(m, source)).fault;
      });
      expect(results[0]).not.toBeNull();
      expect(results[1]?.kind).toBe(results[0]!.kind);
      expect(results[1]?.message).toBe(results[0]!.message);
      expect(results[1]?.offset).toBe(results[0]!.offset);
    }
  });
});
