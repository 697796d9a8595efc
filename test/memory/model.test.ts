/*
 * A randomized test against a model: a graph of objects is built and changed through the
 * heap (host stores, machine-code stores, objects made by machine code, pinned and large
 * objects, roots taken and dropped) while collections of both kinds run, on their own and
 * on demand. After each collection, every object reachable from the roots must match the
 * model (identity, numbers, pointers), the heap's invariants must hold, and after a major
 * collection old space and the fixed space hold exactly the live objects and nothing more.
 */
import { describe, expect, it } from 'vitest';
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import type { Machine } from '../../kernel/machine/machine.ts';
import { heapOf } from '../../kernel/memory/heap.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';
import { alloc, expectSound, load, smallMachine } from './helpers.ts';

const STEPS = 4000;
const RAX = 0, RSI = 6, RDI = 7;

type Slot = { kind: 'num'; value: bigint } | { kind: 'ref'; id: number };
interface Obj { readonly id: number; readonly slots: Slot[]; readonly fixed: boolean }

class World {
  readonly m: Machine;
  readonly objects = new Map<number, Obj>();
  /** RootSet index -> object id. */
  readonly held = new Map<number, number>();
  nextId = 1;
  readonly store: number;
  readonly make: number;
  /** Fixed-space cells in use with no model object held: the boot objects and the programs. */
  baseFixed = 0;

  constructor(readonly rnd: Random) {
    this.m = smallMachine({ nurseryCells: 4096 });
    // Store rax into slot rsi of rdi; and make a 3-slot object, store it into slot rsi of rdi.
    this.store = load(this.m, 'mov [rdi+rsi*8], rax\nret');
    this.make = load(this.m, `push rdi\n${alloc(11, 3)}\npop rdi\nmov [rax], r9\nmov [rdi+rsi*8], rax\nret`);
    heapOf(this.m).collect('major');
    this.baseFixed = heapOf(this.m).usage().fixedUsed;
  }

  address(root: number): number { return heapOf(this.m).roots.address(root); }

  pickHeld(): number | undefined {
    const keys = [...this.held.keys()];
    return keys.length === 0 ? undefined : keys[this.rnd.below(keys.length)];
  }

  /** A new object, held by a new root. */
  create(): void {
    const r = this.rnd;
    const kind = r.below(10);
    const fixed = kind < 2;
    const slots = kind === 9 ? 600 + r.below(200) : 1 + r.below(6);
    const id = this.nextId++;
    const heap = heapOf(this.m);
    const p = fixed ? heap.allocateFixed(slots, FORMAT_POINTERS, 12, 0n, TAG_NUM) : heap.allocate(slots, FORMAT_POINTERS, 12, 0n, TAG_NUM);
    expect(p).toBeGreaterThan(0);
    this.m.setCell(p, BigInt(id));
    const obj: Obj = { id, fixed, slots: Array.from({ length: slots }, (_, i) => ({ kind: 'num', value: i === 0 ? BigInt(id) : 0n }) as Slot) };
    this.objects.set(id, obj);
    this.held.set(heap.roots.addPointer(p), id);
  }

  /** Slot j (>= 1) of a held object gets a pointer to another held object, or a number. */
  assign(): void {
    const a = this.pickHeld(), b = this.pickHeld();
    if (a === undefined || b === undefined) return;
    const target = this.objects.get(this.held.get(a)!)!;
    if (target.slots.length < 2) return;
    const j = 1 + this.rnd.below(target.slots.length - 1);
    const number = this.rnd.chance(0.2);
    const value: Slot = number ? { kind: 'num', value: this.rnd.int64() } : { kind: 'ref', id: this.held.get(b)! };
    const pa = this.address(a);
    if (this.rnd.chance(0.5)) {
      if (value.kind === 'num') this.m.setCell(pa + 8 * j, value.value, TAG_NUM);
      else this.m.setCell(pa + 8 * j, BigInt(this.address(b)), TAG_PTR);
    } else {
      const m = this.m;
      m.setRegister(RDI, BigInt(pa), TAG_PTR);
      m.setRegister(RSI, BigInt(j));
      if (value.kind === 'num') m.setRegister(RAX, value.value); else m.setRegister(RAX, BigInt(this.address(b)), TAG_PTR);
      expect(m.call(this.store).fault).toBeNull();
      this.clearRegisters();
    }
    target.slots[j] = value;
  }

  /** Machine code makes a 3-slot object [n, 0, 0] and stores it into slot j of a held object. */
  makeByCode(): void {
    const a = this.pickHeld();
    if (a === undefined) return;
    const target = this.objects.get(this.held.get(a)!)!;
    if (target.slots.length < 2) return;
    const j = 1 + this.rnd.below(target.slots.length - 1);
    const id = this.nextId++;
    const m = this.m;
    m.setRegister(RDI, BigInt(this.address(a)), TAG_PTR);
    m.setRegister(RSI, BigInt(j));
    m.setRegister(9, BigInt(id));
    expect(m.call(this.make).fault).toBeNull();
    this.clearRegisters();
    this.objects.set(id, { id, fixed: false, slots: [{ kind: 'num', value: BigInt(id) }, { kind: 'num', value: 0n }, { kind: 'num', value: 0n }] });
    target.slots[j] = { kind: 'ref', id };
  }

  /** Take a root on an object reached through a held one (so deep objects get held too). */
  follow(): void {
    const a = this.pickHeld();
    if (a === undefined) return;
    const obj = this.objects.get(this.held.get(a)!)!;
    const refs = obj.slots.map((s, i) => [s, i] as const).filter(([s]) => s.kind === 'ref');
    if (refs.length === 0) return;
    const [slot, i] = refs[this.rnd.below(refs.length)];
    const p = Number(this.m.cell(this.address(a) + 8 * i));
    this.held.set(heapOf(this.m).roots.addPointer(p), (slot as { id: number }).id);
  }

  drop(): void {
    const a = this.pickHeld();
    if (a === undefined) return;
    heapOf(this.m).roots.release(a);
    this.held.delete(a);
  }

  /** Garbage, to make the nursery fill up on its own. */
  garbage(): void {
    for (let i = 0, n = this.rnd.below(200); i < n; i++) {
      expect(heapOf(this.m).allocate(1 + this.rnd.below(8), FORMAT_POINTERS, 13, 0n, TAG_NUM)).toBeGreaterThan(0);
    }
  }

  clearRegisters(): void {
    for (const r of [RAX, 1, 2, 3, RSI, RDI, 8, 9, 11]) this.m.setRegister(r, 0n);
  }

  /** The live objects per the model: reachable from the held roots. */
  live(): Set<number> {
    const seen = new Set<number>();
    const todo = [...this.held.values()];
    while (todo.length > 0) {
      const id = todo.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const s of this.objects.get(id)!.slots) if (s.kind === 'ref') todo.push(s.id);
    }
    return seen;
  }

  /** Every held object's graph matches the model; one object, one address. */
  check(where: string): void {
    const m = this.m;
    const addressOf = new Map<number, number>();
    const wrong: string[] = [];
    const visit = (p: number, id: number): void => {
      const known = addressOf.get(id);
      if (known !== undefined) { if (p !== known) wrong.push(`object ${id} at two addresses, ${p} and ${known}`); return; }
      addressOf.set(id, p);
      const obj = this.objects.get(id)!;
      const slots = m.store.cells32[2 * ((p >> 3) - 1)] >>> 0;
      if (slots !== obj.slots.length) { wrong.push(`object ${id} has ${slots} slots, not ${obj.slots.length}`); return; }
      if (m.cell(p) !== BigInt(id)) { wrong.push(`object ${id} at ${p} says it is ${m.cell(p)}`); return; }
      obj.slots.forEach((s, i) => {
        const tag = m.cellTag(p + 8 * i), value = m.cell(p + 8 * i);
        if (s.kind === 'num') {
          if (tag !== TAG_NUM || value !== s.value) wrong.push(`slot ${i} of ${id}: ${value} (tag ${tag}), not the number ${s.value}`);
        } else if (tag !== TAG_PTR) {
          wrong.push(`slot ${i} of ${id}: ${value} (tag ${tag}), not a pointer to ${s.id}`);
        } else {
          visit(Number(value), s.id);
        }
      });
    };
    for (const [root, id] of this.held) visit(this.address(root), id);
    expect(wrong.slice(0, 10), where).toEqual([]);
  }

  /** After a major collection: the spaces hold exactly the live objects. */
  checkExact(where: string): void {
    let moving = 0, fixed = 0;
    for (const id of this.live()) {
      const o = this.objects.get(id)!;
      if (o.fixed) fixed += o.slots.length + 1; else moving += o.slots.length + 1;
    }
    const u = heapOf(this.m).usage();
    expect(u.oldUsed, `${where}: old space holds the live moving objects`).toBe(moving);
    expect(u.nurseryUsed).toBe(0);
    expect(u.fixedUsed - this.baseFixed, `${where}: the fixed space holds the live pinned objects`).toBe(fixed);
  }
}

describe('the heap against a model', () => {
  const seed = testSeed();
  it(`${STEPS} random steps with collections agree with the model (seed ${seed})`, () => {
    console.log(`heap model seed: ${seed} (set BEDROCK_SEED=${seed} to replay)`);
    const w = new World(makeRandom(seed));
    const rnd = w.rnd;
    let checks = 0;
    for (let step = 0; step < STEPS; step++) {
      const where = `step ${step} (seed ${seed})`;
      const minorsBefore = heapOf(w.m).stats.minorCollections, majorsBefore = heapOf(w.m).stats.majorCollections;
      const k = rnd.below(100);
      if (k < 25) w.create();
      else if (k < 50) w.assign();
      else if (k < 60) w.makeByCode();
      else if (k < 68) w.follow();
      else if (k < 82) { if (w.held.size > 8) w.drop(); }
      else if (k < 94) w.garbage();
      else if (k < 97) heapOf(w.m).collect('minor');
      else heapOf(w.m).collect('major');
      const collected = heapOf(w.m).stats.minorCollections !== minorsBefore || heapOf(w.m).stats.majorCollections !== majorsBefore;
      if (collected || step % 97 === 0) {
        w.check(where);
        expectSound(w.m, where);
        checks++;
      }
      if (heapOf(w.m).stats.majorCollections !== majorsBefore && heapOf(w.m).stats.lastKind === 'major') w.checkExact(where);
    }
    heapOf(w.m).collect('major');
    w.check('at the end');
    w.checkExact('at the end');
    expectSound(w.m, 'at the end');
    const s = heapOf(w.m).stats;
    console.log(`model: ${w.objects.size} objects made, ${w.live().size} live; ${s.minorCollections} minor and ${s.majorCollections} major collections; ${checks} checks`);
    expect(s.minorCollections).toBeGreaterThan(20);
    expect(s.majorCollections).toBeGreaterThan(20);
  });
});
