/*
 * The translator's bounds check near the ends of the 64-bit range: an effective address close
 * to 2^63 must not wrap past the check (`ea + width` overflows; `ea > hi - width` does not).
 * Found by test/machine/robustness.test.ts, seed 666624359, case 3698, in the translated
 * project: a `movzx r11, byte [r9]` with r9 near 2^63 became a wasm load outside memory, a
 * host exception. Both tiers must give the same Bounds fault.
 */
import { describe, expect, it } from 'vitest';
import { Heap } from '../../kernel/memory/heap.ts';
import { assemble } from '../../kernel/machine/x86/assembler.ts';
import { differences, machinePair, snapshot, translateAll } from './compare.ts';

const CASES: readonly [string, bigint][] = [
  ['movzx r11, byte ptr [r9]\nret', 0x7fffffffffffffffn],
  ['movzx r11, byte ptr [r9]\nret', 0x7ffffffffffffff9n],
  ['mov r11, [r9]\nret', 0x7ffffffffffffff8n],
  ['mov [r9+16], r11\nret', 0x7ffffffffffffff0n],
  ['mov r11, [r9-8]\nret', -0x8000000000000000n],
];

describe('the translator near the ends of the address range', () => {
  it.each(CASES)('%s with r9 = %s faults as the interpreter does', (source, r9) => {
    const r = assemble(source);
    if (!r.ok) throw new Error(r.error.message);
    const [a, b] = machinePair({ cells: 1 << 16, fixedCells: 1 << 14, stackCells: 256 });
    new Heap(a); new Heap(b);
    const codeA = a.loadCode(r.bytes), codeB = b.loadCode(r.bytes);
    expect(translateAll(b, [codeB])).toBe(1);
    for (const m of [a, b]) m.setRegister(9, BigInt.asIntN(64, r9));
    const ra = a.call(codeA, { steps: 100 });
    let rb;
    expect(() => { rb = b.call(codeB, { steps: 100 }); }).not.toThrow();
    expect(ra.fault?.kind).toBe('Bounds');
    expect(differences(snapshot(a, ra, null), snapshot(b, rb!, null))).toEqual([]);
  });
});
