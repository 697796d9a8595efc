/*
 * The tier's policy for a long loop in code run once (a DoIt): after HOT_LOOPS backward jumps
 * the interpreter translates the code object and enters the translation at the next label it
 * reaches (the loop's head), instead of interpreting until the first checkpoint (2^21
 * instructions). The answers, flags and instruction counts stay the interpreter's.
 */
import { describe, expect, it } from 'vitest';
import { Heap } from '../../kernel/memory/heap.ts';
import { Machine } from '../../kernel/machine/machine.ts';
import { HOT_LOOPS } from '../../kernel/machine/wasm/tier.ts';
import { assemble } from '../../kernel/machine/x86/assembler.ts';
import { differences, snapshot } from './compare.ts';

function loop(iterations: number): Uint8Array {
  const r = assemble(`mov rcx, ${iterations}\nxor rax, rax\nL0:\nadd rax, rcx\nimul rdx, rax, 3\ndec rcx\njnz L0\nret`);
  if (!r.ok) throw new Error(r.error.message);
  return r.bytes;
}

function run(tier: 'interpret' | 'auto', iterations: number, before = 0): { m: Machine; code: number; translated: boolean; snap: ReturnType<typeof snapshot> } {
  const m = new Machine({ cells: 1 << 15, fixedCells: 1 << 12, stackCells: 256, tier });
  new Heap(m);
  // (code objects registered before it, so that its cache index, its table slot, is `before`)
  for (let i = 0; i < before; i++) m.loadCode(Uint8Array.of(0xc3));
  const code = m.loadCode(loop(iterations));
  const r = m.call(code, { steps: 10_000_000 });
  return { m, code, translated: m.tier?.isTranslated(m.cacheOf(code)!) ?? false, snap: snapshot(m, r, null) };
}

describe('a long loop in code run once', () => {
  it('is translated after HOT_LOOPS iterations and entered at its head, with the interpreter\'s answers', () => {
    const iterations = 100_000; // 400,000 instructions: no checkpoint on the way
    const a = run('interpret', iterations), b = run('auto', iterations);
    expect(a.snap.fault).toBeNull();
    expect(differences(a.snap, b.snap)).toEqual([]);
    expect(b.translated).toBe(true);
    expect(b.m.tier!.started).toBe(true);
    expect(b.m.tier!.stats.entries).toBeGreaterThan(0);
  });

  it('is translated into a table slot past the first 64 when many code objects came before the tier started', () => {
    const iterations = 100_000;
    const a = run('interpret', iterations, 150), b = run('auto', iterations, 150);
    expect(b.m.cacheIndexOfCode(b.code)).toBeGreaterThanOrEqual(150);
    expect(differences(a.snap, b.snap)).toEqual([]);
    expect(b.translated).toBe(true);
    expect(b.m.tier!.table.length).toBeGreaterThan(150);
  });

  it('stays interpreted when it runs fewer than HOT_LOOPS times', () => {
    const iterations = HOT_LOOPS - 2;
    const a = run('interpret', iterations), b = run('auto', iterations);
    expect(differences(a.snap, b.snap)).toEqual([]);
    expect(b.translated).toBe(false);
    // Nothing translated: the tier never made its WebAssembly side (a start that translates nothing pays nothing for it).
    expect(b.m.tier!.started).toBe(false);
  });
});
