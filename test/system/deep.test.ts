/*
 * Deep recursion, as a user writes it, in both back ends: a recursion a million sends deep
 * runs (the machine stack grows as the heap does, kernel/memory/stack.ts), the stack is given
 * back afterwards, and a limit one sets with `Smalltalk stackLimit:` stops a runaway
 * recursion with a StackOverflow, after which the system goes on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/compiler/compiler.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

function boot(backend: Backend): Bedrock {
  const b = bootSystem({ backend, steps: 1_000_000_000 });
  if (typeof b === 'string') throw new Error(b);
  return b;
}

const DEPTH = 'Object depth: n -> ^n = 0 ifTrue: [0] ifFalse: [1 + (self depth: n - 1)]';

describe.each(['native', 'threaded'] as const)('deep recursion, %s', (backend) => {
  let b: Bedrock;
  beforeAll(() => { b = boot(backend); });

  it('a recursion 1,000,000 deep answers, and the stack is given back after', () => {
    const m = b.kernel.machine;
    // Defined and run shallow first: the first code placed after boot may open a new chunk of
    // the code space (2,048 cells), which is not what this measures.
    expect(b.run(`${DEPTH}\nnil depth: 10`)).toEqual(['Object>>depth:', '10']);
    const fixedTop = b.kernel.heap.fixedTop;
    expect(b.run('nil depth: 1000000\n3 + 4')).toEqual(['1000000', '7']);
    expect(m.onHomeStack).toBe(true);
    expect(b.kernel.heap.fixedTop).toBeLessThanOrEqual(fixedTop + 1024);
  });

  it('past the limit one sets, a StackOverflow ends the evaluation, and the system goes on', () => {
    expect(b.run('Smalltalk stackLimit')).toEqual([String(1 << 24)]);
    b.run('Smalltalk stackLimit: 200000');
    const [e] = b.evaluate('nil depth: 1000000');
    expect(e.kind).toBe('error');
    expect(e.text).toMatch(/^StackOverflow fault/);
    expect(b.run('nil depth: 10000\nSmalltalk stackLimit: 10')[0]).toBe('10000');
    expect(b.evaluate('Smalltalk stackLimit: 10')[0].text).toMatch(/the stack limit is a number of cells from 1024/);
    expect(b.run('Smalltalk stackLimit')).toEqual(['200000']);
  });

  it('the report of a runaway recursion names its receiver, or says it is not known: never a cell the prologue had not written', () => {
    b.run("Object subclass: #Runaway\nRunaway down: n -> ^self down: n + 1");
    // Limits a cell apart stop the recursion at each instruction of the prologue in turn.
    for (let limit = 200000; limit < 200000 + 16; limit++) {
      b.run(`Smalltalk stackLimit: ${limit}`);
      const [e] = b.evaluate('Runaway new down: 1');
      expect(e.kind, `limit ${limit}`).toBe('error');
      const frames = e.kind === 'error' ? e.frames ?? [] : [];
      const mine = frames.filter((f) => f.name === 'Runaway>>down:');
      expect(mine.length, `limit ${limit}`).toBeGreaterThan(1);
      expect(mine.slice(1).every((f) => f.receiver === 'a Runaway' && f.receiverClass === undefined), `limit ${limit}`).toBe(true);
      expect(['a Runaway', '?'], `limit ${limit}`).toContain(mine[0].receiver);
    }
    b.run('Smalltalk stackLimit: 200000');
  });
});
