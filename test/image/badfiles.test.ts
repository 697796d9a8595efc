/*
 * Bad image files: each gives one clear error naming the check that failed, never an
 * exception or a hang, and opening one changes nothing. Truncations at many lengths, random
 * bit flips (caught by the checksums), an empty file, a text file; then forgeries written
 * back with correct checksums, as a hostile writer would make them, so that the checks behind
 * the checksums are reached: pointers into the middle of objects or out of memory, header
 * tags inside objects, impossible headers, a bad geometry, a too-new or unknown version, a
 * foreign layout, broken kernel structures (roots, behaviours, a cycle in a method chain, a
 * mark's heads), and random mutations.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAG_HDR, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import { slotPointer } from '../../kernel/objects/access.ts';
import { BEHAVIOUR, ENTRY, MARK, ROOTS } from '../../kernel/objects/layout.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { describeImageError, type ImageCheck, type ImageError, MAGIC } from '../../image/format.ts';
import { loadImage, openImage } from '../../image/open.ts';
import { saveImage } from '../../image/save.ts';
import { Session } from '../../src/session/session.ts';
import { assemble, forge, genesisKernel, getCell, parse, setCell } from './forge.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const good = join(dir, 'good.image');
let kernel: Kernel;
let bytes: Uint8Array;

const seed = Number(process.env.BEDROCK_SEED ?? Date.now() % 1_000_000);
function rng(s: number): () => number {
  let x = s >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; };
}

beforeAll(() => {
  kernel = genesisKernel();
  const m = kernel.mark('before');
  if (typeof m === 'string') throw new Error(m);
  const r = saveImage(kernel, good, { backend: 'native', journal: { id: 'test', seq: 0, offset: 0 } });
  if (!r.ok) throw new Error(r.error);
  bytes = new Uint8Array(readFileSync(good));
  console.log(`bad files: seed ${seed} (BEDROCK_SEED=${seed} to replay)`);
});

let n = 0;
/** Write `data` to a new file and open it: the error (failing the test if it opened). */
function refused(data: Uint8Array | string): ImageError {
  const path = join(dir, `bad-${n++}.image`);
  writeFileSync(path, data);
  const r = loadImage(path);
  if (r.ok) throw new Error('a bad image opened');
  expect(typeof r.message).toBe('string');
  expect(r.message.length).toBeGreaterThan(5);
  expect(r.message).not.toMatch(/\n/);
  rmSync(path);
  return r;
}

function expectCheck(data: Uint8Array | string, check: ImageCheck, pattern?: RegExp): void {
  const e = refused(data);
  expect(`${e.check}: ${e.message}`).toMatch(new RegExp(`^${check}: `));
  if (pattern) expect(e.message).toMatch(pattern);
}

describe('bad image files', () => {
  it('the good image opens', () => {
    const r = openImage(good);
    expect(r.ok).toBe(true);
  });

  it('an empty file, a text file, a missing file', () => {
    expectCheck(new Uint8Array(0), 'magic', /empty/);
    expectCheck('Object subclass: #Point\nPoint x -> ^x\n', 'magic', /not an image/);
    expectCheck(bytes.slice(0, 5), 'size', /truncated/);
    const missing = loadImage(join(dir, 'nothing.image'));
    expect(missing.ok === false && missing.check).toBe('file');
  });

  it('truncated at many lengths', () => {
    const lengths = new Set<number>();
    for (let i = 0; i < 64; i++) lengths.add(i);
    for (let i = 1; i < 60; i++) lengths.add(Math.floor(bytes.length * i / 60));
    lengths.add(bytes.length - 1);
    for (const len of lengths) {
      const e = refused(bytes.slice(0, len));
      expect(['magic', 'size']).toContain(e.check);
      if (len >= MAGIC.length) expect(e.message).toMatch(/truncated/);
    }
    // Bytes after the end are damage too.
    expectCheck(new Uint8Array([...bytes, 0]), 'size', /after the image's end/);
  });

  it('random bit flips are caught', () => {
    const next = rng(seed);
    const positions = [0, 13, 14, 16, 18, 19, 25, 60];
    const hlen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(15, false);
    positions.push(19 + hlen, 19 + hlen + 3, 24 + hlen, 29 + hlen, bytes.length - 1);
    for (let i = 0; i < 50; i++) positions.push(Math.floor(next() * bytes.length));
    for (const at of positions) {
      const copy = bytes.slice();
      copy[at] ^= 1 << Math.floor(next() * 8);
      const e = refused(copy);
      expect(['magic', 'header', 'checksum', 'size', 'payload', 'version']).toContain(e.check);
    }
    // Many flips at once.
    const copy = bytes.slice();
    for (let i = 0; i < 200; i++) copy[Math.floor(next() * copy.length)] ^= 0xff;
    refused(copy);
  });

  it('forged pointers', () => {
    const roots = kernel.roots;
    const nilSlot = (roots >> 3) + ROOTS.NIL;
    const table = slotPointer(kernel.machine, roots, ROOTS.CLASS_TABLE);
    expectCheck(forge(good, (p) => setCell(p, nilSlot, BigInt(table + 8), TAG_PTR)), 'pointers', /not the first slot of an object/);
    expectCheck(forge(good, (p) => setCell(p, nilSlot, 1n << 40n, TAG_PTR)), 'pointers');
    expectCheck(forge(good, (p) => setCell(p, 100, 8n * 5000n, TAG_PTR)), 'pointers'); // low memory, into a free chunk or slot
    expectCheck(forge(good, (p) => setCell(p, nilSlot, 12345n, 3)), 'pointers', /code address/);
    expectCheck(forge(good, (p) => setCell(p, nilSlot, 8n, 4)), 'pointers', /stack address/);
  });

  it('a code object whose literal area is forged (its count past the object, or not a number)', () => {
    const send = slotPointer(kernel.machine, kernel.roots, ROOTS.SEND);
    const h = (send >> 3) - 1;
    const last = h + kernel.machine.store.cells32[2 * h];
    expect(kernel.machine.store.cells[last]).toBeGreaterThan(0n); // Kernel>>send reads the roots from its literal area
    expectCheck(forge(good, (p) => setCell(p, last, 1n << 20n, TAG_NUM)), 'heap');
    expectCheck(forge(good, (p) => setCell(p, last, -1n, TAG_NUM)), 'heap');
  });

  it('forged headers and tags in the heap', () => {
    const roots = kernel.roots;
    const h = (roots >> 3) - 1;
    expectCheck(forge(good, (p) => setCell(p, (roots >> 3) + 1, 0n, TAG_HDR)), 'heap', /header inside an object/);
    expectCheck(forge(good, (p) => setCell(p, h, getCell(p, h).value + 0x7fffffffn, TAG_HDR)), 'heap', /runs past/);
    expectCheck(forge(good, (p) => setCell(p, h, getCell(p, h).value, TAG_NUM)), 'heap', /should begin an object/);
    expectCheck(forge(good, (p) => setCell(p, h, getCell(p, h).value | (7n << 32n), TAG_HDR)), 'heap', /format 7/);
    expectCheck(forge(good, (p) => setCell(p, 7, 0n, 9)), 'heap', /no tag/);
  });

  it('bad headers: fields, geometry, version, layout', () => {
    const withHeader = (f: (h: Record<string, any>) => void): Uint8Array => forge(good, (p) => f(p.header as unknown as Record<string, any>));
    expectCheck(withHeader((h) => { h.format = 3; }), 'version', /format version 3 is newer than this Bedrock reads \(2\)/);
    expectCheck(withHeader((h) => { h.format = 0; }), 'version');
    expectCheck(withHeader((h) => { h.format = 1; }), 'version', /format version 1 is not one this Bedrock reads \(2\)/);
    expectCheck(withHeader((h) => { delete h.heap; }), 'header', /heap/);
    expectCheck(withHeader((h) => { h.machine.cells = 'many'; }), 'header', /machine\.cells/);
    expectCheck(withHeader((h) => { h.layout = '0000'; }), 'layout');
    expectCheck(withHeader((h) => { h.heap.fixedTop = h.machine.fixedHi + 64; }), 'geometry');
    expectCheck(withHeader((h) => { h.heap.oldTop = h.heap.oldEnd + 1; }), 'geometry');
    expectCheck(withHeader((h) => { h.machine.cells = 2 ** 40; }), 'geometry');
    expectCheck(withHeader((h) => { h.kernel.roots = 8; }), 'geometry', /roots/);
    // The fixed segment begins after the machine's own stack and exit stub, which an image does not hold.
    expectCheck(withHeader((h) => { h.segments[1].cells += h.segments[1].first - h.machine.lowCells; h.segments[1].first = h.machine.lowCells; }), 'geometry', /segment 1 is fixed/);
    // A header that is MessagePack but not a map, with a correct checksum.
    const p = parse(bytes);
    expectCheck(assemble({ header: 'not a map', segments: p.segments }), 'header', /not a map/);
  });

  it('broken kernel structures', () => {
    const m = kernel.machine;
    const cellOf = (p: number, slot: number): number => (p >> 3) + slot;
    const object = kernel.behaviourNamed('ALU');
    const head = slotPointer(m, object, BEHAVIOUR.METHODS);
    expect(head).not.toBe(kernel.nil);
    // A cycle in ALU's method chain.
    expectCheck(forge(good, (p) => setCell(p, cellOf(head, ENTRY.NEXT), BigInt(head), TAG_PTR)), 'chains', /cycle/);
    // A method entry whose method is not a CompiledMethod (nil is allowed: a removed selector).
    expectCheck(forge(good, (p) => setCell(p, cellOf(head, ENTRY.METHOD), BigInt(kernel.true), TAG_PTR)), 'chains');
    // The class table naming a symbol as a behaviour.
    const table = slotPointer(m, kernel.roots, ROOTS.CLASS_TABLE);
    const sym = kernel.symbols.intern('doesNotUnderstand:');
    expectCheck(forge(good, (p) => setCell(p, cellOf(table, 5), BigInt(sym), TAG_PTR)), 'behaviours');
    // A parent cycle.
    expectCheck(forge(good, (p) => setCell(p, cellOf(object, BEHAVIOUR.PARENT), BigInt(object), TAG_PTR)), 'behaviours', /cycle/);
    // The roots elsewhere.
    expectCheck(forge(good, (p) => { (p.header.kernel as { roots: number }).roots = kernel.nil; }), 'kernel');
    // nil that is not nil.
    expectCheck(forge(good, (p) => setCell(p, cellOf(kernel.roots, ROOTS.NIL), BigInt(kernel.true), TAG_PTR)), 'kernel', /nil/);
    // A mark recording more classes than its heads hold.
    const mk = slotPointer(m, kernel.roots, ROOTS.MARKS);
    expectCheck(forge(good, (p) => setCell(p, cellOf(mk, MARK.CLASS_COUNT), 100000n, TAG_NUM)), 'marks');
    // The globals chain looping.
    const globals = slotPointer(m, kernel.roots, ROOTS.GLOBALS);
    expectCheck(forge(good, (p) => setCell(p, cellOf(globals, 2), BigInt(globals), TAG_PTR)), 'globals', /cycle/);
  });

  it('random forged mutations: an answer every time, never an exception', () => {
    const next = rng(seed + 1);
    let opened = 0, refusedCount = 0;
    for (let i = 0; i < 60; i++) {
      const data = forge(good, (p) => {
        for (let j = 0; j < 1 + Math.floor(next() * 3); j++) {
          const s = next() < 0.8 ? p.segments[1] : p.segments[Math.floor(next() * p.segments.length)];
          if (s.tags.length === 0) continue;
          const at = Math.floor(next() * s.tags.length);
          const tag = [0, 1, 1, 2, 3, 4, 5][Math.floor(next() * 7)];
          const value = next() < 0.5 ? BigInt(Math.floor(next() * 2 ** 24)) * 8n : BigInt(Math.floor(next() * 2 ** 31));
          s.cells.setBigInt64(8 * at, value, true);
          s.tags[at] = tag;
        }
      });
      const path = join(dir, `mut-${i}.image`);
      writeFileSync(path, data);
      const r = loadImage(path);
      if (r.ok) opened++; else refusedCount++;
      rmSync(path);
    }
    expect(opened + refusedCount).toBe(60);
  });

  it('Session.open answers an ImageError for a bad image, and writes nothing', () => {
    const path = join(dir, 'session-bad.image');
    const damaged = bytes.slice();
    damaged[damaged.length - 10] ^= 4;
    writeFileSync(path, damaged);
    const s = Session.open(path);
    expect(s instanceof Session).toBe(false);
    const e = s as ImageError;
    expect(e.check).toBe('checksum');
    expect(describeImageError(path, e)).toMatch(/session-bad\.image: checksum check failed: /);
    expect(existsSync(`${path}.changes`)).toBe(false);
    expect(existsSync(`${path}.bak`)).toBe(false);
    expect(Buffer.compare(readFileSync(path), damaged)).toBe(0);
  });
});
