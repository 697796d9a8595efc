/*
 * Random machine programs for the differential test of the two tiers: a main code object and
 * a few helpers, with forward branches, counted loops, jumps back to short runs that go
 * forward again, runs out of line (after the ret) that jump back, direct and indirect calls, frames,
 * pushes and pops, loads and stores through pointers to heap objects (in and out of bounds,
 * pointers stored too), through the Memory capability, byte moves, every kind of arithmetic,
 * flags read by setcc, cmovcc and jcc, and now and then a fault, a breakpoint or a store into
 * code. Registers r12 and r13 hold pointers to two objects, r14 a pointer to a helper's code
 * object, r15 counts loops; the rest are for work.
 */
import type { Machine } from '../../kernel/machine/machine.ts';
import type { Random } from '../support/random.ts';

export const WORK = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11'] as const;
const BYTE: Record<string, string> = {
  rax: 'al', rbx: 'bl', rcx: 'cl', rdx: 'dl', rsi: 'sil', rdi: 'dil', r8: 'r8b', r9: 'r9b', r10: 'r10b', r11: 'r11b',
};
const WORD: Record<string, string> = {
  rax: 'ax', rbx: 'bx', rcx: 'cx', rdx: 'dx', rsi: 'si', rdi: 'di', r8: 'r8w', r9: 'r9w', r10: 'r10w', r11: 'r11w',
  r12: 'r12w', r13: 'r13w', r14: 'r14w',
};
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

export interface ProgramShape {
  /** Slots of the objects r12 and r13 point to. */
  readonly slotsA: number;
  readonly slotsB: number;
}

export interface Program {
  /** Assembly of each code object: [main, helper 1, ...]. */
  readonly units: string[];
}

export function generateProgram(rnd: Random, shape: ProgramShape): Program {
  const helpers = 1 + rnd.below(3);
  const units: string[] = [];
  let labels = 0;
  const label = (): string => `L${labels++}`;
  const work = (): string => WORK[rnd.below(WORK.length)];
  const imm = (): string => {
    const v = rnd.below(10) < 7 ? rnd.below(256) - 128 : (rnd.next() | 0);
    return String(v);
  };
  const slot = (slots: number): number => rnd.below(40) === 0 ? rnd.below(slots + 4) - 2 : rnd.below(slots);

  /** One straight-line instruction (or a short fixed group). */
  const straight = (out: string[], unit: number): void => {
    const r = rnd.below(100);
    const a = work(), b = work();
    if (r < 14) out.push(`${rnd.pick(['add', 'sub', 'and', 'or', 'xor', 'cmp', 'test'])} ${a}, ${b}`);
    else if (r < 24) out.push(`${rnd.pick(['add', 'sub', 'and', 'or', 'xor', 'cmp'])} ${a}, ${imm()}`);
    else if (r < 30) out.push(`mov ${a}, ${rnd.below(4) === 0 ? String(rnd.next() >>> 0) + '000' : imm()}`);
    else if (r < 34) out.push(`mov ${a}, ${b}`);
    else if (r < 40) out.push(`mov ${a}, [${rnd.pick(['r12', 'r13'])}${offset(slot(rnd.below(2) ? shape.slotsA : shape.slotsB))}]`);
    else if (r < 45) out.push(`mov qword ptr [r12${offset(slot(shape.slotsA))}], ${rnd.below(4) === 0 ? 'r13' : a}`);
    else if (r < 48) out.push(`${rnd.pick(['add', 'sub', 'xor'])} ${a}, [r13${offset(slot(shape.slotsB))}]`);
    else if (r < 50) out.push(`${rnd.pick(['add', 'or'])} qword ptr [r12${offset(slot(shape.slotsA))}], ${a}`);
    else if (r < 53) out.push(`mov ${a}, [${8 * (8 + rnd.below(200))}]`);
    else if (r < 55) out.push(`mov qword ptr [${8 * (8 + rnd.below(200))}], ${a}`);
    else if (r < 58) out.push(`lea ${a}, [${b}+${work()}*${rnd.pick([1, 2, 4, 8])}${offset(rnd.below(12) - 6)}]`);
    else if (r < 63) out.push(`${rnd.pick(['shl', 'shr', 'sar'])} ${a}, ${rnd.below(3) === 0 ? 'cl' : String(rnd.below(64))}`);
    else if (r < 68) out.push(`${rnd.pick(['inc', 'dec', 'neg', 'not'])} ${a}`);
    else if (r < 71) out.push(`imul ${a}, ${b}`);
    else if (r < 72) out.push(`imul ${a}, ${b}, ${imm()}`);
    else if (r < 74) { out.push('cqo'); out.push(`idiv ${rnd.pick(['rbx', 'rcx', 'rsi', 'r9'])}`); }
    else if (r < 76) out.push(`lar ${a}, ${WORD[rnd.pick([...WORK, 'r12', 'r13', 'r14'])]}`);
    else if (r < 79) out.push(`set${rnd.pick(CC)} ${BYTE[a]}`);
    else if (r < 82) out.push(`cmov${rnd.pick(CC)} ${a}, ${b}`);
    else if (r < 84) out.push(`movzx ${a}, ${BYTE[b]}`);
    else if (r < 86) out.push(`mov byte ptr [r12${offset(slot(shape.slotsA)) }], ${BYTE[a]}`);
    else if (r < 89) { out.push(`push ${a}`); straightSafe(out); out.push(`pop ${b}`); }
    else if (r < 91) out.push(`mov ${a}, r12`);
    else if (r < 92) out.push(`push ${imm()}`, `pop ${a}`);
    else if (r < 93 && unit === 0 && rnd.below(4) === 0) {
      out.push(`mov qword ptr [@CODE], ${a}`); // a store into a helper's code (see loadProgram)
    }
    else if (r < 94 && rnd.below(6) === 0) out.push(rnd.pick(['int3', '.byte 0x0f, 0x0b', `mov ${a}, [${a}*8]`]));
    else out.push(`xor ${a}, ${imm()}`);
  };
  const straightSafe = (out: string[]): void => {
    const a = work();
    out.push(`${rnd.pick(['add', 'xor', 'sub'])} ${a}, ${imm()}`);
  };

  const body = (out: string[], unit: number, depth: number, length: number): void => {
    for (let i = 0; i < length; i++) {
      const r = rnd.below(100);
      if (r < 12 && depth < 2) {
        // a forward branch over a few instructions
        const l = label();
        out.push(`j${rnd.pick(CC)} ${l}`);
        body(out, unit, depth + 1, 1 + rnd.below(4));
        out.push(`${l}:`);
      } else if (r < 18 && depth === 0) {
        // a counted loop (r15 is its own)
        const l = label();
        out.push(`mov r15, ${1 + rnd.below(6)}`);
        out.push(`${l}:`);
        body(out, unit, depth + 1, 2 + rnd.below(5));
        out.push('dec r15', `jnz ${l}`);
      } else if (r < 21 && depth === 0) {
        // a jump back to a short run that goes forward again (the translator copies such a
        // run in place of the jump, as for Kernel>>send's `jmp key`), taken always or by a jcc
        const [a, bk, c] = [label(), label(), label()];
        out.push(`jmp ${bk}`, `${a}:`);
        body(out, unit, 2, 1 + rnd.below(3));
        out.push(`jmp ${c}`, `${bk}:`);
        body(out, unit, 2, 1 + rnd.below(2));
        if (rnd.below(2) === 0) out.push(`jmp ${a}`);
        else { out.push(`j${rnd.pick(CC)} ${a}`); body(out, unit, 2, 1 + rnd.below(2)); }
        out.push(`${c}:`);
      } else if (r < 24 && depth === 0) {
        // a run out of line, after the unit's ret, taken by a jcc, that jumps back (as the
        // compiler puts a slow path after the method); it may call
        const [away, back] = [label(), label()];
        out.push(`j${rnd.pick(CC)} ${away}`, `${back}:`);
        const run: string[] = [`${away}:`];
        body(run, unit, 2, 1 + rnd.below(4));
        run.push(`jmp ${back}`);
        cold.push(...run);
      } else if (r < 27 && unit < helpers) {
        // a call to a later helper (never back, so no recursion)
        out.push(`call H${unit + 1 + rnd.below(helpers - unit)}`);
      } else if (r < 29 && unit === 0) {
        out.push('call r14');
      } else {
        straight(out, unit);
      }
    }
  };

  /** The out-of-line runs of the unit being generated, placed after its ret. */
  let cold: string[] = [];
  for (let unit = 0; unit <= helpers; unit++) {
    const out: string[] = [];
    cold = [];
    const frame = unit > 0 && rnd.below(2) === 0;
    if (frame) out.push('push rbp', 'mov rbp, rsp', 'push rax', `mov qword ptr [rbp-8], ${imm()}`);
    body(out, unit, 0, 4 + rnd.below(unit === 0 ? 20 : 10));
    if (frame) out.push('mov rax, [rbp-8]', 'mov rsp, rbp', 'pop rbp');
    out.push('ret', ...cold);
    units.push(out.join('\n'));
  }
  return { units };
}

function offset(slot: number): string {
  const d = slot * 8;
  return d === 0 ? '' : d > 0 ? `+${d}` : `${d}`;
}

/**
 * Load a program's code objects into `m` (helpers first, so calls can name them): each unit
 * is laid out once with its calls to helpers at placeholder targets, given its code object,
 * then assembled again with every target relative to where it landed. `@CODE` in main becomes
 * the address of a cell of the last helper's code. Returns the code objects' addresses.
 */
export function loadProgram(m: Machine, program: Program, assembleUnit: (source: string) => Uint8Array): number[] {
  const addresses: number[] = new Array(program.units.length).fill(0);
  for (let unit = program.units.length - 1; unit >= 0; unit--) {
    const withTargets = (base: number): string => program.units[unit]
      .replace(/call H(\d+)/g, (_, h) => `{disp32} call ${base === 0 ? 0 : addresses[Number(h)] - base}`)
      .replace(/@CODE/g, String(addresses[program.units.length - 1] + 8));
    const sized = assembleUnit(withTargets(0));
    const at = m.loadCode(sized);
    if (at < 0) throw new Error('no room for code');
    const bytes = assembleUnit(withTargets(at));
    if (bytes.length !== sized.length) throw new Error('a unit changed size when placed');
    m.store.bytes.set(bytes, at);
    addresses[unit] = at;
  }
  return addresses;
}
