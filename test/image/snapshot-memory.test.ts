/*
 * One memory for snapshot after snapshot, as an actor's worker uses it (image/snapshot-memory.ts):
 * after an "actor" ran in a machine opened from a snapshot, releaseMemory clears only what that
 * machine may have written beyond the snapshot's cells, and reuseMemory clears what of the
 * residue the next snapshot does not write. The differential: each snapshot opened in the
 * reused memory must leave it the same, byte for byte (cells, tags, cards, code maps,
 * registers), as the same snapshot opened in a new memory, whatever the last actor did
 * (allocated into the old space, filled the nursery past minor collections, defined code,
 * forked processes, collected everything) and whatever the spawner did in between (its tops
 * coming down after its own collections, code defined and forgotten). The code maps are left
 * in place between snapshots of the same code objects when the actor registered no code, and
 * written again otherwise: the same comparison says they are right either way.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../kernel/machine/machine.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { openSnapshot, snapshotChecks, snapshotMachineOptions, snapshotPlan, takeSnapshot, type Snapshot } from '../../image/snapshot.ts';
import { baseCopy, holdsBase, holdsMaps, openedShape, releaseMemory, restoreBase, reuseMemory, type BaseCopy, type Reusable } from '../../image/snapshot-memory.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem, evaluateOk } from '../support/system.ts';

const b = bootSystem();

const ok = evaluateOk;

ok(b, `
Object subclass: #Cell instanceVariableNames: 'v'
Cell v -> ^v
Cell v: x -> v := x
Kept := (1 to: 3000) collect: [:i | Cell new v: i printString]
`);

/** The whole memory of `k`, and the first byte where it differs from `other`'s (or -1). */
function firstDifference(a: Kernel, c: Kernel): number {
  const x = new Uint8Array(a.machine.store.memory.buffer), y = new Uint8Array(c.machine.store.memory.buffer);
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i += 65536) {
    const e = Math.min(n, i + 65536);
    if (Buffer.compare(x.subarray(i, e), y.subarray(i, e)) !== 0) {
      for (let j = i; j < e; j++) if ((x[j] ?? 0) !== (y[j] ?? 0)) return j;
    }
  }
  return -1;
}

/**
 * What each round's actor does in the machine opened from the snapshot, whether its memory is
 * then cleared in part, and whether what it changed is known from its marks (no collection, no process).
 */
const ACTORS: readonly { readonly what: string; readonly run: (c: Bedrock, k: Kernel) => void; readonly partly: boolean; readonly marks?: boolean }[] = [
  { what: 'a little arithmetic', run: (c) => { expect(ok(c, '3 + 4')).toEqual(['7']); }, partly: true, marks: true },
  {
    what: 'fills the nursery past minor collections and keeps some in the old space',
    run: (c, k) => {
      expect(ok(c, '| keep | keep := OrderedCollection new. 1 to: 200000 do: [:i | | a | a := Array new: 4. i \\\\ 1000 = 0 ifTrue: [keep add: a]]. keep size')).toEqual(['200']);
      expect(k.heap.stats.minorCollections).toBeGreaterThan(0);
    },
    partly: true,
  },
  {
    what: 'defines methods and a class, forks processes, makes large objects and symbols',
    run: (c) => {
      ok(c, 'Object subclass: #Here instanceVariableNames: \'x\'\nHere x -> ^x\nCell twice -> ^v , v');
      expect(ok(c, '| s r | s := Semaphore new. [r := (Kept at: 7) twice. s signal] fork. s wait. r')).toEqual(["'77'"]);
      expect(ok(c, '(Array new: 50000 withAll: 3) size + #madeInTheActor size')).toEqual(['50014']);
    },
    partly: true,
  },
  { what: 'collects everything (a major collection: all of memory is cleared)', run: (c, k) => { ok(c, 'Kept := nil'); k.heap.collect('major'); }, partly: false },
  { what: 'a little arithmetic again', run: (c) => { expect(ok(c, '(Kept at: 5) v')).toEqual(["'5'"]); }, partly: true, marks: true },
];

/** What the spawner does before each round's snapshot. */
const SPAWNER: readonly ((k: Kernel) => void)[] = [
  () => {},
  () => { ok(b, 'Young := (1 to: 5000) collect: [:i | i printString]'); },
  // Its nursery emptied: the next snapshot's nursery ends lower than the last one's did.
  (k) => { k.heap.collect('minor'); },
  () => { ok(b, 'Smalltalk mark: #gone\nCell gone -> ^v\nCell goneToo -> ^v printString'); },
  // Code forgotten and collected: its fixed space and old space may end lower.
  (k) => { ok(b, 'Smalltalk forget: #gone\nYoung := nil'); k.heap.collect('major'); },
];

describe('one memory for snapshot after snapshot', () => {
  it('opens each snapshot to the same memory, byte for byte, as a new memory does', () => {
    let reusable: Reusable = { memory: Machine.preparedMemory(snapshotMachineOptions(takeSnapshot(b.kernel).machine)), residue: null };
    let partial = 0, mapsHeld = 0;
    for (let round = 0; round < 2 * ACTORS.length; round++) {
      SPAWNER[round % SPAWNER.length](b.kernel);
      const s: Snapshot = takeSnapshot(b.kernel);
      const maps = holdsMaps(reusable, s);
      if (maps) mapsHeld++;
      const reused = openSnapshot(structuredClone(s), { memory: reuseMemory(reusable, s), mapsInPlace: maps });
      const fresh = openSnapshot(structuredClone(s));
      expect(firstDifference(reused, fresh), `round ${round}: the first byte of memory that differs`).toBe(-1);
      const shape = openedShape(reused);
      const actor = ACTORS[round % ACTORS.length];
      actor.run(Bedrock.resume(reused, { backend: b.backend }), reused);
      reusable = releaseMemory(reused, s, shape);
      expect(reusable.residue !== null, `round ${round} (${actor.what}): cleared in part`).toBe(actor.partly);
      if (reusable.residue) partial++;
    }
    expect(partial).toBeGreaterThanOrEqual(6);
    expect(mapsHeld, 'opened with the code maps in place').toBeGreaterThanOrEqual(2);
    // The spawner answers as before.
    expect(ok(b, '(Kept at: 9) v')).toEqual(["'9'"]);
  }, 120_000);

  it('opens snapshots of changes over the base it keeps in place (restoreBase) to the same memory as a new memory does', () => {
    let base = takeSnapshot(b.kernel);
    let reusable: Reusable = { memory: Machine.preparedMemory(snapshotMachineOptions(base.machine)), residue: null };
    let kept: BaseCopy | null = null;
    let inPlace = 0, changes = 0, mapsHeld = 0;
    for (let round = 0; round < ACTORS.length + 3; round++) {
      SPAWNER[round % SPAWNER.length](b.kernel);
      // A new base midway (the spawner takes a whole snapshot when it must).
      if (round === ACTORS.length + 2) base = takeSnapshot(b.kernel);
      const s: Snapshot = takeSnapshot(b.kernel, undefined, snapshotPlan(b.kernel, base));
      if (s.base) changes++; else base = s;
      const held = holdsBase(reusable, s);
      if (held) inPlace++;
      const maps = holdsMaps(reusable, s);
      if (maps) mapsHeld++;
      const reused = openSnapshot(structuredClone(s), { memory: reuseMemory(reusable, s), baseInPlace: held, mapsInPlace: maps });
      kept = baseCopy(s, kept);
      const fresh = openSnapshot(structuredClone(s));
      expect(firstDifference(reused, fresh), `round ${round} (the base ${held ? 'in place' : 'copied'}): the first byte of memory that differs`).toBe(-1);
      const shape = openedShape(reused);
      const actor = ACTORS[round % ACTORS.length];
      actor.run(Bedrock.resume(reused, { backend: b.backend }), reused);
      // The actor's own writes into its fixed space, which no list records: every other round
      // raw, as a host writer that says so (Machine.hostWrites: all of the fixed space is
      // compared with the base), else through Machine.setCell, which marks them (only what
      // the marks and the snapshot say is compared).
      const m = reused.machine, st = m.store;
      for (let c = m.fixedLo + 7 + round; c < reused.heap.fixedTop; c += 9973) {
        if (st.tags[c] === 3 || st.tags[c] === 2) continue;
        if (round % 2 === 0) st.cells[c] ^= 0x55n; else m.setCell(8 * c, st.cells[c] ^ 0x55n, st.tags[c]);
      }
      if (round % 2 === 0) m.hostWrites++;
      const released = releaseMemory(reused, s, shape);
      if (round % 2 === 0) expect(released.changed, `round ${round}: raw writes, all compared`).toBeNull();
      else if (actor.marks) expect(released.changed, `round ${round}: known from the marks`).not.toBeNull();
      reusable = restoreBase(released, kept);
    }
    expect(changes, 'snapshots taken as what changed').toBeGreaterThanOrEqual(5);
    expect(inPlace, 'opened over the base in place').toBeGreaterThanOrEqual(3);
    expect(mapsHeld, 'opened with the code maps in place').toBeGreaterThanOrEqual(2);
    expect(ok(b, '(Kept at: 9) v')).toEqual(["'9'"]);
  }, 120_000);

  it('keeps the code maps only for the same code objects, and the verifying mode names a map left wrong', () => {
    const s = takeSnapshot(b.kernel);
    const first = openSnapshot(s, { memory: Machine.preparedMemory(snapshotMachineOptions(s.machine)) });
    const shape = openedShape(first);
    expect(ok(Bedrock.resume(first, { backend: b.backend }), '3 + 4')).toEqual(['7']);
    const released = releaseMemory(first, s, shape);
    expect(holdsMaps(released, s), 'the same list: in place').toBe(true);
    // A definition in the spawner: the same list, the method added to it; the maps stay in place
    // and the new method's are written (the same bytes as a new memory).
    ok(b, 'Smalltalk mark: #mapsTest\nCell mapsTest -> ^v');
    const more = takeSnapshot(b.kernel);
    expect(more.code).toBe(s.code);
    expect(more.codeAdded.length).toBeGreaterThan(s.codeAdded.length);
    expect(holdsMaps(released, more)).toBe(true);
    const again = openSnapshot(structuredClone(more), { memory: reuseMemory(released, more), mapsInPlace: true });
    expect(firstDifference(again, openSnapshot(structuredClone(more))), 'the first byte that differs').toBe(-1);
    const againShape = openedShape(again);
    expect(ok(Bedrock.resume(again, { backend: b.backend }), '(Cell new v: 6) mapsTest')).toEqual(['6']);
    // Released, the memory holds the list's maps alone (the method's are cleared): the
    // verifying mode finds them right when the list comes again without it, and names a cell
    // gone wrong.
    const releasedAgain = releaseMemory(again, more, againShape);
    const verifying = snapshotChecks.verify;
    snapshotChecks.verify = true;
    try {
      const third = openSnapshot(structuredClone(s), { memory: reuseMemory(releasedAgain, s), mapsInPlace: true });
      const released3 = releaseMemory(third, s, openedShape(third));
      const st = third.machine.store, lo = third.machine.fixedLo;
      const h = s.code[3 * 100];
      st.cacheIndex[h + 1 - lo] += 1;
      expect(() => openSnapshot(s, { memory: reuseMemory(released3, s), mapsInPlace: true })).toThrow(`code maps in place differ at cell ${h + 1}`);
    } finally {
      snapshotChecks.verify = verifying;
    }
    // Code freed in the spawner: another list, and the maps are not said to be in place.
    ok(b, 'Smalltalk forget: #mapsTest');
    b.kernel.heap.collect('major');
    const other = takeSnapshot(b.kernel);
    expect(other.code).not.toBe(s.code);
    expect(holdsMaps(releasedAgain, other)).toBe(false);
  });
});
