/*
 * Native code answers + - * / < > <= >= = for two Floats in place (kernel/objects/float-arithmetic.ts,
 * native.ts inlineFloat): random values (Floats with NaNs, infinities and signed zeros among
 * them, SmallIntegers, Fractions, large integers, nil) through every shape, against the real
 * send (`perform:`, which runs Float's own methods) and, for two Floats, against IEEE 754 as
 * JavaScript computes it. A definition that changes what Float's lookup finds is obeyed by
 * code compiled before it, until a forget takes it back. Both tiers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { codeOf, guardBytes } from '../support/guards.ts';
import { GUARD_GROUP } from '../../kernel/objects/guards.ts';
import { makeRandom, testSeed } from '../support/random.ts';

/** Values, with the double each is when it is a Float (undefined: not a Float). */
const VALUES: readonly [string, number | undefined][] = [
  ['1.5', 1.5], ['-2.25', -2.25], ['0.0', 0], ['0.0 negated', -0], ['1.0e300', 1e300], ['3.0e-310', 3e-310],
  ['Float nan', NaN], ['Float infinity', Infinity], ['Float negativeInfinity', -Infinity], ['0.1', 0.1], ['7.0', 7],
  ['3', undefined], ['(1/3)', undefined], ['(2 raisedTo: 70)', undefined], ['nil', undefined],
];

const OPERATORS = ['+', '-', '*', '/', '<', '>', '<=', '>=', '='] as const;
type Operator = (typeof OPERATORS)[number];

/** What the operation answers for two doubles, printed as Bedrock prints it (via its own printString of the bits). */
function model(op: Operator, a: number, b: number): number | boolean {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '=': return a === b;
    case '<': return a < b;
    case '>': return a > b;
    case '<=': return a <= b;
    case '>=': return a >= b;
  }
}

/** The methods under test: the value, the value then a branch on it, the value under another on the stack. */
const SHAPES = (op: Operator): string[] => [
  `v${name(op)}: a with: b -> ^a ${op} b`,
  ...(['<', '>', '<=', '>=', '='].includes(op) ? [`b${name(op)}: a with: b -> ^(a ${op} b) ifTrue: [#yes] ifFalse: [#no]`] : []),
  `u${name(op)}: a with: b -> ^{7. a ${op} b}`,
];
function name(op: Operator): string { return { '+': 'Plus', '-': 'Minus', '*': 'Times', '/': 'Over', '<': 'Less', '>': 'More', '<=': 'AtMost', '>=': 'AtLeast', '=': 'Equal' }[op]; }
const selectorOf = (def: string): string => def.split(' ->')[0].split(' ').filter((_, i) => i % 2 === 0).join('');

describe.each(['interpret', 'translate'] as const)('Float arithmetic inlined for two Floats (tier %s)', (tier) => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend: 'native', machine: { tier } });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
    const out = b.run(['Object subclass: #Fl', ...OPERATORS.flatMap((op) => SHAPES(op)).map((d) => `Fl ${d}`),
      `Smalltalk at: #Values put: {${VALUES.map(([v]) => v).join('. ')}}`].join('\n'));
    expect(out.filter((o) => /error|not understand/i.test(o))).toEqual([]);
  });

  it('answers as the send does, and as IEEE 754 does for two Floats, on random values (seed printed)', () => {
    const seed = testSeed();
    console.log(`float inline seed: ${seed} (BEDROCK_SEED replays)`);
    const r = makeRandom(seed);
    const lines: string[] = [];
    const checks: { line: string; a: number | undefined; b: number | undefined; op: Operator; bits: boolean }[] = [];
    for (let n = 0; n < 80; n++) {
      const op = OPERATORS[r.below(OPERATORS.length)];
      const shapes = SHAPES(op);
      const def = shapes[r.below(shapes.length)];
      const i = r.below(VALUES.length), j = r.below(VALUES.length);
      const sel = selectorOf(def);
      const call = `Fl new ${sel.split(':')[0]}: (Values at: ${i + 1}) with: (Values at: ${j + 1})`;
      // the inlined copy and the real send print the same, errors included (the first
      // line of an error: its text)
      lines.push(`[${call}] on: Error do: [:e | e messageText]`);
      const send = `(Values at: ${i + 1}) perform: #${op} with: (Values at: ${j + 1})`;
      const wrapped = def.startsWith('b') ? `(${send}) ifTrue: [#yes] ifFalse: [#no]` : def.startsWith('u') ? `{7. ${send}}` : send;
      lines.push(`[${wrapped}] on: Error do: [:e | e messageText]`);
      // (a Float divided by ±0.0 is a ZeroDivide, the send's and the inlined path's alike)
      const bits = def.startsWith('v') && VALUES[i][1] !== undefined && VALUES[j][1] !== undefined && ['+', '-', '*', '/'].includes(op) && !(op === '/' && VALUES[j][1] === 0);
      checks.push({ line: call, a: VALUES[i][1], b: VALUES[j][1], op, bits });
      // the double, as bits, when both are Floats and the answer is a Float (printing aside)
      if (bits) lines.push(`(${call}) bits`);
    }
    const out = b.run(lines.join('\n'));
    let at = 0;
    for (const c of checks) {
      const inlined = out[at++], sent = out[at++];
      expect(inlined, `${c.line} (seed ${seed})`).toBe(sent);
      if (c.a === undefined || c.b === undefined) continue;
      const want = model(c.op, c.a, c.b);
      if (typeof want !== 'boolean' && !c.bits) continue;
      if (typeof want === 'boolean') {
        expect(inlined, `${c.line} (seed ${seed})`).toMatch(new RegExp(`^(${want}|#${want ? 'yes' : 'no'}|#\\(7 ${want}\\))$`));
      } else {
        const bits = new DataView(new ArrayBuffer(8));
        bits.setFloat64(0, want);
        const got = BigInt(out[at++]);
        if (Number.isNaN(want)) expect(Number.isNaN(new DataView(new BigInt64Array([got]).buffer).getFloat64(0, true)), c.line).toBe(true);
        else expect(got, `${c.line} (seed ${seed})`).toBe(bits.getBigInt64(0));
      }
    }
    expect(at).toBe(out.length);
  });

  it('inlines the operation behind a guard, and a definition in Float reaches code compiled before it until forget', () => {
    const plus = codeOf(b, 'Fl', 'vPlus:with:');
    expect(guardBytes(b, plus, GUARD_GROUP.FLOAT)).toEqual(['f 85']);
    const [see] = b.run('Fl see: #vPlus:with:');
    expect(see).toMatch(/addsd/);
    expect(b.run('Fl new vPlus: 1.5 with: 2.25')).toEqual(['3.75']);
    expect(b.run('Smalltalk mark: #floats\nFloat + aNumber -> ^#overridden\nFl new vPlus: 1.5 with: 2.25\n1.5 + 2.25'))
      .toEqual(['Smalltalk', 'Float>>+', '#overridden', '#overridden']);
    expect(guardBytes(b, plus, GUARD_GROUP.FLOAT)).toEqual(['90 e9']);
    // SmallIntegers keep their own inlined path
    expect(b.run('Fl new vPlus: 3 with: 4')).toEqual(['7']);
    expect(b.run('Smalltalk forget: #floats\nFl new vPlus: 1.5 with: 2.25')).toEqual(['Smalltalk', '3.75']);
    expect(guardBytes(b, plus, GUARD_GROUP.FLOAT)).toEqual(['f 85']);
  });

  it('a definition above Float (Number) does not change what Float finds, so the inlined path stays', () => {
    const plus = codeOf(b, 'Fl', 'vPlus:with:');
    expect(b.run('Smalltalk mark: #numbers\nNumber + aNumber -> ^#number\nFl new vPlus: 1.5 with: 2.25')).toEqual(['Smalltalk', 'Number>>+', '3.75']);
    expect(guardBytes(b, plus, GUARD_GROUP.FLOAT)).toEqual(['f 85']);
    b.run('Smalltalk forget: #numbers');
  });
});
