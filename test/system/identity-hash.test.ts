/*
 * Identity hashes: 11 bits the allocator puts in a new object's header (kernel/memory/heap.ts),
 * mixed with the class's (Object>>identityHash). Distinct objects of one class hash apart, so a
 * Set or IdentityDictionary of them stays a hash table (it was one chain when every object
 * hashed as its class), and an object's hash survives the collector moving it and an image.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/compiler/compiler.ts';
import { bootSystem } from '../support/system.ts';

describe.each(['native', 'threaded'] as Backend[])('identity hashes (%s)', (backend) => {
  it('differ between objects of one class, and hold while the collector moves the object', () => {
    const b = bootSystem({ backend });
    const [distinct] = b.run('((1 to: 1000) collect: [:i | Object new identityHash]) asSet size');
    expect(Number(distinct)).toBeGreaterThan(700);
    b.run('Smalltalk at: #Kept put: (Array with: Object new with: (OrderedCollection new add: 3; yourself)).\nSmalltalk at: #KeptHashes put: (Kept collect: [:each | each identityHash])');
    b.kernel.heap.collect('minor');
    b.kernel.heap.collect('major');
    expect(b.run('(Kept collect: [:each | each identityHash]) = KeptHashes')).toEqual(['true']);
  });

  it('keep a Set and an IdentityDictionary of 20,000 objects within a modest instruction budget', () => {
    // With one hash for every object of a class this takes hundreds of billions of instructions.
    const b = bootSystem({ backend, steps: 400_000_000 });
    expect(b.run('| d s | d := IdentityDictionary new. s := Set new. 1 to: 20000 do: [:i | | o | o := Object new. d at: o put: i. s add: o]. d size + s size')).toEqual(['40000']);
  });
});
