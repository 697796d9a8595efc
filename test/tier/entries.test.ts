/*
 * Where a translated function is entered: at label 0 (a call), at a loop's head, and at the
 * first label of a part no edge from label 0 reaches (after an int3); everywhere else the
 * interpreter runs on until it reaches one of those or leaves the code object. Each answer,
 * flag and instruction count must be the interpreter's.
 */
import { describe, expect, it } from 'vitest';
import { TAG_NUM } from '../../kernel/machine/cells.ts';
import type { Machine } from '../../kernel/machine/machine.ts';
import { bytesOf, newMachine } from '../support/machine.ts';
import { differences, snapshot } from './compare.ts';

function machine(tier: 'interpret' | 'translate'): Machine {
  return newMachine({ tier, cells: 1 << 15, fixedCells: 1 << 12, stackCells: 256 });
}

describe('the entries of a translated function', () => {
  it('a call runs label 0 first, when code after an int3 is reached by no edge from it', () => {
    // `mov rax, 99` follows the int3 alone: a part of its own, which must not run first.
    const source = 'mov rax, 7\ncmp rbx, 0\njne over\nint3\nmov rax, 99\nover:\nadd rax, rbx\nret';
    const snaps = (['interpret', 'translate'] as const).map((tier) => {
      const m = machine(tier);
      const code = m.loadCode(bytesOf(source));
      m.setRegister(3, 5n, TAG_NUM);
      m.call(code, { steps: 1000 });
      m.setRegister(3, 6n, TAG_NUM);
      const r = m.call(code, { steps: 1000 });
      if (tier === 'translate') expect(m.tier!.isTranslated(m.cacheOf(code)!)).toBe(true);
      return snapshot(m, r, null);
    });
    expect(snaps[0].fault).toBeNull();
    expect(snaps[0].registers[0]).toBe("rax=13/0");
    expect(differences(snaps[0], snaps[1])).toEqual([]);
  });

  it('a run stopped inside a loop body goes on interpreted to the loop head, and enters there', () => {
    const source = 'mov rcx, 500\nxor rax, rax\nhead:\nadd rax, rcx\ncmp rax, 1000\njl small\nsub rax, 3\nsmall:\ndec rcx\njnz head\nret';
    for (const stopAfter of [5, 6, 7, 8, 9, 10, 11]) {
      const snaps = (['interpret', 'translate'] as const).map((tier) => {
        const m = machine(tier);
        const code = m.loadCode(bytesOf(source));
        m.call(code, { steps: 100_000 }); // (translated by now, in the translating tier)
        const first = m.call(code, { steps: 2 + 8 * 3 + stopAfter });
        expect(first.fault?.kind).toBe('StepLimit');
        const entries = m.tier?.stats.entries ?? 0;
        const r = m.resume({ steps: 100_000 });
        if (tier === 'translate') expect(m.tier!.stats.entries).toBeGreaterThan(entries);
        return snapshot(m, r, null);
      });
      expect(snaps[0].fault).toBeNull();
      expect(differences(snaps[0], snaps[1]), `stopped after ${stopAfter}`).toEqual([]);
    }
  });
});
