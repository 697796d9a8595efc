/*
 * Sends: to numbers and to objects, through parents, shadowed by overrides, not understood;
 * the method cache invalidated by define and by forget; and the send site in machine code,
 * whose cost in instructions is the call plus three.
 */
import { describe, expect, it } from 'vitest';
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import { classIndexOf, slotPointer } from '../../kernel/objects/access.ts';
import { METHOD_KIND, MESSAGE, SERVICE } from '../../kernel/objects/layout.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { readLog } from '../../kernel/objects/marks.ts';
import { boot, code, num, ptr } from '../support/kernel.ts';

/** Define `selector` on the behaviour named `owner` with an x86 body (receiver in rax). */
function def(k: Kernel, owner: string, selector: string, body: string): void {
  const r = k.defineMethod({ selector, owner: k.behaviourNamed(owner), code: code(k, body), kind: METHOD_KIND.REGISTERS, source: `${owner} ${selector} -> ${body}` });
  if (typeof r === 'string') throw new Error(r);
}

/** A class Point (x, y) under Object, and one instance of it. */
function point(k: Kernel, x: number, y: number): number {
  const cls = k.makeBehaviour({ name: 'Point', parent: k.behaviourNamed('Object'), fixedSlots: 2 });
  if (typeof cls === 'string') throw new Error(cls);
  const index = Number(k.machine.cell(cls + 24));
  const p = k.heap.allocate(2, FORMAT_POINTERS, index, 0n, TAG_NUM);
  k.machine.setCell(p, BigInt(x), TAG_NUM);
  k.machine.setCell(p + 8, BigInt(y), TAG_NUM);
  return p;
}

describe('sends', () => {
  it('to numbers: SmallInteger is the class of every number', () => {
    const k = boot();
    def(k, 'SmallInteger', 'double', 'add rax, rax; ret');
    expect(k.sendMessage(num(21), 'double').value).toEqual(num(42));
    expect(k.sendMessage(num(-4), 'double').value).toEqual(num(-8));
  });

  it('to objects: the class index in the header chooses the behaviour', () => {
    const k = boot();
    const p = point(k, 3, 4);
    def(k, 'Point', 'x', 'mov rax, [rax]; ret');
    def(k, 'Point', 'y', 'mov rax, [rax+8]; ret');
    expect(k.sendMessage(ptr(p), 'x').value).toEqual(num(3));
    expect(k.sendMessage(ptr(p), 'y').value).toEqual(num(4));
  });

  it('through parents up to the VM object, and an override shadows without changing the old entry', () => {
    const k = boot();
    const p = point(k, 3, 4);
    def(k, 'Object', 'answer', 'mov rax, 1; ret');
    expect(k.sendMessage(ptr(p), 'answer').value).toEqual(num(1));
    expect(k.sendMessage(num(5), 'answer').value).toEqual(num(1));
    expect(k.sendMessage(ptr(p), 'yourself').value).toEqual(ptr(p)); // VM>>yourself
    def(k, 'Point', 'answer', 'mov rax, 2; ret');
    expect(k.sendMessage(ptr(p), 'answer').value).toEqual(num(2));
    expect(k.sendMessage(num(5), 'answer').value).toEqual(num(1));
    def(k, 'Object', 'answer', 'mov rax, 3; ret');
    expect(k.sendMessage(ptr(p), 'answer').value).toEqual(num(2));
    expect(k.sendMessage(num(5), 'answer').value).toEqual(num(3));
  });

  it('a send nothing answers sends doesNotUnderstand:, which by default reports the message', () => {
    const k = boot();
    const r = k.sendMessage(num(3), 'frobnicate');
    expect(r.fault?.kind).toBe('Service');
    expect(r.fault?.message).toBe('3 does not understand #frobnicate');
    k.machine.unwind();
    const p = point(k, 1, 2);
    expect(k.sendMessage(ptr(p), 'at:put:', [num(1), num(2)]).fault?.message).toBe('a Point does not understand #at:put:');
  });

  it('a class can answer doesNotUnderstand: itself, and gets the Message with its arguments', () => {
    const k = boot();
    const p = point(k, 1, 2);
    def(k, 'Point', 'doesNotUnderstand:', 'mov rax, rsi; ret');
    const r = k.sendMessage(ptr(p), 'between:and:', [num(10), num(20)]);
    expect(r.fault).toBeNull();
    const message = Number(r.value!.value);
    expect(k.describe(r.value!)).toBe('a Message');
    expect(k.symbols.text(slotPointer(k.machine, message, MESSAGE.SELECTOR))).toBe('between:and:');
    const args = slotPointer(k.machine, message, MESSAGE.ARGUMENTS);
    expect([k.machine.cell(args), k.machine.cell(args + 8)]).toEqual([10n, 20n]);
    expect(k.machine.register(4)).toBe(BigInt(k.machine.stackHi));
  });
});

describe('the method cache', () => {
  it('is filled by a send and invalidated by a definition of the same selector', () => {
    const k = boot();
    def(k, 'Object', 'which', 'mov rax, 1; ret');
    expect(k.sendMessage(num(0), 'which').value).toEqual(num(1));
    const hits = k.cache.hits;
    expect(k.sendMessage(num(0), 'which').value).toEqual(num(1));
    expect(k.cache.hits).toBe(hits + 1);
    def(k, 'SmallInteger', 'which', 'mov rax, 2; ret');
    expect(k.sendMessage(num(0), 'which').value).toEqual(num(2));
  });

  it('is flushed by forget, so the shadowed method answers again', () => {
    const k = boot();
    def(k, 'SmallInteger', 'which', 'mov rax, 1; ret');
    expect(k.mark('m')).toBeGreaterThan(0);
    def(k, 'SmallInteger', 'which', 'mov rax, 2; ret');
    expect(k.sendMessage(num(0), 'which').value).toEqual(num(2));
    expect(k.forget('m')).toBeNull();
    expect(k.sendMessage(num(0), 'which').value).toEqual(num(1));
    expect(k.forget('m')).toMatch(/there is no mark named 'm'/);
  });
});

describe('a send site in machine code', () => {
  it('is mov r10, mov r11, syscall, call: three instructions beyond the call', () => {
    const k = boot();
    def(k, 'SmallInteger', 'inc', 'add rax, 1; ret');
    const selector = k.symbols.intern('inc');
    const site = code(k, `mov r10, ${selector}; mov r11, ${SERVICE.SEND}; syscall; call r11; ret`);
    k.machine.setRegister(0, 41n);
    const r = k.machine.call(site);
    expect(r.fault).toBeNull();
    expect(k.machine.register(0)).toBe(42n);
    // mov, mov, syscall, call, then the method's add and ret, then the site's ret.
    expect(r.steps).toBe(7);
  });

  it('a selector register holding anything but a Symbol is a clear Service fault', () => {
    const k = boot();
    const site = code(k, `mov r10, 12345; mov r11, ${SERVICE.SEND}; syscall; call r11; ret`);
    const r = k.machine.call(site);
    expect(r.fault?.kind).toBe('Service');
    expect(r.fault?.message).toMatch(/r10 does not hold a selector/);
  });

  it('sends with arguments pop what they pushed (caller pops)', () => {
    const k = boot();
    def(k, 'SmallInteger', 'minus:', 'sub rax, rsi; ret');
    const selector = k.symbols.intern('minus:');
    const site = code(k, `mov rax, 50; push rax; mov rax, 8; mov r10, ${selector}; mov r11, ${SERVICE.SEND}; syscall; call r11; add rsp, 8; ret`);
    const r = k.machine.call(site);
    expect(r.fault).toBeNull();
    expect(k.machine.register(0)).toBe(42n);
    expect(k.machine.register(4)).toBe(BigInt(k.machine.stackHi));
    expect(classIndexOf(k.machine, k.behaviourNamed('SmallInteger'))).toBeGreaterThan(0);
  });
});

describe('sending from the host', () => {
  it('checks the number of arguments', () => {
    const k = boot();
    expect(k.sendMessage(num(1), 'at:put:', [num(1)]).fault?.message).toBe('#at:put: takes 2 arguments, not 1');
  });

  it('pointers and numbers keep their tags through a send', () => {
    const k = boot();
    const r = k.sendMessage(ptr(k.true), 'yourself');
    expect(r.value).toEqual({ value: BigInt(k.true), tag: TAG_PTR });
  });
});

describe('definitions are atomic', () => {
  it('a definition that cannot be made changes nothing: chain, log and answers stay', () => {
    const k = boot();
    const b = k.behaviourNamed('SmallInteger');
    // The first definition takes its arguments in the send convention, so it needs no adapter.
    expect(typeof k.defineMethod({ selector: 'a:b:c:d:e:f:', owner: b, code: code(k, 'mov rax, 1; ret'), kind: METHOD_KIND.SEND })).toBe('number');
    const head = k.machine.cell(b + 16);
    const logLength = readLogLength(k);
    // A primitive naming its parameters needs an adapter: when memory cannot hold it, the
    // definition cannot be made.
    const second = code(k, 'mov rax, 2; ret');
    const allocateCode = k.heap.allocateCode;
    k.heap.allocateCode = () => -1;
    const r = k.defineMethod({ selector: 'a:b:c:d:e:f:', owner: b, code: second, kind: METHOD_KIND.REGISTERS });
    k.heap.allocateCode = allocateCode;
    expect(r).toBe('out of memory');
    expect(k.machine.cell(b + 16)).toBe(head);
    expect(readLogLength(k)).toBe(logLength);
    const args = [num(1), num(2), num(3), num(4), num(5), num(6)];
    expect(k.sendMessage(num(0), 'a:b:c:d:e:f:', args).value).toEqual(num(1));
  });
});

function readLogLength(k: Kernel): number {
  return readLog(k).length;
}
