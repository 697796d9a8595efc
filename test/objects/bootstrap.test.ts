/*
 * Genesis and the bootstrap objects: the heap genesis builds from nothing, and each of the
 * Memory, CPU, ALU, Boolean and VM methods executed on the machine (their behaviour is the
 * bytes' behaviour: patching a byte changes it).
 */
import { describe, expect, it } from 'vitest';
import { genesis } from '../../bootstrap/genesis.ts';
import { TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import { classIndexOf, slotPointer } from '../../kernel/objects/access.ts';
import { behaviourName, parentOf } from '../../kernel/objects/classes.ts';
import { BEHAVIOUR, CLASS } from '../../kernel/objects/layout.ts';
import { boot, closure, code, methodCode, num, ptr, runThreaded, threaded } from '../support/kernel.ts';
import { makeSendSite } from '../../kernel/objects/send.ts';

describe('genesis', () => {
  it('builds the behaviours, rooted at the VM object, each bound to a global', () => {
    const k = boot();
    const vm = k.behaviourNamed('VM');
    expect(vm).toBeGreaterThan(0);
    expect(parentOf(k, vm)).toBe(-1);
    for (const name of ['Object', 'Memory', 'CPU', 'ALU']) {
      const b = k.behaviourNamed(name);
      expect(behaviourName(k, b), name).toBe(name);
      expect(parentOf(k, b), name).toBe(vm);
    }
    expect(parentOf(k, k.behaviourNamed('Boolean'))).toBe(k.behaviourNamed('Object'));
    // Memory, CPU and ALU are their own single instances; an ordinary class is an instance of
    // its metaclass, whose parent is its parent's metaclass, up to Behaviour.
    expect(classIndexOf(k.machine, k.behaviourNamed('Memory'))).toBe(CLASS.Memory);
    const objectMeta = k.behaviour(classIndexOf(k.machine, k.behaviourNamed('Object')));
    expect(behaviourName(k, objectMeta)).toBe('Object class');
    expect(parentOf(k, objectMeta)).toBe(k.behaviourNamed('Behaviour'));
    expect(behaviourName(k, parentOf(k, k.behaviour(classIndexOf(k.machine, k.behaviourNamed('Boolean')))))).toBe('Object class');
    expect(k.describe(ptr(k.nil))).toBe('nil');
    expect(classIndexOf(k.machine, k.true)).toBe(CLASS.True);
  });

  it('installs every fragment as a method with its source', () => {
    const k = boot();
    const memory = k.behaviourNamed('Memory');
    const head = slotPointer(k.machine, memory, BEHAVIOUR.METHODS);
    expect(head).not.toBe(k.nil);
    for (const [b, sel] of [['Memory', 'at:'], ['Memory', 'put:'], ['CPU', 'eq:do:'], ['ALU', 'add:'], ['ALU', 'neg'], ['Boolean', 'ifTrue:'], ['VM', 'run:']]) {
      expect(methodCode(k, b, sel), `${b}>>${sel}`).toBeGreaterThan(0);
    }
  });

  it('reports a fragment that does not assemble, naming it and its line', () => {
    const r = genesis({ fragments: 'ALU add: aValue -> add rax, aValue; ret\nALU frob -> frobnicate rax\n' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/line 2: ALU>>frob: the body is not x86-64 \('frobnicate' is no instruction\)/);
    const bad = genesis({ fragments: 'ALU add: aValue -> add rax, aValue; ret\nALU frob -> mov rax, [rax+]; ret\n' });
    expect(!bad.ok && bad.error).toMatch(/ALU>>frob \(line 2\): line 1, column \d+: /);
    const missing = genesis({ fragments: 'Nowhere foo -> ret\n' });
    expect(!missing.ok && missing.error).toMatch(/there is no behaviour named Nowhere/);
  });
});

describe('Memory', () => {
  it('at: reads the cell, put: writes at the cursor and advances (the seed cascade)', () => {
    const k = boot();
    const memory = ptr(k.behaviourNamed('Memory'));
    k.machine.setCell(800, 42n, TAG_NUM);
    expect(k.sendMessage(memory, 'at:', [num(100)]).value).toEqual(num(42));
    // Memory at: 100; put: 16r2A; put: 43
    expect(k.sendMessage(memory, 'at:', [num(100)]).fault).toBeNull();
    expect(k.sendMessage(memory, 'put:', [num(0x2a)]).fault).toBeNull();
    expect(k.sendMessage(memory, 'put:', [num(43)]).fault).toBeNull();
    expect(k.machine.cell(800)).toBe(42n);
    expect(k.machine.cell(808)).toBe(43n);
    expect(k.machine.register(7)).toBe(102n);
    expect(k.sendMessage(memory, 'at:put:', [num(200), num(7)]).value).toEqual(num(7));
    expect(k.machine.cell(1600)).toBe(7n);
  });

  it('at: 16rCAFEBABE is a clear Bounds error, and the kernel goes on', () => {
    const k = boot();
    const r = k.sendMessage(ptr(k.behaviourNamed('Memory')), 'at:', [num(0xcafebabe)]);
    expect(r.fault?.kind).toBe('Bounds');
    expect(r.fault?.instruction).toBe('mov rax, [rdi*8]');
    expect(r.fault?.message).toMatch(/cell 3405691582\) is outside memory/);
    k.machine.unwind();
    expect(k.sendMessage(ptr(k.behaviourNamed('Memory')), 'cursor').value).toEqual(num(0xcafebabe));
  });
});

describe('ALU', () => {
  it('each operation, run as threaded code on the accumulator', () => {
    const k = boot();
    const load = methodCode(k, 'Threaded', 'load:');
    const exit = methodCode(k, 'Threaded', 'exit');
    const alu = (sel: string): number => methodCode(k, 'ALU', sel);
    const cases: [string, bigint, bigint | null, bigint][] = [
      ['add:', 40n, 2n, 42n], ['sub:', 40n, 2n, 38n], ['mul:', -6n, 7n, -42n], ['div:', -43n, 2n, -21n],
      ['mod:', -43n, 2n, -1n], ['and:', 0b1100n, 0b1010n, 0b1000n], ['or:', 0b1100n, 0b1010n, 0b1110n],
      ['xor:', 0b1100n, 0b1010n, 0b0110n], ['not', 0n, null, -1n], ['neg', 5n, null, -5n],
      ['add:', 2n ** 63n - 1n, 1n, -(2n ** 63n)],
    ];
    for (const [sel, a, b, expected] of cases) {
      const v = threaded(k, [[load, num(a)], [alu(sel), num(b ?? 0n)], [exit, num(0)]]);
      const r = runThreaded(k, v);
      expect(r.fault, sel).toBeNull();
      expect(r.value, `${a} ${sel} ${b}`).toEqual(num(expected));
    }
  });

  it('div: by zero is a DivideError inside the fragment', () => {
    const k = boot();
    const v = threaded(k, [[methodCode(k, 'Threaded', 'load:'), num(1)], [methodCode(k, 'ALU', 'div:'), num(0)], [methodCode(k, 'Threaded', 'exit'), num(0)]]);
    expect(runThreaded(k, v).fault).toMatch(/^DivideError: division by zero at idiv rsi/);
  });

  it('behaviour comes from the bytes: patching add: into sub: changes what it computes', () => {
    const k = boot();
    const add = methodCode(k, 'ALU', 'add:');
    const program = (): number => threaded(k, [[methodCode(k, 'Threaded', 'load:'), num(40)], [add, num(2)], [methodCode(k, 'Threaded', 'exit'), num(0)]]);
    expect(runThreaded(k, program()).value).toEqual(num(42));
    // add rax, rsi is 48 01 f0; 48 29 f0 is sub rax, rsi.
    expect(Array.from(k.machine.codeBytes(add).slice(0, 3))).toEqual([0x48, 0x01, 0xf0]);
    k.machine.patchCode(add, 1, 0x29);
    expect(runThreaded(k, program()).value).toEqual(num(38));
  });
});

describe('CPU and Boolean', () => {
  it('eq:do:, lt:do:, gt:do: call the block (a closure) only when the comparison holds', () => {
    const k = boot();
    const block = closure(k, code(k, 'mov rax, 99; ret'));
    const run = (sel: string, acc: bigint, x: bigint): bigint => {
      k.machine.setRegister(0, acc);
      k.machine.setRegister(6, x);
      k.machine.setRegister(2, k.heap.roots.value(held), TAG_PTR);
      const r = k.machine.call(methodCode(k, 'CPU', sel));
      expect(r.fault).toBeNull();
      return k.machine.register(0);
    };
    const held = k.heap.roots.add(BigInt(block), TAG_PTR);
    expect(run('eq:do:', 5n, 5n)).toBe(99n);
    expect(run('eq:do:', 5n, 6n)).toBe(5n);
    expect(run('lt:do:', -1n, 0n)).toBe(99n);
    expect(run('lt:do:', 0n, 0n)).toBe(0n);
    expect(run('gt:do:', 1n, 0n)).toBe(99n);
    expect(run('gt:do:', 0n, 1n)).toBe(0n);
  });

  it('call:with: calls the code with the argument on top of the stack', () => {
    const k = boot();
    const twice = code(k, 'add rax, rax; ret');
    const r = k.sendMessage(ptr(k.behaviourNamed('CPU')), 'call:with:', [ptr(twice), num(21)]);
    expect(r.value).toEqual(num(42));
  });

  it('ifTrue: and ifFalse: (in terms of CPU eq:do:) run the block for the right boolean', () => {
    const k = boot();
    const body = code(k, 'mov rax, 99; ret');
    const block = ptr(closure(k, body));
    expect(k.sendMessage(ptr(k.true), 'ifTrue:', [block]).value).toEqual(num(99));
    expect(k.sendMessage(ptr(k.false), 'ifTrue:', [block]).value).toEqual(ptr(k.false));
    expect(k.sendMessage(ptr(k.false), 'ifFalse:', [block]).value).toEqual(num(99));
    expect(k.sendMessage(ptr(k.true), 'ifFalse:', [block]).value).toEqual(ptr(k.true));
  });
});

describe('VM run: (threaded code)', () => {
  it('runs pairs of (method, operand), sends included, and leaves with exit', () => {
    const k = boot();
    const t = (sel: string): number => methodCode(k, 'Threaded', sel);
    // 3 yourself + 4, in pairs: load 3; lit 4 (pushes 3); send1 #+ ... here: ALU add: via a method on numbers.
    const plus = k.defineMethod({ selector: 'plus:', owner: k.behaviourNamed('SmallInteger'), code: methodCode(k, 'ALU', 'add:'), kind: 1 });
    expect(typeof plus).toBe('number');
    const v = threaded(k, [
      [t('load:'), num(3)],
      [t('send0:'), ptr(makeSendSite(k, k.symbols.intern('yourself')))],
      [t('lit:'), num(4)],
      [t('send1:'), ptr(makeSendSite(k, k.symbols.intern('plus:')))],
      [t('exit'), num(0)],
    ]);
    const r = runThreaded(k, v);
    expect(r.fault).toBeNull();
    expect(r.value).toEqual(num(7));
    expect(k.machine.register(4)).toBe(BigInt(k.machine.stackHi));
  });

  it('running off the end of the vector is a Bounds fault on the vector', () => {
    const k = boot();
    const v = threaded(k, [[methodCode(k, 'Threaded', 'load:'), num(1)]]);
    // The loop reads pair 1's operand (slot 3) first.
    expect(runThreaded(k, v).fault).toMatch(/^Bounds: slot 3 is past the end of the 2-slot object .* at mov rsi, \[rbp\+rbx\*8\+8\]/);
  });

  it('a pair whose method is not code is a Tag fault', () => {
    const k = boot();
    const v = threaded(k, [[k.nil, num(1)]]);
    expect(runThreaded(k, v).fault).toMatch(/^Tag: call target .* is not in a code object at call rcx/);
  });
});
