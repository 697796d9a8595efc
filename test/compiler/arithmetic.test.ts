/*
 * SmallInteger arithmetic inlined by both back ends (kernel/objects/arithmetic.ts): random
 * expressions over the special selectors, with operands as literals and as variables, near
 * the edges of 64 bits (where the inlined instruction overflows and the send must take over),
 * checked against BigInt; operands that are not SmallIntegers go to the send; and an override
 * of + is obeyed by code compiled before it, until forget takes it back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { codeOf } from '../support/guards.ts';
import type { Backend } from '../../src/compiler/compiler.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';
import { guardOffsets } from '../../kernel/objects/arithmetic.ts';

const BACKENDS: readonly Backend[] = ['native', 'threaded'];
const MIN = -(2n ** 63n), MAX = 2n ** 63n - 1n;

function boot(backend: Backend): Bedrock {
  const b = bootSystem({ backend });
  if (typeof b === 'string') throw new Error(b);
  return b;
}

function operand(r: Random): bigint {
  switch (r.below(4)) {
    case 0: return BigInt(r.below(201) - 100);
    case 1: return r.pick([MAX, MIN, MAX - 1n, MIN + 1n, 2n ** 62n, -(2n ** 62n), 2n ** 31n, -(2n ** 31n), 2n ** 31n - 1n, 3037000499n, 3037000500n]);
    case 2: return BigInt(r.below(2 ** 31)) * (r.chance(0.5) ? 1n : -1n);
    default: return r.int64();
  }
}

const OPS: readonly [string, (a: bigint, b: bigint) => string][] = [
  ['+', (a, b) => String(a + b)],
  ['-', (a, b) => String(a - b)],
  ['*', (a, b) => String(a * b)],
  ['<', (a, b) => String(a < b)],
  ['>', (a, b) => String(a > b)],
  ['<=', (a, b) => String(a <= b)],
  ['>=', (a, b) => String(a >= b)],
  ['=', (a, b) => String(a === b)],
  ['~=', (a, b) => String(a !== b)],
  ['bitAnd:', (a, b) => String(BigInt.asIntN(64, a & b))],
  ['bitOr:', (a, b) => String(BigInt.asIntN(64, a | b))],
  ['bitXor:', (a, b) => String(BigInt.asIntN(64, a ^ b))],
];

describe.each(BACKENDS)('inlined SmallInteger arithmetic (%s)', (backend) => {
  let b: Bedrock;
  beforeAll(() => { b = boot(backend); });

  it('agrees with BigInt on random operands, as literals, variables and in branches', () => {
    const seed = testSeed() + (backend === 'native' ? 0 : 1);
    console.log(`arithmetic seed (${backend}): ${seed} (BEDROCK_SEED replays)`);
    const r = makeRandom(seed);
    const lines: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 150; i++) {
      const [sel, f] = r.pick(OPS);
      const a = operand(r), c = operand(r);
      const want = f(a, c);
      // literal argument (fits 32 bits or not), variable argument, and a comparison feeding a branch
      lines.push(`| x | x := ${a}. x ${sel} ${c}`, `| x y | x := ${a}. y := ${c}. x ${sel} y`);
      expected.push(want, want);
      if (want === 'true' || want === 'false') {
        lines.push(`| x y | x := ${a}. y := ${c}. (x ${sel} y) ifTrue: [#yes] ifFalse: [#no]`);
        expected.push(want === 'true' ? '#yes' : '#no');
        // a branch whose target loads the variable just compared (the jump goes past the load)
        lines.push(`| x | x := ${a}. (x ${sel} ${c}) ifTrue: [x - 1] ifFalse: [x + 1]`, `| x | x := ${a}. (x ${sel} ${c}) ifFalse: [x - 1] ifTrue: [x + 1]`);
        expected.push(String(want === 'true' ? a - 1n : a + 1n), String(want === 'true' ? a + 1n : a - 1n));
      }
    }
    const out = b.run(lines.join('\n'));
    out.forEach((o, i) => expect(o, lines[i]).toBe(expected[i]));
    expect(out).toHaveLength(expected.length);
  });

  it('sends when an operand is not a SmallInteger', () => {
    expect(b.run("| x | x := 3. x + nil\n| x | x := $a. x < $b\n| x | x := 2 raisedTo: 70. x - 1 - (2 raisedTo: 70)\n| x | x := 'ab'. x = 'ab'\n| x | x := nil. x < 3 ifTrue: [1]"))
      .toEqual(['Error: cannot add nil to 3', 'true', '-1', 'true', 'nil does not understand #<']);
  });

  it('an override of + is obeyed by code compiled before it, and forget takes it back', () => {
    expect(b.run([
      // With + broken, printing recurses until the stack runs out: a small stack makes that quick.
      'Smalltalk stackLimit: 65536',
      'Object subclass: #Adder',
      'Adder add: n -> ^n + 1',
      'Adder new add: 41',
      'Smalltalk mark: #plain',
      'SmallInteger + aNumber -> ^#overridden',
      '(Adder new add: 41) == #overridden',
      '| x | x := 2. (x + 3) == #overridden',
      'Smalltalk forget: #plain',
      'Adder new add: 41',
    ].join('\n'))).toEqual(['Smalltalk', 'Adder', 'Adder>>add:', '42', 'Smalltalk', 'SmallInteger>>+',
      // (printing itself adds, so the REPL's printString fails over to the kernel's description)
      expect.stringMatching(/^true/), expect.stringMatching(/^true/), 'Smalltalk', '42']);
  });
});

/** The two bytes at each guard of `code`: 0f 85 (jnz, testing) or 90 e9 (nop; jmp, taken). */
function guardBytes(b: Bedrock, code: number): string[] {
  const bytes = b.kernel.machine.codeBytes(code);
  return guardOffsets(b.kernel.machine, code).map((o) => `${bytes[o].toString(16)} ${bytes[o + 1].toString(16)}`);
}

describe.each(['interpret', 'translate'] as const)('an override reaches every guard where it stands (tier %s)', (tier) => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend: 'native', machine: { tier } });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
  });

  it('switches the guards of code compiled before it, code compiled while it stands, and back at forget', () => {
    b.run(['Object subclass: #Guarded', 'Guarded mix: n with: m -> ^(n bitXor: 3) + (n bitXor: m)'].join('\n'));
    const before = codeOf(b, 'Guarded', 'mix:with:');
    expect(guardBytes(b, before)).toEqual(['f 85', 'f 85', 'f 85']);
    expect(b.run('Guarded new mix: 5 with: 1\nSmalltalk mark: #xor\nSmallInteger bitXor: n -> ^100\nGuarded new mix: 5 with: 1'))
      .toEqual(['10', 'Smalltalk', 'SmallInteger>>bitXor:', '200']);
    expect(guardBytes(b, before)).toEqual(['90 e9', '90 e9', '90 e9']);
    b.run('Guarded mix2: n -> ^n bitXor: 1');
    expect(guardBytes(b, codeOf(b, 'Guarded', 'mix2:'))).toEqual(['90 e9']);
    expect(b.run('Guarded new mix2: 6')).toEqual(['100']);
    expect(b.run('Smalltalk forget: #xor\nGuarded new mix: 5 with: 1')).toEqual(['Smalltalk', '10']);
    expect(guardBytes(b, before)).toEqual(['f 85', 'f 85', 'f 85']);
    // Compiled while the override stood, defined again after the forget: tested again.
    b.run('Guarded mix2: n -> ^n bitXor: 1');
    expect(guardBytes(b, codeOf(b, 'Guarded', 'mix2:'))).toEqual(['f 85']);
    expect(b.run('Guarded new mix2: 6')).toEqual(['7']);
  });

  it('a method running when the override is made, and a block stored before it, answer the newest definition', () => {
    b.run([
      'Object subclass: #Runner',
      // Halfway through the loop (when k is reached) bitXor: is redefined; the rest of the
      // iterations, in the same activation, must send it.
      "Runner run: k -> | s z | s := 0. z := 0. 1 to: 100 do: [:i | i = k ifTrue: [SmallInteger compile: 'bitXor: n ^1000']. s := s + (i bitXor: 0) + (i bitXor: z)]. ^s",
      'Smalltalk at: #Xor put: [:x | x bitXor: 1]',
    ].join('\n'));
    // Hot first (translated, on that tier), the override never reached.
    expect(b.run('(1 to: 40) inject: 0 into: [:a :j | a + (Runner new run: 0)]')).toEqual([String(40 * 2 * 5050)]);
    if (tier === 'translate') expect(b.kernel.machine.cacheOf(codeOf(b, 'Runner', 'run:'))!.translation).not.toBeNull();
    expect(b.run('Smalltalk mark: #running\nRunner new run: 51\nXor value: 4')).toEqual(['Smalltalk', String(2 * (50 * 51 / 2) + 2 * 50 * 1000), '1000']);
    expect(b.run('Smalltalk forget: #running\nRunner new run: 0\nXor value: 4')).toEqual(['Smalltalk', String(2 * 5050), '5']);
  });
});

describe('see shows the inlined arithmetic', () => {
  it('a tag test, the instruction and the send it falls back to', () => {
    const b = boot('native');
    b.run('Object subclass: #Counter\nCounter next: n -> ^n + 1');
    const [text] = b.run('Counter see: #next:');
    expect(text).toMatch(/lar rdx, ax +; send #\+/);
    expect(text).toMatch(/add rax, 1\n/);
    expect(text).toMatch(/jo /);
    expect(text).toMatch(/mov r10, \[rip\+[0-9a-fx]+\] +; = #\+\n.*mov r11, \[rsp\]\n.*call /);
  });
});
