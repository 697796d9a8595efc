/*
 * A poisoned cell (one of an object sent to another actor) faults on every read path, in both
 * tiers alike (issue 17, item 8): a load, a pop into a register or into memory, a ret through
 * it, a push of it. `pop` and `ret` read the stack without the general access check, and did
 * not look at the tag: they copied the poison into a register. And an image whose low memory
 * (which holds no object) has a poisoned cell is refused when it opens.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TAG_POISON } from '../../kernel/machine/cells.ts';
import { Heap } from '../../kernel/memory/heap.ts';
import { assemble } from '../../kernel/machine/x86/assembler.ts';
import { loadImage } from '../../image/open.ts';
import { saveImage } from '../../image/save.ts';
import { forge, genesisKernel, setCell } from '../image/forge.ts';
import { differences, machinePair, snapshot, translateAll } from './compare.ts';

/** Programs, and the cell below the caller's rsp (in cells, 1 = the return address) that is poisoned. */
const CASES: readonly [string, string, number][] = [
  ['pop into a register', 'sub rsp, 16\npop rax\nadd rsp, 8\nret', 3],
  ['pop into memory', 'sub rsp, 16\npop qword ptr [rsp+8]\nadd rsp, 8\nret', 3],
  ['ret through it', 'sub rsp, 8\nret', 2],
  ['ret n through it', 'sub rsp, 8\nret 8', 2],
  ['a load of it', 'mov rax, [rsp-16]\nret', 3],
  ['a push of it', 'push qword ptr [rsp-16]\npop rax\nret', 3],
];

describe('a poisoned cell faults on every read path, in both tiers', () => {
  it.each(CASES)('%s', (_what, source, below) => {
    const r = assemble(source);
    if (!r.ok) throw new Error(r.error.message);
    const [a, b] = machinePair({ cells: 1 << 16, fixedCells: 1 << 14, stackCells: 256 });
    new Heap(a); new Heap(b);
    const codeA = a.loadCode(r.bytes), codeB = b.loadCode(r.bytes);
    expect(translateAll(b, [codeB])).toBe(1);
    for (const m of [a, b]) {
      const sp = Number(m.register(4));
      m.store.tags[(sp >> 3) - below] = TAG_POISON;
      m.setRegister(0, 7n);
    }
    const ra = a.call(codeA, { steps: 100 });
    let rb;
    expect(() => { rb = b.call(codeB, { steps: 100 }); }).not.toThrow();
    expect(ra.fault?.kind).toBe('Poisoned');
    expect(a.register(0)).toBe(7n); // precise: nothing was taken
    expect(differences(snapshot(a, ra, null), snapshot(b, rb!, null))).toEqual([]);
  });
});

describe('an image with a poisoned cell outside every object', () => {
  it('is refused when it opens, naming the cell', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bedrock-poison-'));
    try {
      const good = join(dir, 'good.image');
      const saved = saveImage(genesisKernel(), good, { backend: 'native', journal: { id: 'test', seq: 0, offset: 0 } });
      if (!saved.ok) throw new Error(saved.error);
      expect(loadImage(good).ok).toBe(true);
      const bad = join(dir, 'bad.image');
      writeFileSync(bad, forge(good, (p) => setCell(p, 100, 0n, TAG_POISON)));
      const r = loadImage(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toMatch(/cell 100\b/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
