/*
 * Execution against the real CPU: random straight-line sequences of the register and flag
 * instructions (test/cpu/sequences.ts, derived from the instruction table) run natively in a
 * small C harness (test/cpu/harness.c + trampoline.S, built here with gcc), on our
 * interpreter, and translated to WebAssembly by the translating tier (each batch of sequences
 * one module), from the same registers and flags. Both must end with the same sixteen
 * registers (rsp aside: the machine keeps its own) and the same CF ZF SF OF PF, where the
 * Intel manual defines them; an idiv that raises #DE natively must be a DivideError fault at
 * the same instruction here, with the same registers and defined flags.
 *
 * The run's seed is printed; BEDROCK_SEED=<seed> replays it, and BEDROCK_CASE=<index>
 * replays one case of it. BEDROCK_CPU_CASES=<n> runs n sequences instead of the usual number.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemble, hexBytes } from '../../kernel/machine/x86/assembler.ts';
import { Machine } from '../../kernel/machine/machine.ts';
import { newMachine } from '../support/machine.ts';
import { disassemble } from '../../kernel/machine/x86/disassembler.ts';
import { REG64, RSP } from '../../kernel/machine/x86/table.ts';
import { buildHarness, haveGcc, runNative, SIGFPE, type NativeResult } from '../cpu/native.ts';
import { FLAG_LETTERS, flagLetters, generateCase, ROWS_UNDER_TEST, type Case, type FlagBits } from '../cpu/sequences.ts';
import { oraclesPresent } from '../support/oracles.ts';
import { testSeed } from '../support/random.ts';

/** Sequences per run; BEDROCK_CPU_CASES changes it (for a longer hunt). */
const CASES = Number(process.env.BEDROCK_CPU_CASES || 20000);
const BATCH = 1000;
const STEP_LIMIT = 10_000;

/** Why the native side cannot run here, or '' when it can. */
const unavailable = process.arch !== 'x64' || process.platform !== 'linux'
  ? `the harness runs x86-64 code natively, and this host is ${process.platform}/${process.arch}`
  : haveGcc() ? '' : 'gcc is not installed, so the native harness (test/cpu/harness.c) cannot be built';
const runnable = oraclesPresent('execution against the real CPU', unavailable);

let dir = '';
let harness = '';

/** What one side did with a case. */
interface Outcome {
  /** null when the code returned; 'DivideError' (or another fault kind, or a signal) otherwise. */
  readonly fault: string | null;
  readonly offset: number;
  readonly registers: readonly bigint[];
  readonly flags: FlagBits;
}

function nativeOutcome(r: NativeResult): Outcome {
  const fault = r.signal === 0 ? null : r.signal === SIGFPE ? 'DivideError' : `signal ${r.signal}`;
  return { fault, offset: r.offset, registers: r.registers, flags: r.flags };
}

/**
 * Runs cases on a machine of one tier, a batch at a time: the batch's code objects are loaded
 * first and, for the translating tier, translated as one module (as the tier batches its work).
 */
class MachineRunner {
  private m: Machine;
  private addresses: number[] = [];

  constructor(private readonly tier: 'interpret' | 'translate') { this.m = newMachine({ tier }); }

  load(cases: readonly Case[]): void {
    // A fresh machine for each batch: the code space holds one batch easily.
    this.m = newMachine({ tier: this.tier });
    this.addresses = cases.map((c) => this.m.loadCode(Uint8Array.from([...c.bytes, 0xc3])));
    if (this.tier === 'translate') {
      this.m.tier!.translate(this.addresses.map((a) => this.m.cacheOf(a)!));
      if (this.m.tier!.lastError) throw new Error(`the engine refused a module: ${this.m.tier!.lastError}`);
    }
  }

  run(c: Case, k: number): Outcome {
    const m = this.m;
    m.unwind();
    for (let r = 0; r < 16; r++) if (r !== RSP) m.setRegister(r, c.registers[r]);
    m.setFlags({ CF: c.flags.C, ZF: c.flags.Z, SF: c.flags.S, OF: c.flags.O, PF: c.flags.P });
    const result = m.call(this.addresses[k], { steps: STEP_LIMIT });
    const f = m.flags();
    const registers: bigint[] = [];
    for (let r = 0; r < 16; r++) registers.push(m.register(r));
    return {
      fault: result.fault ? result.fault.kind : null,
      offset: result.fault ? result.fault.offset : 0,
      registers,
      flags: { C: f.CF, Z: f.ZF, S: f.SF, O: f.OF, P: f.PF },
    };
  }
}

const hex64 = (v: bigint): string => '0x' + BigInt.asUintN(64, v).toString(16).padStart(16, '0');

function describeRegisters(regs: readonly bigint[]): string {
  const parts = REG64.map((name, r) => (r === RSP ? '' : `${name.padStart(3)}=${hex64(regs[r])}`)).filter((s) => s);
  const lines: string[] = [];
  for (let i = 0; i < parts.length; i += 4) lines.push('    ' + parts.slice(i, i + 4).join('  '));
  return lines.join('\n');
}

function describeFlags(f: FlagBits): string {
  return FLAG_LETTERS.map((l) => `${l}F=${f[l]}`).join(' ');
}

function describeOutcome(o: Outcome): string {
  return o.fault === null ? 'returned' : `${o.fault} at +0x${o.offset.toString(16)}`;
}

/** The differences between the CPU's outcome and ours, or [] when they agree. */
function differences(c: Case, cpu: Outcome, ours: Outcome): string[] {
  if (cpu.fault !== ours.fault || (cpu.fault !== null && cpu.offset !== ours.offset)) {
    return [`outcome: cpu ${describeOutcome(cpu)}, machine ${describeOutcome(ours)}`];
  }
  const diffs: string[] = [];
  for (let r = 0; r < 16; r++) {
    if (r !== RSP && cpu.registers[r] !== ours.registers[r]) diffs.push(`${REG64[r]}: cpu ${hex64(cpu.registers[r])}, machine ${hex64(ours.registers[r])}`);
  }
  const defined = cpu.fault === null ? c.definedAtEnd : c.definedBefore.get(cpu.offset) ?? 0;
  FLAG_LETTERS.forEach((l, i) => {
    if ((defined & (1 << i)) !== 0 && cpu.flags[l] !== ours.flags[l]) diffs.push(`${l}F: cpu ${cpu.flags[l]}, machine ${ours.flags[l]}`);
  });
  return diffs;
}

function report(c: Case, cpu: Outcome, ours: Outcome, diffs: readonly string[]): string {
  const defined = cpu.fault === null ? c.definedAtEnd : c.definedBefore.get(cpu.offset) ?? 0;
  const listing = disassemble(Uint8Array.from([...c.bytes, 0xc3]))
    .map((l) => `    +0x${l.offset.toString(16).padStart(3, '0')}  ${hexBytes(l.bytes).padEnd(30)}  ${l.text}`)
    .join('\n');
  return [
    `MISMATCH: seed ${c.seed}, case ${c.index}  (replay: BEDROCK_SEED=${c.seed} BEDROCK_CASE=${c.index})`,
    '  source:',
    c.text.split('\n').map((l) => '  ' + l).join('\n'),
    '  bytes (with the final ret):',
    listing,
    '  initial registers:',
    describeRegisters(c.registers),
    `  initial flags: ${describeFlags(c.flags)}`,
    `  cpu: ${describeOutcome(cpu)}, flags ${describeFlags(cpu.flags)}; machine: ${describeOutcome(ours)}, flags ${describeFlags(ours.flags)}`,
    `  flags compared: ${flagLetters(defined) || 'none'}`,
    '  differences:',
    ...diffs.map((d) => '    ' + d),
  ].join('\n');
}

describe('execution against the real CPU', () => {
  if (!runnable) {
    it.skip(`SKIPPED: ${unavailable}`, () => {});
    return;
  }

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-cpu-'));
    harness = buildHarness(dir);
  });

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the harness runs code natively, and reports a divide error with its registers', () => {
    const bytes = (source: string): Uint8Array => {
      const r = assemble(source);
      if (!r.ok) throw new Error(source);
      return r.bytes;
    };
    const regs = Array.from({ length: 16 }, (_, r) => BigInt(r * 0x100));
    const flags: FlagBits = { C: 1, Z: 1, S: 1, O: 1, P: 1 };
    const [add, nothing, divide] = runNative(harness, [
      { registers: regs, flags, bytes: bytes('mov rax, -1; add rax, rbx') },
      { registers: regs, flags, bytes: new Uint8Array(0) },
      { registers: regs, flags, bytes: bytes('mov rsi, 9; xor rcx, rcx; idiv rcx; mov rsi, 1') },
    ]);
    expect(add.signal).toBe(0);
    expect(add.registers[0]).toBe(0x2ffn);
    expect(add.flags).toEqual({ C: 1, Z: 0, S: 0, O: 0, P: 1 });
    expect(nothing.signal).toBe(0);
    expect(nothing.flags).toEqual(flags);
    expect(nothing.registers.filter((_, r) => r !== RSP)).toEqual(regs.filter((_, r) => r !== RSP));
    expect(divide.signal).toBe(SIGFPE);
    expect(divide.offset).toBe(bytes('mov rsi, 9; xor rcx, rcx').length);
    expect(divide.registers[6]).toBe(9n);
    expect(divide.registers[1]).toBe(0n);
  });

  it('random sequences end with the registers and defined flags the CPU gives', () => {
    const seed = testSeed();
    const only = process.env.BEDROCK_CASE || undefined;
    const indexes = only !== undefined ? [Number(only)] : Array.from({ length: CASES }, (_, i) => i);
    console.log(`execution against the real CPU: seed ${seed} (replay with BEDROCK_SEED=${seed}), ${indexes.length} sequences`);
    const started = performance.now();

    // Both tiers run every sequence: the interpreter, and the translator (each batch one module).
    const runners = [new MachineRunner('interpret'), new MachineRunner('translate')];
    const failures: string[] = [];
    let mismatches = 0, instructions = 0, divideErrors = 0;
    const rowsSeen = new Set<number>();
    for (let start = 0; start < indexes.length; start += BATCH) {
      const cases = indexes.slice(start, start + BATCH).map((i) => generateCase(seed, i));
      const native = runNative(harness, cases);
      for (const runner of runners) runner.load(cases);
      cases.forEach((c, k) => {
        for (const row of c.rows) rowsSeen.add(row.id);
        instructions += c.rows.length;
        const cpu = nativeOutcome(native[k]);
        if (cpu.fault === 'DivideError') divideErrors++;
        for (const runner of runners) {
          const ours = runner.run(c, k);
          const diffs = differences(c, cpu, ours);
          if (diffs.length > 0) {
            mismatches++;
            if (failures.length < 5) failures.push(`(${runner === runners[0] ? 'interpreter' : 'translator'}) ` + report(c, cpu, ours, diffs));
          }
        }
      });
    }
    const ms = Math.round(performance.now() - started);
    console.log(`  ${indexes.length} sequences, ${instructions} instructions, ${divideErrors} divide errors, ${mismatches} mismatches, ${ms} ms`);
    if (mismatches > 0) {
      expect.fail(`${mismatches} of ${indexes.length} sequences differ from the CPU (seed ${seed}); the first ${failures.length}:\n\n${failures.join('\n\n')}`);
    }
    if (only === undefined && CASES >= 5000) {
      // Enough sequences that every row is all but certain to appear: check that it did.
      const missed = ROWS_UNDER_TEST.filter((r) => !rowsSeen.has(r.id)).map((r) => `${r.id} ${r.mnemonic} ${r.operands.join(', ')}`);
      expect(missed, 'table rows no sequence reached').toEqual([]);
      expect(divideErrors, 'sequences whose idiv raised #DE').toBeGreaterThan(0);
    }
  });
});
