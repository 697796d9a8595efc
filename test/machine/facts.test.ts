/*
 * The instruction table's facts (control class, operand access, implicit registers, flags
 * written) checked against what the interpreter does: every row, run with random operands,
 * leaves every register the facts do not name as written, and every flag they do not name,
 * as it was. Facts the translator and the peephole optimizer rely on cannot drift from the
 * machine without this test failing.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../kernel/machine/machine.ts';
import { TAG_NUM } from '../../kernel/machine/cells.ts';
import { registerEffects } from '../../kernel/machine/x86/effects.ts';
import { encodeRow } from '../../kernel/machine/x86/encoder.ts';
import type { Operand } from '../../kernel/machine/x86/operand.ts';
import { RSP, TABLE, type Row } from '../../kernel/machine/x86/table.ts';
import { newMachine } from '../support/machine.ts';
import { randomOperands, rngFor } from '../support/random-instructions.ts';
import { testSeed } from '../support/random.ts';

const FLAG_OF: Record<string, 'CF' | 'ZF' | 'SF' | 'OF' | 'PF'> = { C: 'CF', Z: 'ZF', S: 'SF', O: 'OF', P: 'PF' };

describe('the instruction table facts', () => {
  it('give every row a control class and an access per operand', () => {
    for (const row of TABLE) {
      expect(row.access.length, row.mnemonic).toBe(row.operands.length);
      if (row.operation === 'jcc') expect(row.control).toBe('branch');
      if (row.operation === 'jmp') expect(row.control).toBe(row.operands[0] === 'rm64' ? 'indirect' : 'jump');
      if (row.operation === 'ret') expect(row.implicitWrites).toContain(RSP);
    }
  });

  it('name every register and flag a straight-line row changes (the interpreter agrees)', () => {
    const seed = testSeed();
    const rng = rngFor(seed, 'facts');
    const rows = TABLE.filter((r) => r.control === 'next' && !r.operands.some((k) => k === 'rel8' || k === 'rel32'));
    let ran = 0;
    for (const row of rows) {
      const m = newMachine({ cells: 1 << 15, fixedCells: 1 << 11, stackCells: 256 });
      for (let n = 0; n < 24; n++) {
        const ops = randomOperands(rng, row) as Operand[];
        if (ops.some((o) => o.kind === 'reg' && o.reg === RSP && row.access[ops.indexOf(o)] !== 'r')) continue;
        const bytes = encodeRow(row, ops, {}, 0);
        if (typeof bytes === 'string') continue;
        const code = m.loadCode(Uint8Array.from([...bytes, 0xc3]));
        for (let r = 0; r < 16; r++) if (r !== RSP) m.setRegister(r, rng.chance(0.5) ? BigInt(rng.int(0, 4000)) : BigInt.asIntN(64, rng.bits(64)), TAG_NUM);
        m.setFlags({ CF: rng.int(0, 1), ZF: rng.int(0, 1), SF: rng.int(0, 1), OF: rng.int(0, 1), PF: rng.int(0, 1) });
        const before = Array.from({ length: 16 }, (_, r) => [m.register(r), m.registerTag(r)]);
        const flags = m.flags();
        // The host's call pushes a return address: rsp is read and written by call and ret.
        const sp = m.register(RSP);
        const result = m.call(code, { steps: 10 });
        if (result.fault) continue;
        ran++;
        const e = registerEffects(row, ops);
        const where = `${row.mnemonic} ${JSON.stringify(ops, (_, v) => typeof v === 'bigint' ? v.toString() : v)} (seed ${seed})`;
        for (let r = 0; r < 16; r++) {
          if (e.writes.includes(r)) continue;
          if (r === RSP) { expect(m.register(RSP), where).toBe(sp); continue; }
          expect([m.register(r), m.registerTag(r)], `${where}: register ${r}`).toEqual(before[r]);
        }
        const after = m.flags();
        for (const letter of 'CZSOP') {
          if (row.flags.writes.includes(letter) || row.flags.undefined.includes(letter)) continue;
          expect(after[FLAG_OF[letter]], `${where}: ${letter}F`).toBe(flags[FLAG_OF[letter]]);
        }
      }
    }
    expect(ran).toBeGreaterThan(rows.length * 5);
  });
});
