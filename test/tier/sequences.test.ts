/*
 * The translator against the interpreter on the random straight-line sequences of the CPU
 * test (test/cpu/sequences.ts): every sequence, run by each tier from the same registers and
 * flags, must end with the same registers, tags, flags, fault and instruction count.
 * Sequences are translated a batch at a time (one module for many code objects).
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../kernel/machine/machine.ts';
import { newMachine } from '../support/machine.ts';
import { RSP } from '../../kernel/machine/x86/table.ts';
import { generateCase, type Case } from '../cpu/sequences.ts';
import { testSeed } from '../support/random.ts';
import { differences, snapshot, translateAll } from './compare.ts';

const CASES = Number(process.env.BEDROCK_TIER_CASES || 4000);
const BATCH = 500;

describe('the translator on random instruction sequences', () => {
  it('agrees with the interpreter bit for bit', () => {
    const seed = testSeed();
    console.log(`tiers on CPU sequences: seed ${seed} (replay with BEDROCK_SEED=${seed}), ${CASES} sequences`);
    const failures: string[] = [];
    let translated = 0;
    for (let start = 0; start < CASES && failures.length < 3; start += BATCH) {
      const mi = newMachine({ tier: 'interpret' }), mt = newMachine({ tier: 'translate' });
      const cases: Case[] = [];
      const ai: number[] = [], at: number[] = [];
      for (let i = start; i < Math.min(CASES, start + BATCH); i++) {
        const c = generateCase(seed, i);
        const code = Uint8Array.from([...c.bytes, 0xc3]);
        cases.push(c); ai.push(mi.loadCode(code)); at.push(mt.loadCode(code));
      }
      translated += translateAll(mt, at);
      cases.forEach((c, k) => {
        const run = (m: Machine, a: number) => {
          m.unwind();
          for (let r = 0; r < 16; r++) if (r !== RSP) m.setRegister(r, c.registers[r]);
          m.setFlags({ CF: c.flags.C, ZF: c.flags.Z, SF: c.flags.S, OF: c.flags.O, PF: c.flags.P });
          return snapshot(m, m.call(a, { steps: 10_000 }), null);
        };
        const diffs = differences(run(mi, ai[k]), run(mt, at[k]));
        if (diffs.length > 0 && failures.length < 3) failures.push(`seed ${seed} case ${c.index}:\n${c.text}\n${diffs.join('\n')}`);
      });
    }
    expect(failures.join('\n\n')).toBe('');
    expect(translated).toBeGreaterThan(CASES / 2);
  });
});
