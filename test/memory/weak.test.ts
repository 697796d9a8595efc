/*
 * Weak references (heap hooks.weak, the major collection's weak phase): a random graph of
 * objects, some of them weak (their pointer slots do not keep their targets alive), some in
 * the fixed space, held by a random set of roots. A minor collection keeps everything reachable
 * at all (weak slots act as strong); a major one keeps exactly what is reachable without going
 * through a weak slot, and every weak slot whose target is not kept becomes the cleared value,
 * while one whose target is kept still points at it (moved or not). Checked against a model
 * reachability computed here, several rounds per seed.
 */
import { describe, expect, it } from 'vitest';
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import type { Machine } from '../../kernel/machine/machine.ts';
import { heapOf } from '../../kernel/memory/heap.ts';
import { makeRandom, testSeed } from '../support/random.ts';
import { expectSound, smallMachine } from './helpers.ts';

const STRONG = 12, WEAK = 20;

interface Node { readonly id: number; readonly weak: boolean; readonly refs: (number | null)[] }

/** Ids reachable from `roots`, following weak nodes' slots too (`throughWeak`) or not. */
function reachable(nodes: Map<number, Node>, roots: Iterable<number>, throughWeak: boolean): Set<number> {
  const seen = new Set<number>();
  const todo = [...roots];
  while (todo.length > 0) {
    const id = todo.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const n = nodes.get(id)!;
    if (n.weak && !throughWeak) continue;
    for (const r of n.refs) if (r !== null) todo.push(r);
  }
  return seen;
}

/** The id of the object a pointer slot points at (its slot 0), or null for the cleared value. */
function idAt(m: Machine, p: number, i: number, cleared: number): number | null {
  expect(m.cellTag(p + 8 * i)).toBe(TAG_PTR);
  const q = Number(m.cell(p + 8 * i));
  if (q === cleared) return null;
  return Number(m.cell(q));
}

describe('weak references in the collector', () => {
  const seed = testSeed();
  it(`a major collection clears exactly the weak slots whose targets nothing else keeps (seed ${seed})`, () => {
    console.log(`weak references seed: ${seed} (set BEDROCK_SEED=${seed} to replay)`);
    const r = makeRandom(seed);
    const m = smallMachine({ nurseryCells: 2048 });
    const heap = heapOf(m);
    const cleared = heap.allocateFixed(1, FORMAT_POINTERS, STRONG, 0n, TAG_NUM);
    heap.roots.addPointer(cleared);
    heap.hooks.weak = { classIndex: WEAK, cleared };

    for (let round = 0; round < 6; round++) {
      const where = `round ${round} (seed ${seed})`;
      const nodes = new Map<number, Node>();
      const temp: number[] = [];
      const count = 150 + r.below(150);
      // Make the objects (each held while the graph is built), then link them.
      for (let id = 1; id <= count; id++) {
        const weak = r.chance(0.25);
        const slots = 2 + r.below(5);
        const p = r.chance(0.15)
          ? heap.allocateFixed(slots, FORMAT_POINTERS, weak ? WEAK : STRONG, 0n, TAG_NUM)
          : heap.allocate(slots, FORMAT_POINTERS, weak ? WEAK : STRONG, 0n, TAG_NUM);
        expect(p, where).toBeGreaterThan(0);
        m.setCell(p, BigInt(id), TAG_NUM);
        temp.push(heap.roots.addPointer(p));
        nodes.set(id, { id, weak, refs: Array.from({ length: slots - 1 }, () => null) });
      }
      const address = (id: number): number => heap.roots.address(temp[id - 1]);
      for (const n of nodes.values()) {
        for (let i = 0; i < n.refs.length; i++) {
          if (r.chance(0.3)) continue;
          const to = 1 + r.below(count);
          n.refs[i] = to;
          m.setCell(address(n.id) + 8 * (i + 1), BigInt(address(to)), TAG_PTR);
        }
      }
      // Keep a few roots; let the others go.
      const kept = new Map<number, number>();
      for (let id = 1; id <= count; id++) {
        if (r.chance(0.08)) kept.set(id, heap.roots.addPointer(address(id)));
      }
      for (const t of temp) heap.roots.release(t);

      // A minor collection: everything reachable at all is still there, weak slots included.
      heap.collect('minor');
      expectSound(m, where);
      const all = reachable(nodes, kept.keys(), true);
      for (const id of all) {
        const n = nodes.get(id)!;
        const root = kept.get(id);
        if (root === undefined) continue;
        const p = heap.roots.address(root);
        expect(Number(m.cell(p)), where).toBe(id);
        n.refs.forEach((to, i) => { if (to !== null) expect(idAt(m, p, i + 1, cleared), `${where}: after a minor collection, slot ${i + 1} of ${id}`).toBe(to); });
      }

      // A major collection: weak slots to what only weak slots reach are cleared.
      heap.collect('major');
      expectSound(m, where);
      const strong = reachable(nodes, kept.keys(), false);
      // Walk the heap from the roots, as the model walks it, checking every slot met.
      const seen = new Set<number>();
      const todo: [number, number][] = [...kept].map(([id, root]) => [id, heap.roots.address(root)]);
      while (todo.length > 0) {
        const [id, p] = todo.pop()!;
        if (seen.has(id)) continue;
        seen.add(id);
        expect(Number(m.cell(p)), where).toBe(id);
        const n = nodes.get(id)!;
        n.refs.forEach((to, i) => {
          if (to === null) return;
          const got = idAt(m, p, i + 1, cleared);
          const expected = n.weak && !strong.has(to) ? null : to;
          expect(got, `${where}: slot ${i + 1} of ${n.weak ? 'weak' : 'strong'} ${id} (target ${to})`).toBe(expected);
          if (got !== null) todo.push([got, Number(m.cell(p + 8 * (i + 1)))]);
        });
      }
      expect([...seen].sort((a, b) => a - b), where).toEqual([...strong].sort((a, b) => a - b));
      for (const root of kept.values()) heap.roots.release(root);
    }
  });
});
