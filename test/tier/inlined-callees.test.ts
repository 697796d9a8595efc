/*
 * Callees copied into their callers (kernel/machine/wasm/inline.ts): a small straight-line
 * method reached through a send's hit path (a call to Kernel>>send's shape) or through a
 * guessed `call [r10+16]` runs inside its caller's function when the site still holds it.
 * Everything a program can see must stay the interpreter's: random callee bodies (frames,
 * rbp and rsp moved, arithmetic and flags, the hit path's flags read, loads and stores in and
 * out of an object's bounds, the return address read or overwritten), sites whose entry
 * changes to another method, a number or no code (a redefinition), receivers of another
 * class, and step limits that stop anywhere, inside the copy too. Registers and tags, flags,
 * the fault, the instructions counted and all of memory are compared. Seed printed.
 */
import { describe, expect, it } from 'vitest';
import { TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import type { Machine } from '../../kernel/machine/machine.ts';
import { Heap, heapOf } from '../../kernel/memory/heap.ts';
import { knownRecords, recordCount } from '../../kernel/machine/wasm/tier.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';
import { differences, machinePair, snapshot } from './compare.ts';
import { SEND } from './send-shape.ts';
import { bytesOf } from '../support/machine.ts';
import { bootSystem } from '../support/system.ts';


const CLASS_X = 7, CLASS_Y = 9;

/** A random straight-line method body (what inline.ts copies), ending in ret. */
function calleeBody(rnd: Random): string {
  const out: string[] = [];
  const frame = rnd.below(2) === 0;
  if (frame) out.push('push rbp', 'mov rbp, rsp', 'push rax', 'push rax');
  const n = 1 + rnd.below(frame ? 6 : 9);
  for (let i = 0; i < n; i++) {
    out.push(rnd.pick([
      `add rax, ${rnd.below(100)}`, `sub rax, ${rnd.below(100)}`, 'imul rax, rax, 3', 'xor rdx, rdx', 'mov rdx, rcx',
      `cmp rax, ${rnd.below(200)}`, 'setl dl', 'setne dl', 'cmovg rax, rdx', 'cmovne rax, rcx', 'lar rdx, ax',
      `mov rdx, [r12+${8 * rnd.below(6)}]`, `mov [r12+${8 * rnd.below(6)}], rax`, 'mov rdx, [rsp]', 'mov rax, rbx',
      'push rax\npop rdx', 'sub rsp, 8\nadd rsp, 8', 'mov rbp, rax', 'nop', 'mov rax, r12',
      rnd.below(4) === 0 ? 'mov [rsp], rax' : 'mov rdx, [rsp+8]',
    ]));
  }
  if (frame) out.push(rnd.below(2) === 0 ? 'mov rax, [rbp-8]' : 'mov rax, [rbp-16]', 'mov rsp, rbp', 'pop rbp');
  out.push('ret');
  return out.join('\n');
}

interface World {
  readonly send: number;
  readonly callees: readonly number[];
  readonly callers: readonly number[];
  readonly site: number;
  readonly objects: readonly number[];
  readonly other: number;
  readonly slots: number;
}

/** A caller: the site from its literal (at cell 24), then a send through SEND, or a call through the site's entry. */
function callerBytes(viaSend: boolean): Uint8Array {
  // mov r10, [rip+17] is 7 bytes: the literal is the cell at 24
  const tail = viaSend ? 'mov r11, rbx\ncall 0x10000000' : 'call qword ptr [r10+16]';
  const code = bytesOf(`mov r10, [rip+17]\n${tail}\nadd rax, rdx\nadd rax, 1\nret`);
  const out = new Uint8Array(32).fill(0x90);
  out.set(code, 0);
  out.fill(0, 24);
  return out;
}

function build(m: Machine, bodies: readonly string[]): World {
  new Heap(m);
  const heap = heapOf(m);
  const send = m.loadCode(bytesOf(SEND));
  const callees = bodies.map((s) => m.loadCode(bytesOf(s)));
  const site = heap.allocateFixed(3, 0, 0, 0n, TAG_NUM);
  const callers = [true, false].map((viaSend) => {
    const bytes = callerBytes(viaSend);
    const c = m.loadCode(bytes);
    if (viaSend) {
      const call = bytes.indexOf(0xe8);
      new DataView(m.store.bytes.buffer, m.store.bytes.byteOffset).setInt32(c + call + 1, send - (c + call + 5), true);
    }
    m.setCell(c + 24, BigInt(site), TAG_PTR);
    return c;
  });
  const objects = [CLASS_X, CLASS_Y].map((k) => heap.allocateFixed(4, 0, k, 0n, TAG_NUM));
  const other = heap.allocateFixed(1, 0, 3, 0n, TAG_NUM);
  m.setCell(site + 8, BigInt(CLASS_X), TAG_NUM);
  m.setCell(site + 16, BigInt(callees[0]), TAG_PTR);
  return { send, callees, callers, site, objects, other, slots: 4 };
}

/** Set up one case alike on a machine (the first of a world: the guessed callee, a hit). */
function arrange(m: Machine, w: World, rnd: Random, first: boolean): { code: number; steps: number; about: string } {
  const about: string[] = [];
  const entry = first ? 0 : rnd.below(10);
  if (entry < 6) { m.setCell(w.site + 16, BigInt(w.callees[0]), TAG_PTR); about.push('guessed'); }
  else if (entry < 8) { m.setCell(w.site + 16, BigInt(w.callees[1]), TAG_PTR); about.push('redefined'); }
  else if (entry < 9) { m.setCell(w.site + 16, BigInt(w.callees[0]), TAG_NUM); about.push('a number'); }
  else { m.setCell(w.site + 16, BigInt(w.other), TAG_PTR); about.push('not code'); }
  const receiver = first ? 0 : rnd.below(8);
  m.setRegister(3, BigInt(w.objects[receiver < 6 ? 0 : 1]), TAG_PTR);
  about.push(receiver < 6 ? 'X' : 'Y');
  for (let k = 0; k < w.slots; k++) m.setCell(w.objects[0] + 8 * k, BigInt(k * 11), TAG_NUM);
  m.setRegister(0, BigInt(rnd.below(1000)), TAG_NUM);
  m.setRegister(2, BigInt(rnd.below(50)), TAG_NUM);
  m.setRegister(5, BigInt(rnd.below(1 << 20)), TAG_NUM);
  m.setRegister(12, BigInt(w.objects[0]), TAG_PTR);
  const steps = !first && rnd.below(3) === 0 ? 1 + rnd.below(30) : 1000;
  const viaSend = first ? rnd.below(2) === 0 : rnd.below(2) === 0;
  about.push(viaSend ? 'send' : 'call [r10+16]', `steps ${steps}`);
  return { code: w.callers[viaSend ? 0 : 1], steps, about: about.join(', ') };
}

describe('callees copied into their callers by the translator', () => {
  it('leave everything as the interpreter does: hits, redefinitions, faults inside, every step limit (seed printed)', () => {
    const seed = testSeed();
    console.log(`inlined callees: seed ${seed} (set BEDROCK_SEED=${seed} to replay)`);
    const seen = new Map<string, number>();
    for (let world = 0; world < 30; world++) {
      const rnd = makeRandom((seed ^ Math.imul(world + 1, 0x27d4eb2d)) >>> 0);
      const bodies = [calleeBody(rnd), calleeBody(rnd)];
      const [mi, mt] = machinePair({ cells: 1 << 15, fixedCells: 1 << 12, stackCells: 256 });
      const wi = build(mi, bodies), wt = build(mt, bodies);
      expect(wt).toEqual(wi);
      const whole: [number, number] = [0, mi.store.cellCount];
      const caseSeed = rnd.next();
      const ri = makeRandom(caseSeed), rt = makeRandom(caseSeed);
      for (let i = 0; i < 30; i++) {
        const ci = arrange(mi, wi, ri, i < 2), ct = arrange(mt, wt, rt, i < 2);
        const a = snapshot(mi, mi.call(ci.code, { steps: ci.steps }), whole);
        const b = snapshot(mt, mt.call(ct.code, { steps: ct.steps }), whole);
        expect(differences(a, b), `world ${world} case ${i}: ${ci.about}\n--- callee 0\n${bodies[0]}\n--- callee 1\n${bodies[1]}`).toEqual([]);
        const outcome = a.fault ? a.fault.kind : 'answer';
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
      }
      for (const c of wt.callers) expect(mt.tier!.isTranslated(mt.cacheOf(c)!)).toBe(true);
    }
    console.log(`outcomes: ${[...seen].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    expect(seen.get('answer') ?? 0).toBeGreaterThan(100);
    expect(seen.get('StepLimit') ?? 0).toBeGreaterThan(20);
    expect(seen.get('Bounds') ?? 0).toBeGreaterThan(0);
  });
});

describe('methods with a frame copied into their senders, in the system', () => {
  const PROGRAM = [
    'Object subclass: #P instanceVariableNames: \'x\'',
    'P p ->\n    | t |\n    t := 1.\n    ^t',
    'P q ->\n    | t |\n    t := x.\n    ^t',
    'P x: v -> x := v',
    // a redefinition of p while the loop that sends it runs translated
    'P class run: n -> | o s | o := self new x: 5. s := 0. 1 to: n do: [:i | i = 3000 ifTrue: [P compile: \'p | t | t := 2. ^t\']. s := s + o p + o q]. ^s',
    'P class again: n -> | o s | o := self new x: 7. s := 0. 1 to: n do: [:i | s := s + o p + o q]. ^s',
  ];
  const RUNS = ['P run: 5000', 'P again: 3000', 'P again: 100000', 'P run: 4000', 'P again: 2000'];

  function outcomes(tier: 'interpret' | 'auto', steps: readonly number[]): string[] {
    const b = bootSystem({ backend: 'native', machine: { tier } });
    if (typeof b === 'string') throw new Error(b);
    const texts: string[] = [];
    for (const line of PROGRAM) texts.push(...b.evaluate(line, {}).map((o) => `${o.kind}: ${o.text}`));
    for (const line of RUNS) texts.push(...b.evaluate(line, {}).map((o) => `${o.kind}: ${o.text}`));
    // stopped by a step limit anywhere in the loop (inside a copied method too), the same way
    for (const n of steps) texts.push(...b.evaluate('P again: 50000', { steps: n }).map((o) => `${o.kind}: ${o.text}`));
    texts.push(`instructions ${b.kernel.machine.totalSteps}`);
    return texts;
  }

  it('answer as the interpreter does, through a redefinition while running and step limits', () => {
    const seed = testSeed();
    const rnd = makeRandom(seed);
    console.log(`inlined callees in the system: seed ${seed}`);
    const steps = Array.from({ length: 6 }, () => 20_000 + rnd.below(400_000));
    const reference = outcomes('interpret', steps);
    expect(reference.join('\n')).toContain('value: 32001');
    expect(outcomes('auto', steps)).toEqual(reference);
  }, 120_000);
});

describe('a translation record with a copied callee', () => {
  it('fits another machine only where the copied callee is the same bytes', () => {
    const make = (body: string): { m: Machine; w: World } => {
      const [, m] = machinePair({ cells: 1 << 15, fixedCells: 1 << 12, stackCells: 256 });
      return { m, w: build(m, [body, 'ret']) };
    };
    const a = make('push rbp\nmov rbp, rsp\nadd rax, 1\npop rbp\nret');
    // (Counted by when each was remembered: past 512 the oldest records are dropped, and a
    // slice of the list from its length before would come back empty.)
    const since = recordCount();
    m0(a.m, a.w);
    const mine = knownRecords(since).find((r) => r.codes.some((c) => c.addr === a.w.callers[0]));
    expect(mine?.inlined.map((c) => c.addr)).toEqual([a.w.callees[0]]);
    // the same program: the record fits; a callee of the same length doing otherwise: it does not
    expect(make('push rbp\nmov rbp, rsp\nadd rax, 1\npop rbp\nret').m.tier!.matching(mine!)).not.toBeNull();
    expect(make('push rbp\nmov rbp, rsp\nadd rax, 2\npop rbp\nret').m.tier!.matching(mine!)).toBeNull();
  });
});

/** Run the send caller once on the guessed callee, so that it is translated. */
function m0(m: Machine, w: World): void {
  m.setRegister(3, BigInt(w.objects[0]), TAG_PTR);
  m.setRegister(12, BigInt(w.objects[0]), TAG_PTR);
  m.setRegister(0, 1n, TAG_NUM);
  m.setRegister(2, 0n, TAG_NUM);
  const r = m.call(w.callers[0], { steps: 1000 });
  expect(r.fault).toBeNull();
  expect(m.register(0)).toBe(3n);
}
