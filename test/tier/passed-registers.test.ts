/*
 * The registers a translated call passes in WebAssembly parameters and gives back in results
 * (rax and rbp, translate.ts PACK_TAG), against the interpreter: random programs whose helpers
 * write rbp and rax with every tag (a number, a pointer to an object, the stack pointer, a
 * return address), keep them or restore them, read them after calls, call each other directly
 * and through a register, fault or stop at a breakpoint inside a callee, and run out of their
 * step budget anywhere (so a translated function leaves in the middle of a callee with rbp
 * changed, and STATE must hold what the interpreter's registers would). Everything a program
 * can see must agree: registers and tags, flags, the fault, the instructions counted, memory.
 * The seed is printed; BEDROCK_SEED replays a run.
 */
import { describe, expect, it } from 'vitest';
import { TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import type { Machine } from '../../kernel/machine/machine.ts';
import { bytesOf, newMachine } from '../support/machine.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';
import { differences, snapshot } from './compare.ts';
import { loadProgram, type Program } from './programs.ts';

const PROGRAMS = 300;

/** main, then helpers H1..Hn; a helper calls only later ones (no recursion). */
function generate(rnd: Random): Program {
  const helpers = 2 + rnd.below(3);
  const units: string[] = [];
  let labels = 0;
  const imm = (): string => String(rnd.below(4) === 0 ? -1 - rnd.below(100) : rnd.below(1 << 20));
  const setRbp = (): string => rnd.pick([
    `mov rbp, ${imm()}`, 'mov rbp, r12', 'mov rbp, r13', 'mov rbp, rsp', 'mov rbp, [rsp]', 'lea rbp, [rbp+8]',
    'add rbp, rax', 'mov rbp, [r12+8]', 'xor rbp, rbp', 'mov rbp, rax',
  ]);
  const useRbp = (): string => rnd.below(8) === 0
    ? rnd.pick(['mov rdx, [rbp]', 'mov rax, [rbp-8]', 'mov [r12], rbp'])
    : rnd.pick(['mov rax, rbp', 'add rcx, rbp', 'cmp rbp, rax', 'sub rax, rbp', 'push rbp\npop rdx', 'mov rax, [r12]', `mov rax, ${imm()}`, 'mov rax, r13', 'add rax, 1']);
  for (let unit = 0; unit <= helpers; unit++) {
    const out: string[] = [];
    // a frame (rbp the frame pointer, as native methods keep it), or rbp saved and restored
    // around the body, or rbp left as the body leaves it
    const kind = rnd.below(3);
    if (kind === 0) out.push('push rbp', 'mov rbp, rsp', 'push rax', `mov qword ptr [rbp-8], ${imm()}`);
    if (kind === 1) out.push('push rbp');
    const n = 3 + rnd.below(unit === 0 ? 12 : 6);
    for (let i = 0; i < n; i++) {
      const r = rnd.below(20);
      if (r < 6 && unit < helpers) out.push(`call H${unit + 1 + rnd.below(helpers - unit)}`);
      else if (r < 7 && unit === 0) out.push('call r14');
      else if (r < 11) out.push(kind === 0 ? `push rbp\n${setRbp()}\n${useRbp()}\npop rbp` : setRbp());
      else if (r < 12 && rnd.below(6) === 0) out.push('int3');
      else if (r < 13) {
        // rbp kept across a branch on what a callee left
        const l = `K${labels++}`;
        out.push('cmp rbp, r12', `jne ${l}`, useRbp(), `${l}:`);
      } else out.push(useRbp());
    }
    if (kind === 0) out.push('mov rax, [rbp-8]', 'mov rsp, rbp', 'pop rbp');
    if (kind === 1) out.push('pop rbp');
    out.push('ret');
    units.push(out.join('\n'));
  }
  return { units };
}

describe('rax and rbp passed across translated calls', () => {
  it('agree with the interpreter, whatever a callee leaves in them and wherever it stops', () => {
    const seed = testSeed();
    console.log(`passed registers: seed ${seed} (replay with BEDROCK_SEED=${seed}), ${PROGRAMS} programs`);
    const failures: string[] = [];
    let translated = 0, faults = 0, limited = 0;
    const kinds = new Map<string, number>();
    for (let i = 0; i < PROGRAMS && failures.length < 3; i++) {
      const rnd = makeRandom((seed ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0);
      const program = generate(rnd);
      const values = Array.from({ length: 16 }, () => BigInt(rnd.below(1 << 30)) - 512n);
      // (a budget that runs out anywhere: in main, in a callee, after a callee changed rbp)
      const steps = rnd.below(3) === 0 ? 1 + rnd.below(60) : 4000;
      const prepare = (m: Machine): number => {
        const a = m.allocate(4), b = m.allocate(2);
        for (let k = 0; k < 4; k++) m.setCell(a + 8 * k, BigInt(k * 7));
        const units = loadProgram(m, program, bytesOf);
        for (let r = 0; r < 16; r++) if (r !== 4) m.setRegister(r, values[r], TAG_NUM);
        m.setRegister(12, BigInt(a), TAG_PTR);
        m.setRegister(13, BigInt(b), TAG_PTR);
        m.setRegister(14, BigInt(units[program.units.length - 1]), TAG_PTR);
        return units[0];
      };
      const mi = newMachine({ tier: 'interpret', cells: 1 << 15, fixedCells: 1 << 11, stackCells: 512 });
      const mt = newMachine({ tier: 'translate', cells: 1 << 15, fixedCells: 1 << 11, stackCells: 512 });
      const ai = prepare(mi), at = prepare(mt);
      const whole: [number, number] = [0, mi.store.cellCount];
      const si = snapshot(mi, mi.call(ai, { steps }), whole);
      const st = snapshot(mt, mt.call(at, { steps }), whole);
      translated += mt.tier!.stats.functions;
      if (si.fault) { faults++; kinds.set(si.fault.kind, (kinds.get(si.fault.kind) ?? 0) + 1); }
      if (si.fault?.kind === 'StepLimit') limited++;
      const diffs = differences(si, st);
      if (diffs.length > 0) failures.push(`seed ${seed} program ${i} (steps ${steps}):\n${program.units.map((u, k) => `--- unit ${k}\n${u}`).join('\n')}\n${diffs.join('\n')}`);
    }
    console.log(`${translated} code objects translated; ${faults} programs ended in a fault (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')})`);
    expect(failures.join('\n\n')).toBe('');
    expect(translated).toBeGreaterThan(PROGRAMS);
    expect(limited).toBeGreaterThan(PROGRAMS / 10);
  });
});
