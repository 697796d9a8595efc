/*
 * The seed's examples (DESIGN.md section 5), verbatim, through the whole system: parsed,
 * compiled, run, in both back ends; and the native compilation of the seed's cascade, which
 * must come out as the seed's optimized listing.
 */
import { describe, expect, it } from 'vitest';
import { disassemble } from '../../kernel/machine/x86/disassembler.ts';
import { slotCount, slotPointer } from '../../kernel/objects/access.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import type { Backend } from '../../src/compiler/compiler.ts';

function boot(backend: Backend = 'native'): Bedrock {
  const b = bootSystem({ backend });
  if (typeof b === 'string') throw new Error(b);
  return b;
}

const SEED_DEFINITIONS = [
  'Memory at: anAddress -> mov rdi, rax; mov rax, [rdi*8]; ret',
  'Memory put: aValue  -> mov [rdi*8], rax; add rdi, 1; ret',
  'ALU add: aValue -> add rax, aValue',
  'Boolean ifFalse: aBlock -> CPU eq: 0 do: aBlock',
];

describe.each(['native', 'threaded'] as const)('the seed examples, %s', (backend) => {
  it('the definitions compile', () => {
    const b = boot(backend);
    expect(b.run(SEED_DEFINITIONS.join('\n'))).toEqual(['Memory>>at:', 'Memory>>put:', 'ALU>>add:', 'Boolean>>ifFalse:']);
  });

  it('Memory at: 100; put: 16r2A; put: 43, then (Memory at: 100) is 42', () => {
    const b = boot(backend);
    b.run(SEED_DEFINITIONS.slice(0, 2).join('\n'));
    expect(b.run('Memory at: 100; put: 16r2A; put: 43\n(Memory at: 100)')).toEqual(['43', '42']);
    expect(b.kernel.machine.cell(808)).toBe(43n);
  });

  it('Memory at: 16rCAFEBABE is a clear Bounds error, and the system goes on', () => {
    const b = boot(backend);
    const [error, after] = b.run('Memory at: 16rCAFEBABE\n3');
    expect(error).toMatch(/^Bounds fault at \+0x[0-9a-f]+ \(mov rax, \[rdi\*8\]\): address 0x657f5d5f0 \(cell 3405691582\) is outside memory/);
    expect(after).toBe('3');
  });

  it('ALU add: (a register primitive) adds its argument to the accumulator', () => {
    const b = boot(backend);
    b.run(SEED_DEFINITIONS[2]);
    // The accumulator is the value of the expression before: here 40.
    expect(b.run('40. ALU add: 2')).toEqual(['42']);
  });
});

describe('the seed cascade, compiled natively', () => {
  it('inlines the three fragments, and the peephole optimizer leaves the seed listing', () => {
    const b = boot('native');
    expect(b.run('Memory at: 16rCAFEBABE; put: 16rDEADBEEF; put: 16rFEEDFACE')[0]).toMatch(/Bounds fault|^-?\d+$/);
    const c = b.compiler.last!;
    const listing = disassemble(b.kernel.machine.codeBytes(c.nativeCode)).map((l) => l.text);
    const body = listing.slice(listing.indexOf('mov rdi, 0xcafebabe'), listing.indexOf('mov rsp, rbp'));
    expect(body).toEqual([
      'mov rdi, 0xcafebabe',
      'mov rax, 0xdeadbeef',
      'mov [rdi*8], rax',
      'add rdi, 1',
      'mov rax, 0xfeedface',
      'mov [rdi*8], rax',
      'add rdi, 1',
    ]);
    // The move through rax into rdi became one move, and the load whose result is overwritten is gone.
    expect(c.native.fired).toMatchObject({ 'move-through': 1, 'dead-write': 1 });
    // Each line knows where it came from: the inlined fragments are marked by their origin.
    const m = b.kernel.machine;
    const origins: string[] = [];
    for (let i = 0; i < slotCount(m, c.origins); i += 2) origins.push(b.kernel.textOf(slotPointer(m, c.origins, i + 1)));
    expect(origins).toEqual(expect.arrayContaining(['Memory>>at: (inlined)', 'Memory>>put: (inlined)']));
  });

  it('with the optimizer, the Memory writes happen just the same', () => {
    const b = boot('native');
    b.run('Memory at: 300; put: 7; put: 8');
    expect([b.kernel.machine.cell(2400), b.kernel.machine.cell(2408)]).toEqual([7n, 8n]);
  });

  it('the seed\'s Boolean ifFalse: compiles to CPU eq:do:\'s code, inlined, with the argument passed in place', () => {
    const b = boot('native');
    b.run(SEED_DEFINITIONS[3]);
    const code = b.compiler.methodCode('Boolean', 'ifFalse:')!;
    // The arguments move into the registers eq:do: takes them in (aBlock to rdx first, so
    // 0 can go to rsi), then eq:do:'s bytes follow, up to its ret: the block (a closure) is
    // called through its code slot. The 0 stays in rsi: the block might read it, so the
    // optimizer may not fold it into the cmp. A message-syntax body answers self (the
    // receiver, rax on entry, kept on the stack); `^CPU eq: 0 do: aBlock` would answer rax.
    expect(disassemble(b.kernel.machine.codeBytes(code)).map((l) => l.text)).toEqual([
      'push rax',
      'mov rdx, rsi',
      'mov rsi, 0',
      'cmp rax, rsi',
      'jne 0x15',
      'mov rax, rdx',
      'call qword ptr [rax]',
      'pop rax',
      'ret',
    ]);
  });
});
