/*
 * Robustness: random bytes executed on the machine end in a fault or a return, never in a
 * host exception, and never break the machine's invariants (rsp in the stack, headers and
 * tags intact, pointers only where the allocator or a copy put them).
 *
 * Half the cases are raw random bytes; half are built from the instruction table's opcodes
 * with random REX, ModRM, SIB, displacement and immediate bytes, so most of them decode and
 * exercise the execution rules rather than the decoder's refusals. Registers start with a mix
 * of numbers, pointers to a small object, and code pointers.
 */
import { describe, expect, it } from 'vitest';
import { TAG_HDR, TAG_NAMES, TAG_PTR, TAG_STACK } from '../../kernel/machine/cells.ts';
import type { FaultKind } from '../../kernel/machine/faults.ts';
import { FAULT_KINDS } from '../../kernel/machine/faults.ts';
import { Machine } from '../../kernel/machine/machine.ts';
import { newMachine } from '../support/machine.ts';
import { decode } from '../../kernel/machine/x86/decoder.ts';
import { TABLE } from '../../kernel/machine/x86/table.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';

const CASES = 4000;

function tableShaped(rnd: Random): Uint8Array {
  const out: number[] = [];
  const count = 1 + rnd.below(6);
  for (let i = 0; i < count; i++) {
    const row = rnd.pick(TABLE);
    const candidate: number[] = [];
    if (row.width === 'W1') candidate.push(0x48 | rnd.below(8));
    else if (row.width === 'any' && rnd.chance(0.3)) candidate.push(0x40 | rnd.below(16));
    candidate.push(...row.opcode);
    if (row.hasModrm) {
      const modrm = rnd.below(256);
      candidate.push(row.digit >= 0 ? (modrm & 0xc7) | (row.digit << 3) : modrm);
    }
    for (let j = 0; j < 12; j++) candidate.push(rnd.chance(0.5) ? rnd.below(4) : rnd.below(256));
    // Cut the candidate to one instruction (raw random bytes exercise the decoder's refusals).
    const bytes = Uint8Array.from(candidate);
    const d = decode(bytes);
    out.push(...bytes.slice(0, d.ok ? d.insn.length : 1));
  }
  if (rnd.chance(0.7)) out.push(0xc3);
  return Uint8Array.from(out);
}

function rawBytes(rnd: Random): Uint8Array {
  const n = 1 + rnd.below(40);
  return Uint8Array.from({ length: n }, () => rnd.below(256));
}

describe('random bytes never crash the host', () => {
  const seed = testSeed();
  it(`${CASES} random byte strings end in a fault or a return (seed ${seed})`, () => {
    console.log(`robustness seed: ${seed} (set BEDROCK_SEED=${seed} to replay)`);
    const rnd = makeRandom(seed);
    const m = newMachine({ cells: 1 << 16, fixedCells: 1 << 15, stackCells: 256 });
    const object = m.allocate(4);
    const headerBefore = m.cell(object - 8);
    const kinds = new Map<string, number>();
    for (let i = 0; i < CASES; i++) {
      const bytes = rnd.chance(0.5) ? rawBytes(rnd) : tableShaped(rnd);
      const code = m.loadCode(bytes);
      expect(code, 'code space full').toBeGreaterThan(0);
      for (let r = 0; r < 16; r++) {
        if (r === 4) continue;
        const k = rnd.below(8);
        if (k === 0) m.setRegister(r, BigInt(object), TAG_PTR);
        else if (k === 1) m.setRegister(r, BigInt(code), TAG_PTR);
        else m.setRegister(r, rnd.chance(0.5) ? BigInt(rnd.below(64)) : rnd.int64());
      }
      let result;
      try {
        result = m.call(code, { steps: 2000 });
      } catch (e) {
        throw new Error(`case ${i} (seed ${seed}): host exception ${(e as Error).stack}\nbytes: ${Buffer.from(bytes).toString('hex')}`);
      }
      const kind = result.fault?.kind ?? 'returned';
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      if (result.fault) {
        expect(Object.keys(FAULT_KINDS)).toContain(result.fault.kind as FaultKind);
        expect(result.fault.message.length).toBeGreaterThan(0);
      }
      // Invariants.
      expect(m.registerTag(4)).toBe(TAG_STACK);
      const sp = Number(m.register(4));
      expect(sp >= m.stackLo && sp <= m.stackHi, `rsp ${sp} outside the stack (case ${i}, seed ${seed})`).toBe(true);
      expect(m.cellTag(object - 8)).toBe(TAG_HDR);
      expect(m.cell(object - 8)).toBe(headerBefore);
      for (let r = 0; r < 16; r++) expect(TAG_NAMES[m.registerTag(r)]).toBeDefined();
      m.unwind();
    }
    console.log('outcomes:', Object.fromEntries([...kinds].sort((a, b) => b[1] - a[1])));
    // The generator must reach execution, not only the decoder's refusals.
    expect(kinds.get('returned') ?? 0).toBeGreaterThan(CASES / 50);
    expect(kinds.size).toBeGreaterThan(4);
  });
});
