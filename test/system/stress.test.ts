/*
 * Fractions, Points and Smalltalk at:put: under the stress collector (every allocation
 * collects, every 16th a major collection): their objects are made while their parts live
 * only in registers and on the stack, and the SYSTEM service defines a global while the value
 * it was given may move. Both back ends; the heap must verify afterwards.
 */
import { describe, expect, it } from 'vitest';
import { verifyHeap } from '../../kernel/memory/verify.ts';
import type { Backend } from '../../src/compiler/compiler.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

describe.each(['native', 'threaded'] as Backend[])('numbers and globals under the stress collector (%s)', (backend) => {
  it('give the same answers as without it', () => {
    const b = bootSystem({ backend });
    if (typeof b === 'string') throw new Error(b);
    const source = [
      '(1/3) + (1/6)',
      '((1 to: 12) inject: 0 into: [:s :k | s + (1/k)]) printString',
      '(3 @ 4) * (1/2) + 1',
      "Smalltalk at: #Kept put: (OrderedCollection new add: 1/3; add: 2 @ 5; yourself)",
      'Kept last x + Kept first',
      "Smalltalk at: #Kept put: ((2 raisedTo: 100) / 3) reciprocal",
      'Kept',
      '1000003 isPrime',
    ].join('\n');
    const calm = b.run(source);
    const majors = b.kernel.heap.stats.majorCollections;
    b.kernel.heap.stress = true;
    b.kernel.heap.stressMajorEvery = 16;
    let stressed: string[];
    try {
      stressed = b.run(source);
    } finally {
      b.kernel.heap.stress = false;
    }
    expect(calm).toEqual(['(1/2)', "'(86021/27720)'", '((5/2)@3)', 'an OrderedCollection((1/3) (2@5))', '(7/3)',
      '(3/1267650600228229401496703205376)', '(3/1267650600228229401496703205376)', 'true']);
    expect(stressed).toEqual(calm);
    expect(b.kernel.heap.stats.majorCollections - majors).toBeGreaterThan(5);
    expect(verifyHeap(b.kernel.heap)).toEqual([]);
  });
});
