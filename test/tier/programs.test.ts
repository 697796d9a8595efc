/*
 * The translator against the interpreter on random programs with branches, loops, calls
 * (direct, through a register, with frames), memory accessed through pointers and through
 * the Memory capability, stores of pointers, stores into code, and faults: each program runs
 * on a machine of each tier from the same state, and everything a program can see must be
 * the same afterwards: registers and tags, flags, the fault, the instructions counted, and
 * every cell of memory with its tag. The seed is printed; BEDROCK_SEED replays a run.
 */
import { describe, expect, it } from 'vitest';
import { TAG_PTR, TAG_NUM } from '../../kernel/machine/cells.ts';
import type { Machine } from '../../kernel/machine/machine.ts';
import { bytesOf, newMachine } from '../support/machine.ts';
import { makeRandom, testSeed } from '../support/random.ts';
import { differences, snapshot } from './compare.ts';
import { generateProgram, loadProgram, WORK } from './programs.ts';

const PROGRAMS = Number(process.env.BEDROCK_TIER_PROGRAMS || 600);
const REG: Record<string, number> = { rax: 0, rcx: 1, rdx: 2, rbx: 3, rsp: 4, rbp: 5, rsi: 6, rdi: 7, r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15 };

describe('the translator on random programs', () => {
  it('agrees with the interpreter on everything a program can see', () => {
    const seed = testSeed();
    console.log(`tiers on random programs: seed ${seed} (replay with BEDROCK_SEED=${seed}), ${PROGRAMS} programs`);
    const failures: string[] = [];
    let translated = 0, faults = 0, steps = 0;
    const kinds = new Map<string, number>();
    for (let i = 0; i < PROGRAMS && failures.length < 3; i++) {
      const rnd = makeRandom((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
      const shape = { slotsA: 2 + rnd.below(8), slotsB: 1 + rnd.below(4) };
      const program = generateProgram(rnd, shape);
      const values = Array.from({ length: 16 }, () => BigInt.asIntN(64, (BigInt(rnd.next() >>> 0) << 32n) | BigInt(rnd.next() >>> 0)) >> BigInt(rnd.below(64)));
      const slotValues = Array.from({ length: shape.slotsA + shape.slotsB }, () => BigInt(rnd.below(1000)));
      const prepare = (m: Machine): number => {
        const a = m.allocate(shape.slotsA), b = m.allocate(shape.slotsB);
        for (let k = 0; k < shape.slotsA; k++) m.setCell(a + 8 * k, slotValues[k]);
        for (let k = 0; k < shape.slotsB; k++) m.setCell(b + 8 * k, slotValues[shape.slotsA + k]);
        const units = loadProgram(m, program, bytesOf);
        for (const name of WORK) m.setRegister(REG[name], values[REG[name]], TAG_NUM);
        m.setRegister(12, BigInt(a), TAG_PTR);
        m.setRegister(13, BigInt(b), TAG_PTR);
        m.setRegister(14, BigInt(units[1]), TAG_PTR);
        m.setRegister(15, 0n, TAG_NUM);
        m.setRegister(5, values[5], TAG_NUM);
        return units[0];
      };
      const mi = newMachine({ tier: 'interpret', cells: 1 << 15, fixedCells: 1 << 11, stackCells: 512 });
      const mt = newMachine({ tier: 'translate', cells: 1 << 15, fixedCells: 1 << 11, stackCells: 512 });
      const ai = prepare(mi), at = prepare(mt);
      const whole: [number, number] = [0, mi.store.cellCount];
      const si = snapshot(mi, mi.call(ai, { steps: 4000 }), whole);
      const st = snapshot(mt, mt.call(at, { steps: 4000 }), whole);
      translated += mt.tier!.stats.functions;
      if (si.fault) { faults++; kinds.set(si.fault.kind, (kinds.get(si.fault.kind) ?? 0) + 1); }
      steps += si.steps;
      const diffs = differences(si, st);
      if (diffs.length > 0) failures.push(`seed ${seed} program ${i}:\n${program.units.map((u, k) => `--- unit ${k}\n${u}`).join('\n')}\n${diffs.join('\n')}`);
    }
    console.log(`${translated} code objects translated; ${steps} instructions; ${faults} programs ended in a fault (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')})`);
    expect(failures.join('\n\n')).toBe('');
    expect(translated).toBeGreaterThan(PROGRAMS);
  });
});
