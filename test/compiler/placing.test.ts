/*
 * Placing compiled code costs one layout (issue 17 item 6): a compiler lays its lines out at 0
 * to learn their size, allocates the code object, then places them there. Only the instructions
 * with a branch target outside the code (a call to the kernel's send) differ with the address,
 * so only they are encoded again (assembler.ts placeAt), and an instruction with no branch
 * target is encoded once and remembered (encoder.ts encode). Both are held here to what they
 * stand for: a fresh layout at the address, and a fresh encoding, differentially, seeded.
 */
import { describe, expect, it } from 'vitest';
import { assembleItems, placeAt } from '../../kernel/machine/x86/assembler.ts';
import { encode, encodeUncached } from '../../kernel/machine/x86/encoder.ts';
import type { Operand } from '../../kernel/machine/x86/operand.ts';
import { hexBytes } from '../../kernel/machine/x86/assembler.ts';
import { itemsAt } from '../../src/compiler/native.ts';
import type { Line } from '../../src/compiler/peephole.ts';
import { PLAIN_ROWS, randomInstruction, rngFor } from '../support/random-instructions.ts';
import { testSeed } from '../support/random.ts';
import { bootSystem } from '../support/system.ts';

const SEED = testSeed();
console.log(`[placing] seed ${SEED} (BEDROCK_SEED=${SEED} repeats this run)`);

const SOURCES = [
  '3 + 4',
  'Memory at: 100; put: 16r2A; put: 43',
  '#(1 2 3) inject: 0 into: [:a :b | a + b]',
  '(1 to: 10) collect: [:i | i * i]',
  'Object subclass: #Placed',
  'Placed extend: [ twice: x [ ^x * 2 ] ]',
  'Placed new twice: 21',
  '| t | t := 0. 1 to: 100 do: [:i | t := t + i]. t',
  '[:x | x > 3 ifTrue: [x] ifFalse: [x negated]] value: 2',
  '"a string" \'abc\' reversed , \'def\'',
  '100 factorial printString size',
  '[1/0] on: ZeroDivide do: [:e | e return: 5]',
];

describe('placing code at its address', () => {
  it('placeAt gives the bytes a fresh layout at the address gives, for the code the compiler makes', () => {
    const b = bootSystem({ backend: 'native' });
    const rng = rngFor(SEED, 'placing');
    let compared = 0, relocated = 0;
    for (const source of SOURCES) {
      const before = b.compiler.last;
      b.evaluate(source);
      const c = b.compiler.last;
      if (c === null || c === before) continue;
      const lines: readonly Line[] = c.native.lines;
      const laid = assembleItems(itemsAt(lines, 0));
      if (!laid.ok) throw new Error(laid.error.message);
      for (let k = 0; k < 8; k++) {
        const origin = 8 * rng.int(1, 1 << 24);
        const items = itemsAt(lines, origin);
        const fresh = assembleItems(items);
        if (!fresh.ok) throw new Error(fresh.error.message);
        const moved = placeAt(items, laid);
        // (null: it would not fit as laid out; the compiler then lays it out again)
        if (moved === null) { expect(fresh.bytes.length).not.toBe(laid.bytes.length); continue; }
        expect(hexBytes(moved), `${source} at ${origin}`).toBe(hexBytes(fresh.bytes));
        compared++;
        if (hexBytes(moved) !== hexBytes(laid.bytes)) relocated++;
      }
    }
    expect(compared).toBeGreaterThan(40);
    expect(relocated).toBeGreaterThan(0); // calls to the kernel's send moved with the code
  }, 60_000);

  it('a remembered encoding is the encoding, for random instructions of every plain row', () => {
    const rng = rngFor(SEED, 'remembered');
    let n = 0;
    for (const row of PLAIN_ROWS) {
      for (let i = 0; i < 4; i++) {
        const g = randomInstruction(rng, row);
        if (g.operands.some((op) => op.kind === 'label')) continue;
        const ops = g.operands as readonly Operand[];
        const fresh = encodeUncached(g.mnemonic, ops, g.hints, 0, 'auto');
        // Twice: the second answer comes from what the first remembered.
        for (let k = 0; k < 2; k++) {
          const r = encode(g.mnemonic, ops, g.hints);
          expect(r.ok, g.text).toBe(fresh.ok);
          if (r.ok && fresh.ok) expect(hexBytes(r.bytes), g.text).toBe(hexBytes(fresh.bytes));
        }
        n++;
      }
    }
    expect(n).toBeGreaterThan(200);
  });
});
