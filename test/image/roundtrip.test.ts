/*
 * Round trip: state built with definitions, overrides, marks, classes, globals and objects
 * (some young, some old); saved; opened in a fresh Session. The heap must be the same cell for
 * cell (and tag for tag), the heap verifier must find nothing, and a corpus of expressions
 * must answer the same in the session that saved and the one that opened; methods defined
 * before the save run, overrides still shadow, and marks made before the save can still be
 * forgotten to (bringing back what they shadowed). Both back ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyHeap } from '../../kernel/memory/verify.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { readLog } from '../../kernel/objects/marks.ts';
import { imageInfo } from '../../image/info.ts';
import { Session } from '../../src/session/session.ts';
import type { Backend } from '../../src/compiler/compiler.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-roundtrip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(path: string, backend?: Backend, lock = true): Session {
  const s = Session.open(path, { backend, lock });
  if (!(s instanceof Session)) throw new Error(`${s.check}: ${s.message}`);
  return s;
}

function ok(s: Session, source: string): string[] {
  const out = s.evaluate(source);
  const bad = out.find((o) => o.kind === 'error');
  if (bad) throw new Error(`${bad.source}: ${bad.text}`);
  return out.map((o) => o.text);
}

/** Cells and tags of every used part of memory, and the spaces' bounds, must be equal. */
function expectSameHeap(a: Kernel, b: Kernel): void {
  const ma = a.machine, mb = b.machine, ha = a.heap, hb = b.heap;
  expect([ma.lowCells, ma.fixedLo, ma.fixedHi, ha.fixedTop, ha.oldLo, ha.oldTop, ha.oldEnd, ha.nurseryLo, ha.nurseryTop, ma.store.cellCount])
    .toEqual([mb.lowCells, mb.fixedLo, mb.fixedHi, hb.fixedTop, hb.oldLo, hb.oldTop, hb.oldEnd, hb.nurseryLo, hb.nurseryTop, mb.store.cellCount]);
  expect(a.roots).toBe(b.roots);
  for (const [lo, hi] of [[0, ma.lowCells], [ma.fixedLo, ha.fixedTop], [ha.oldLo, ha.oldTop], [ha.nurseryLo, ha.nurseryTop]]) {
    const ca = Buffer.from(ma.store.bytes.buffer, ma.store.bytes.byteOffset + lo * 8, (hi - lo) * 8);
    const cb = Buffer.from(mb.store.bytes.buffer, mb.store.bytes.byteOffset + lo * 8, (hi - lo) * 8);
    expect(Buffer.compare(ca, cb), `cells ${lo}..${hi}`).toBe(0);
    const ta = Buffer.from(ma.store.tags.buffer, ma.store.tags.byteOffset + lo, hi - lo);
    const tb = Buffer.from(mb.store.tags.buffer, mb.store.tags.byteOffset + lo, hi - lo);
    expect(Buffer.compare(ta, tb), `tags ${lo}..${hi}`).toBe(0);
  }
  expect(b.symbols.size).toBe(a.symbols.size);
  expect(b.marks()).toEqual(a.marks());
  expect(readLog(b)).toEqual(readLog(a));
}

const SETUP = `
Object subclass: #Account instanceVariableNames: 'balance owner'
Account class owner: aString -> ^self new setOwner: aString
Account setOwner: aString -> owner := aString. balance := 0
Account balance -> ^balance
Account deposit: n -> balance := balance + n
Account owner -> ^owner
Account describe -> ^owner, ': ', balance printString
Account subclass: #Savings instanceVariableNames: 'rate'
Savings describe -> ^'savings ', super describe
Alice := Account owner: 'alice'
Alice deposit: 40; deposit: 2
Bob := Savings owner: 'bob'
Bob deposit: 100 factorial
Primes := (1 to: 60) select: [:i | i > 1 and: [(2 to: i - 1) allSatisfy: [:d | i \\\\ d ~= 0]]]
Memory at: 100 put: 16r2A
Counter := 0
Object subclass: #Shape
Shape area -> ^0
Shape subclass: #Square instanceVariableNames: 'side'
Square class side: n -> ^self new setSide: n
Square setSide: n -> side := n
Square area -> ^side * side
Blocks := Array with: [:x | x + 1] with: [:x | x * Counter] with: [:x | x bitXor: 1]
Object subclass: #Xor
Xor of: n -> ^n bitXor: 5
`;

const AFTER_MARK = `
Square area -> ^side * side * 1000
Account describe -> ^'overridden ', owner
Object subclass: #Transient
Transient hello -> ^'hello'
Late := Transient new hello
SmallInteger bitXor: n -> ^n + 1000
`;

const CORPUS = `
Alice balance
Alice describe
Bob describe size
Bob class
(Bob isKindOf: Account)
Primes
Primes size
(Square side: 7) area
Square new class name
Late
Transient new hello
(Blocks at: 1) value: 41
Counter := Counter + 1
(Blocks at: 2) value: 21
(Blocks at: 3) value: 3
Xor new of: 3
(Memory at: 100)
3 + 4
100 factorial printString size
Account canUnderstand: #deposit:
(1 to: 10) inject: 0 into: [:a :b | a + b]
#(1 $a 'str' #sym 2.5) printString
Smalltalk
`;

/** Evaluate a corpus item by item, errors included, as text. */
function answers(s: Session, corpus: string): string[] {
  return corpus.trim().split('\n').map((line) => s.evaluate(line).map((o) => `${o.kind}: ${o.text}`).join(' | '));
}

describe.each(['native', 'threaded'] as const)('round trip (%s)', (backend) => {
  it('the same heap, the same answers, marks that still forget', () => {
    const path = join(dir, `${backend}.image`);
    const a = open(path, backend);
    ok(a, SETUP);
    // Some objects old, some young.
    a.bedrock.kernel.heap.collect('minor');
    ok(a, 'Young := Array with: (Account owner: \'carol\') with: 3 with: \'young\'');
    expect(a.mark('base')).toBeNull();
    ok(a, AFTER_MARK);
    expect(a.mark('top')).toBeNull();
    expect(a.save()).toEqual({ ok: true });
    expect(a.unsavedChanges()).toBe(0);

    // Opened beside the session that saved it (which holds the image), to compare the two.
    const b = open(path, undefined, false);
    expect(b.bedrock.backend).toBe(backend);
    expect(b.pendingJournal()).toEqual([]);
    expectSameHeap(a.bedrock.kernel, b.bedrock.kernel);
    expect(verifyHeap(b.bedrock.kernel.heap)).toEqual([]);

    const before = answers(a, CORPUS);
    const after = answers(b, CORPUS);
    expect(after).toEqual(before);
    expect(after[0]).toBe('value: 42');
    expect(after[7]).toBe('value: 49000');
    expect(after.slice(14, 16)).toEqual(['value: 1001', 'value: 1005']); // bitXor: overridden, inlined copies too
    expect(answers(b, 'Young printString')).toEqual(answers(a, 'Young printString'));

    // Forget to the mark made before the save: the overrides go, the shadowed methods answer.
    expect(b.bedrock.kernel.marks()).toEqual(['top', 'base']);
    expect(b.forget('base')).toBeNull();
    expect(ok(b, '(Square side: 7) area\nAlice describe')).toEqual(['49', "'alice: 42'"]);
    // The override of an inlined selector (bitXor:) went with it: inlined copies answer the old one again.
    expect(ok(b, '(Blocks at: 3) value: 3\nXor new of: 3')).toEqual(['2', '6']);
    expect(b.evaluate('Transient')[0].kind).toBe('error');
    b.bedrock.kernel.heap.collect('major');
    expect(verifyHeap(b.bedrock.kernel.heap)).toEqual([]);
    // And it keeps working after a collection, and saves again.
    expect(ok(b, 'Alice deposit: 1; balance')).toEqual(['43']);
    expect(b.save()).toEqual({ ok: true });
    a.close(); // gives up the image
    const c = open(path);
    expect(ok(c, 'Alice balance\n(Square side: 3) area')).toEqual(['43', '9']);
    expect(c.bedrock.kernel.marks()).toEqual([]);
    const info = imageInfo(path);
    expect(info.ok).toBe(true);
    expect(info.lines.join('\n')).toMatch(/format {4}version 2/);
    for (const s of [a, b, c]) s.close();
  });
});
