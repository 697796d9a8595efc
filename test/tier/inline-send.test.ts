/*
 * A call to a code object that begins with a send's hit path (kernel/machine/wasm/sendshape.ts,
 * the shape of Kernel>>send) is translated with that path inline: on a hit, one WebAssembly
 * call to the site's entry. Everything a program can see must stay the interpreter's: the
 * answer, the class register and the flags the path leaves (an object's path, a number's), the instructions counted (and
 * where a step limit stops, whatever it is), the faults of a poisoned receiver or site, a
 * site too short or whose entry is not code, a miss. Random cases, both tiers, seed printed.
 */
import { describe, expect, it } from 'vitest';
import { TAG_HDR, TAG_NUM, TAG_POISON, TAG_PTR } from '../../kernel/machine/cells.ts';
import type { Machine } from '../../kernel/machine/machine.ts';
import { Heap, heapOf } from '../../kernel/memory/heap.ts';
import { makeRandom, testSeed } from '../support/random.ts';
import { differences, machinePair, snapshot } from './compare.ts';
import { SEND } from './send-shape.ts';
import { bytesOf } from '../support/machine.ts';

const METHOD_A = 'add rax, 100\nret';
const METHOD_B = 'mov rdx, rcx\nadd rax, 200\nret';

/**
 * A caller of SEND: the site from its literal (so the translator guesses the site's entry) or
 * from rdx, the receiver from rbx; it answers rax + 1 and leaves the flags of its own add.
 */
function caller(fromLiteral: boolean): Uint8Array {
  // mov r10, [rip+d] is 7 bytes: the literal is the cell at 24
  const head = fromLiteral ? 'mov r10, [rip+17]' : 'mov r10, rdx\nnop\nnop\nnop\nnop';
  const code = bytesOf(`${head}\nmov r11, rbx\ncall 0x10000000\nadd rax, 1\nret`);
  const out = new Uint8Array(32).fill(0x90);
  out.set(code, 0);
  out.fill(0, 24);
  return out;
}

interface World {
  readonly send: number;
  readonly a: number;
  readonly b: number;
  readonly callers: readonly number[];
  readonly site: number;
  readonly shortSite: number;
  readonly objects: readonly number[];
  readonly other: number;
}

const CLASS_X = 7, CLASS_Y = 9, CLASS_NUMBER = 5;

function build(m: Machine): World {
  new Heap(m);
  const heap = heapOf(m);
  const send = m.loadCode(bytesOf(SEND));
  const a = m.loadCode(bytesOf(METHOD_A));
  const b = m.loadCode(bytesOf(METHOD_B));
  const site = heap.allocateFixed(3, 0, 0, 0n, TAG_NUM);
  const shortSite = heap.allocateFixed(2, 0, 0, 0n, TAG_NUM);
  const callers = [true, false].map((lit) => {
    const bytes = caller(lit);
    const c = m.loadCode(bytes);
    const call = bytes.indexOf(0xe8);
    new DataView(m.store.bytes.buffer, m.store.bytes.byteOffset).setInt32(c + call + 1, send - (c + call + 5), true);
    if (lit) m.setCell(c + 24, BigInt(site), TAG_PTR);
    return c;
  });
  const objects = [CLASS_X, CLASS_Y, CLASS_X].map((k) => heap.allocateFixed(2, 0, k, 0n, TAG_NUM));
  const other = heap.allocateFixed(1, 0, 3, 0n, TAG_NUM);
  // the site holds method A for class X when the callers are translated (the guess)
  m.setCell(site + 8, BigInt(CLASS_X), TAG_NUM);
  m.setCell(site + 16, BigInt(a), TAG_PTR);
  return { send, a, b, callers, site, shortSite, objects, other };
}

/** One random case, set up alike on a machine; which caller to run. */
function arrange(m: Machine, w: World, rnd: ReturnType<typeof makeRandom>): { code: number; steps: number; about: string } {
  // the third object is poisoned in some cases: put its header's tag back first
  const poisoned = w.objects[2];
  m.store.tags[(poisoned >> 3) - 1] = TAG_HDR;
  m.store.tags[(w.site >> 3) - 1] = TAG_HDR;
  m.store.tags[(w.site >> 3) + 1] = TAG_NUM;
  const receiver = rnd.below(12);
  const about: string[] = [];
  if (receiver < 5) { m.setRegister(3, BigInt(w.objects[0]), TAG_PTR); about.push('X'); }
  else if (receiver < 7) { m.setRegister(3, BigInt(w.objects[1]), TAG_PTR); about.push('Y'); }
  else if (receiver < 10) { m.setRegister(3, BigInt(rnd.below(100) - 50), TAG_NUM); about.push('number'); }
  else { m.setRegister(3, BigInt(poisoned), TAG_PTR); m.store.tags[(poisoned >> 3) - 1] = TAG_POISON; about.push('poisoned'); }
  const entry = rnd.below(10);
  if (entry < 5) { m.setCell(w.site + 16, BigInt(w.a), TAG_PTR); about.push('A'); }
  else if (entry < 7) { m.setCell(w.site + 16, BigInt(w.b), TAG_PTR); about.push('B'); }
  else if (entry < 8) { m.setCell(w.site + 16, BigInt(w.a), TAG_NUM); about.push('a number'); }
  else { m.setCell(w.site + 16, BigInt(w.other), TAG_PTR); about.push('not code'); }
  const key = rnd.below(10);
  m.setCell(w.site + 8, BigInt(key < 5 ? CLASS_X : key < 8 ? CLASS_NUMBER : CLASS_Y), TAG_NUM);
  if (key === 9) { m.store.tags[(w.site >> 3) + 1] = TAG_POISON; about.push('key poisoned'); }
  if (rnd.below(12) === 0) { m.store.tags[(w.site >> 3) - 1] = TAG_POISON; about.push('site poisoned'); }
  const lit = rnd.below(2) === 0;
  m.setRegister(2, BigInt(rnd.below(6) === 0 ? w.shortSite : w.site), TAG_PTR);
  if (!lit && m.register(2) === BigInt(w.shortSite)) about.push('short site');
  m.setRegister(0, BigInt(rnd.below(1000)), TAG_NUM);
  m.setRegister(1, 5n, TAG_NUM);
  const steps = rnd.below(3) === 0 ? 1 + rnd.below(16) : 1000;
  about.push(lit ? 'literal' : 'rdx', `steps ${steps}`);
  return { code: w.callers[lit ? 0 : 1], steps, about: about.join(', ') };
}

describe('a send\'s hit path done inline by the translator', () => {
  it('leaves everything as the interpreter does, on hits, misses, faults and every step limit (seed printed)', () => {
    const seed = testSeed();
    console.log(`inline-send seed: ${seed} (set BEDROCK_SEED=${seed} to replay)`);
    const [mi, mt] = machinePair({ cells: 1 << 16, fixedCells: 1 << 14, stackCells: 256 });
    const wi = build(mi), wt = build(mt);
    expect(wt).toEqual(wi);
    const ri = makeRandom(seed), rt = makeRandom(seed);
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const ci = arrange(mi, wi, ri), ct = arrange(mt, wt, rt);
      const a = snapshot(mi, mi.call(ci.code, { steps: ci.steps }), null);
      const b = snapshot(mt, mt.call(ct.code, { steps: ct.steps }), null);
      expect(differences(a, b), `case ${i}: ${ci.about}`).toEqual([]);
      seen.add(a.fault ? a.fault.kind : `answer ${mi.register(0) === -1n + 1n ? 'miss' : 'hit'}`);
    }
    // the cases reached hits, misses and faults
    expect(seen.has('answer hit')).toBe(true);
    expect(seen.has('answer miss')).toBe(true);
    expect([...seen].some((s) => !s.startsWith('answer'))).toBe(true);
    // and the callers ran translated, with the path inline
    for (const c of wt.callers) expect(mt.tier!.isTranslated(mt.cacheOf(c)!)).toBe(true);
  });
});
