/*
 * A redefinition reaches every copy (src/compiler/dependents.ts), in both back ends: a method
 * whose code has a primitive in it (copied by the native compiler, called by threaded code)
 * or jumps to a method by address is compiled again when that primitive is redefined, so the
 * newest definition answers everywhere and `see` shows the new fragment; a forget back past
 * the redefinition brings the old method and the old dependent back together.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

describe.each(['native', 'threaded'] as const)('redefinition reaches every copy, %s', (backend) => {
  let b: Bedrock;
  beforeEach(() => {
    const booted = bootSystem({ backend });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
  });
  const run = (source: string): string[] => b.run(source);

  it('a method that inlined Memory put: uses the new put: once it is redefined, and shows it', () => {
    run('Object subclass: #P\nP w -> Memory at: 300; put: 7. ^self');
    expect(run('P new w. Memory at: 301; put: 0. Memory at: 300')).toEqual(['7']);
    // The new put: stores twice the value, and moves the cursor by 2.
    const [defined] = b.evaluate('Memory put: aValue -> mov rcx, rax; add rcx, rax; mov [rdi*8], rcx; add rdi, 2; ret');
    expect(defined.text).toBe('Memory>>put:');
    expect(run('Memory at: 301; put: 7\nMemory at: 301')).toEqual(['7', '14']);
    expect(run('P new w. Memory at: 300')).toEqual(['14']);
    expect(run('(P >> #w) see')[0]).toMatch(/add rcx, rax[\s\S]*add rdi, 2/);
  });

  it('forget back past the redefinition: the old put: and the method as it was', () => {
    run('Object subclass: #P\nP w -> Memory at: 300; put: 7. ^self\nSmalltalk mark: #before');
    run('Memory put: aValue -> mov rcx, rax; add rcx, rax; mov [rdi*8], rcx; add rdi, 1; ret');
    expect(run('P new w. Memory at: 300')).toEqual(['14']);
    expect(run('Smalltalk forget: #before\nP new w. Memory at: 300')).toEqual(['Smalltalk', '7']);
    expect(run('(P >> #w) see')[0]).not.toMatch(/add rcx, rax/);
    // And forward again.
    run('Memory put: aValue -> mov rcx, rax; add rcx, 1; mov [rdi*8], rcx; add rdi, 1; ret');
    expect(run('P new w. Memory at: 300')).toEqual(['8']);
  });

  it('a dependent of a dependent follows: a machine method inlined into another method', () => {
    // Memory store: is itself a primitive (a machine method), inlined into Q>>put.
    run('Memory store: v at: a -> Memory at: a; put: v\nObject subclass: #Q\nQ put -> Memory store: 5 at: 310. ^self');
    expect(run('Q new put. Memory at: 310')).toEqual(['5']);
    run('Memory put: aValue -> mov rcx, rax; add rcx, 100; mov [rdi*8], rcx; add rdi, 1; ret');
    expect(run('Q new put. Memory at: 310')).toEqual(['105']);
  });

  it('an assembly body that jumps to a method by name follows its redefinition (Boolean ifTrue: and CPU eq:do:)', () => {
    // ifTrue: with a block in a variable is a send to Boolean>>ifTrue:, which jumps to CPU>>eq:do:.
    expect(run('| blk | blk := [5]. true ifTrue: blk')).toEqual(['5']);
    run('CPU eq: aValue do: aBlock -> cmp rax, aValue; jne skip; mov rax, 42; skip: ret');
    expect(run('| blk | blk := [5]. true ifTrue: blk')).toEqual(['42']);
  });
});
