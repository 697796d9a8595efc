/*
 * Guessed callees (kernel/machine/wasm/translate.ts, guessCallee): a unary send to the
 * answer of inlined arithmetic calls the method its site holds, `call [r10+SITE_ENTRY]`
 * (src/compiler/native.ts, sendToNumber). Translated when the site already held a method, it
 * calls that method's function directly while the site still holds it, and looks in the
 * table otherwise. The
 * answers must be the interpreter's after the site changes (a definition, receivers of other
 * classes, a forget), and a forget of the guessed method drops the caller's translation (its
 * function reached the callee's without the table).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CodeCache } from '../../kernel/machine/insn.ts';
import { behaviourIndex, lookup } from '../../kernel/objects/classes.ts';
import { slotPointer } from '../../kernel/objects/access.ts';
import { METHOD } from '../../kernel/objects/layout.ts';
import type { TierMode } from '../../kernel/machine/wasm/tier.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

function boot(tier: TierMode): Bedrock {
  const b = bootSystem({ backend: 'native', machine: { tier } });
  if (typeof b === 'string') throw new Error(b);
  return b;
}

/** The code object of the method `className` defines for `selector` (its newest). */
function codeOf(b: Bedrock, className: string, selector: string): CodeCache {
  const k = b.kernel, m = k.machine;
  const method = lookup(k, behaviourIndex(k, k.behaviourNamed(className)), k.symbols.intern(selector));
  if (method < 0) throw new Error(`no ${className}>>${selector}`);
  const code = m.codeContaining(slotPointer(m, method, METHOD.CODE));
  if (!code) throw new Error(`no code for ${className}>>${selector}`);
  return code;
}

const SETUP = [
  'Object subclass: #G',
  'Integer g -> ^self',
  'G g -> ^1000',
  'G run: n -> | s | s := 0. 1 to: n do: [:i | s := s + (i - 1) g]. ^s',
  'G mix: n -> | s | s := 0. 1 to: n do: [:i | s := s + (i odd ifTrue: [i] ifFalse: [self]) g + (i * 3) g]. ^s',
  'Smalltalk mark: #plain',
  'Integer g -> ^self + 1',
];
const WARM = ['G new run: 3000', 'G new run: 3000', 'G new run: 3000'];
const AFTER = [
  'Integer g -> ^self + 2',
  'G new run: 100',
  'G new mix: 100',
  'G new run: 100',
  'Smalltalk forget: #plain',
  'Smalltalk garbageCollect',
  'G new run: 100',
  'G new mix: 101',
];

describe('guessed callees', () => {
  let auto: Bedrock, expected: string[];
  beforeAll(() => {
    const reference = boot('interpret');
    expected = [...SETUP, ...WARM, ...AFTER].flatMap((line) => reference.run(line));
    auto = boot('auto');
  });

  it('are called directly while the site holds them, and the answers stay the interpreter\'s as the site changes', () => {
    const got = [...SETUP, ...WARM].flatMap((line) => auto.run(line));
    const caller = codeOf(auto, 'G', 'run:'), callee = codeOf(auto, 'Integer', 'g');
    expect(caller.translation, 'G>>run: translated after its loop ran hot').not.toBeNull();
    // The guess: Integer>>g (the site's method when G>>run: was translated) is among the code
    // objects whose loss drops G>>run:'s translation.
    expect(caller.translation!.targets.has(callee)).toBe(true);
    // A translation that reaches Integer>>g (self + 1) directly lives no longer than that code
    // object: the redefinition, the forget and a full collection free it, and the caller's translation goes with it.
    const m = auto.kernel.machine;
    let freed = false;
    for (const line of AFTER) {
      got.push(...auto.run(line));
      const live = m.codeContaining(callee.addr) === callee;
      if (!live) freed = true;
      if (caller.translation?.targets.has(callee)) expect(live, `after ${line}`).toBe(true);
    }
    expect(got).toEqual(expected);
    expect(freed, 'Integer>>g (self + 1) was freed').toBe(true);
  });
});
