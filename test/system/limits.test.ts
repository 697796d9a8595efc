/*
 * No input reaches the host's limits (issue 17, items 4 and 6): a chain of thousands of sends
 * compiles (the compiler walks chains in loops, not by recursion), an allocation memory cannot
 * meet is an OutOfMemory error the program catches, and the front end's cost grows linearly
 * with the source (the peephole optimizer, the assembler's layout, literal conversion).
 * Each case here exited 70 ("internal error") or took minutes before.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CellStore, cardsOffset, mapsOffset } from '../../kernel/machine/cells.ts';
import { imm, reg } from '../../kernel/machine/x86/operand.ts';
import { optimize, type Line } from '../../src/compiler/peephole.ts';
import { digitsValue } from '../../src/lang/lexer.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

function boot(options: Parameters<typeof Bedrock.boot>[0] = {}): Bedrock {
  const b = bootSystem(options);
  if (typeof b === 'string') throw new Error(b);
  return b;
}

describe.each(['native', 'threaded'] as const)('deep chains of sends, %s', (backend) => {
  let b: Bedrock;
  beforeAll(() => { b = boot({ backend }); });

  it('1 + 1 + ... + 1 (3,000 sends) and 3 yourself yourself ... (3,000) compile and answer', () => {
    expect(b.run(`1${' + 1'.repeat(3000)}`)).toEqual(['3001']);
    expect(b.run(`3${' yourself'.repeat(3000)}`)).toEqual(['3']);
    // In a method, with a keyword message and a cascade at the end of the chain.
    expect(b.run(`Object chain -> ^(2${' * 1'.repeat(1000)} max: 1${' + 0'.repeat(1000)}) printString; yourself\nnil chain`))
      .toEqual(['Object>>chain', '2']);
  });

  it('nesting past the documented depth is a syntax error, not a host crash', () => {
    const [e] = b.evaluate(`${'('.repeat(2000)}1${')'.repeat(2000)}`);
    expect(e.kind).toBe('error');
    expect(e.text).toMatch(/nested too deeply \(more than 400 levels\)/);
    expect(b.run('3 + 4')).toEqual(['7']);
  });
});

describe('an allocation memory cannot meet is an OutOfMemory error', () => {
  let b: Bedrock;
  beforeAll(() => { b = boot(); });

  it('Array new: 268435455 and String new: 2147483647 are caught by on: Error do:, and memory is not grown for them', () => {
    expect(b.run('[Array new: 268435455] on: Error do: [:e | e class]')).toEqual(['OutOfMemory']);
    expect(b.run('[String new: 2147483647] on: OutOfMemory do: [:e | e kind]')).toEqual(['#OutOfMemory']);
    expect(b.run('[Array new: 1099511627776] on: Error do: [:e | e messageText size > 0]')).toEqual(['true']);
    // Memory was not taken to its ceiling only to say no.
    expect(b.kernel.machine.store.cellCount).toBeLessThan(16 * 2 ** 20);
  });

  it('one nothing handles ends the evaluation with OutOfMemory, runs the ensure blocks, and the system goes on', () => {
    const [e] = b.evaluate("[Array new: 268435455] ensure: [Transcript show: 'ensured']");
    expect(e.kind).toBe('error');
    expect(e.text).toMatch(/^OutOfMemory fault .*out of memory/);
    expect(e.output).toBe('ensured');
    expect(b.run('(Array new: 3) size')).toEqual(['3']);
  });

  it('a collection growing past the memory ceiling is caught', () => {
    const small = boot({ heap: { maxCells: 3 * 2 ** 20 } });
    expect(small.run('| a | [a := Array new: 1000. [true] whileTrue: [a := Array new: a size * 2]] on: Error do: [:e | e class]'))
      .toEqual(['OutOfMemory']);
    expect(small.run('(Array new: 1000) size')).toEqual(['1000']);
  });

  it('at the most cells memory may hold, every offset of the layout stays below 2^31 (the card offset went negative above 238 M cells)', () => {
    for (const cells of [2 ** 27, CellStore.MAX_CELLS]) {
      expect(cardsOffset(cells)).toBeGreaterThan(cells * 9);
      expect(mapsOffset(cells) + 8 * 2 ** 20).toBeLessThan(2 ** 31);
    }
  });
});

describe('the front end costs time linear in the source', () => {
  it('the peephole optimizer on 140,000 lines with 20,000 branches (this overflowed the host stack)', () => {
    const I = (mnemonic: string, ...operands: object[]): Line => ({ mnemonic, operands, hints: {}, origin: '' }) as Line;
    const lines: Line[] = [];
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      lines.push({ label: `L${i}`, origin: '' }, I('mov', reg(6), imm(1n)), I('cmp', reg(0), imm(0n)),
        I('jne', { kind: 'label', name: `L${i + 1}` }), I('mov', reg(6), imm(2n)), I('push', reg(0)), I('pop', reg(1)));
    }
    lines.push({ label: `L${n}`, origin: '' }, I('ret'));
    const t = performance.now();
    const r = optimize(lines);
    expect(performance.now() - t).toBeLessThan(20_000);
    // rsi is written on every path before it is read, and dead at ret; so is rcx.
    expect(r.fired).toEqual({ 'dead-write': 3 * n, 'push-move': n });
  });

  it('a literal of a million digits converts in well under a second a radix', () => {
    const naive = (digits: string, radix: number): bigint => [...digits].reduce((v, d) => v * BigInt(radix) + BigInt(parseInt(d, radix)), 0n);
    for (const radix of [2, 7, 10, 16, 36]) {
      const digits = Array.from({ length: 3001 }, (_, i) => ((i * 7919) % radix).toString(radix)).join('');
      expect(digitsValue(digits, radix)).toBe(naive(digits, radix));
    }
    for (const [digits, radix] of [['7'.repeat(1_000_000), 10], ['6'.repeat(300_000), 7], ['z'.repeat(300_000), 36]] as const) {
      const t = performance.now();
      const v = digitsValue(digits, radix);
      expect(performance.now() - t).toBeLessThan(5_000);
      expect(v % BigInt(radix) ** 8n).toBe(naive(digits.slice(-8), radix));
    }
  });

  let b: Bedrock;
  beforeAll(() => { b = boot(); });

  it('a 300,000-digit literal in source compiles to the right LargeInteger, quickly', () => {
    const t = performance.now();
    expect(b.run(`(16r${'f'.repeat(300_000)} + 1) = (1 bitShift: 1200000)`)).toEqual(['true']);
    expect(b.run(`(${'9'.repeat(2000)} + 1) printString size`)).toEqual(['2001']);
    expect(performance.now() - t).toBeLessThan(30_000);
  });

  it('1,000 statements on one line compile and run', () => {
    const t = performance.now();
    expect(b.run(`| x | x := 0. ${'x := x + 1. '.repeat(1000)}x`)).toEqual(['1000']);
    expect(performance.now() - t).toBeLessThan(30_000);
  });
});
