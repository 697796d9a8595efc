/*
 * Opening an image adopts its code objects (Machine.adoptCode): the code maps are filled at
 * once, but a code object's cache (CodeCache) is made only when something asks for it. The
 * machine must answer as if every cache had been made at the open: each code object's byte
 * length and cells as its header says (the oracle: a walk of the fixed space here), a fetch
 * from any of them, and a code object freed before its cache was made.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeByteLength, FORMAT_CODE, TAG_HDR } from '../../kernel/machine/cells.ts';
import { openImage, type OpenedImage } from '../../image/open.ts';
import { saveImage } from '../../image/save.ts';
import { genesisKernel } from './forge.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-adopt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let opened: OpenedImage;

beforeAll(() => {
  const path = join(dir, 'adopt.image');
  const r = saveImage(genesisKernel(), path, { backend: 'native', journal: { id: 'test', seq: 0, offset: 0 } });
  if (!r.ok) throw new Error(r.error);
  const o = openImage(path, { checked: null });
  if (!o.ok) throw new Error(`${o.check}: ${o.message}`);
  opened = o;
});

/** Every code object of the fixed space after the machine's own, as [header cell, slots, code bytes], walking the headers. */
function walked(o: OpenedImage): number[][] {
  const m = o.machine, C32 = m.store.cells32, T = m.store.tags;
  const out: number[][] = [];
  for (let h = m.fixedBoot; h < o.heap.fixedTop;) {
    expect(T[h]).toBe(TAG_HDR);
    const slots = C32[2 * h] >>> 0, high = C32[2 * h + 1];
    if ((high & 0xf) === FORMAT_CODE) out.push([h, slots, codeByteLength(C32, h, slots, high)]);
    h += slots + 1;
  }
  return out;
}

describe('code objects adopted from an image', () => {
  it('have their caches made only when asked, each as its header says', () => {
    const m = opened.machine;
    const code = walked(opened);
    console.log(`adopted ${code.length} code objects; caches made at the open: ${m.cachesMade}`);
    expect(code.length).toBeGreaterThan(100);
    expect(m.cachesMade).toBeLessThan(10); // the machine's own (its exit stub), none of the image's
    // What the machine lists is what the headers say, before any cache is made ...
    const listed: number[][] = [];
    m.forEachCode((h, bytes) => { if (h >= m.fixedBoot) listed.push([h, bytes]); });
    expect(listed.sort((a, b) => a[0] - b[0])).toEqual(code.map(([h, , bytes]) => [h, bytes]));
    // ... and each cache, made when asked, is that code object's.
    const made = m.cachesMade;
    for (const [h, slots, bytes] of code) {
      const cache = m.cacheOf((h + 1) * 8);
      expect(cache?.addr).toBe((h + 1) * 8);
      expect([cache?.byteLength, cache?.cells]).toEqual([bytes, slots]);
      expect(m.cacheOf((h + 1) * 8)).toBe(cache); // made once
      const inside = m.codeContaining((h + 1) * 8 + bytes - 1);
      expect(inside).toBe(cache);
    }
    expect(m.cachesMade).toBe(made + code.length);
    // The first instruction of each decodes from its cache.
    for (const [h] of code.slice(0, 50)) expect(m.fetchAt((h + 1) * 8, 0).off).toBe(0);
  });

  it('opened from the record of its checks (Machine.adoptCodes), every code object is where the walk puts it (adoptCode each)', () => {
    const records = join(dir, 'records');
    const path = join(dir, 'adopt.image');
    const walk = openImage(path, { checked: records });
    const recall = openImage(path, { checked: records });
    if (!walk.ok || !recall.ok) throw new Error('the image did not open');
    expect([walk.recalled, recall.recalled]).toEqual([false, true]);
    const a = walk.machine, b = recall.machine;
    // The maps, cell by cell (which code object each cell is in, which cache each first slot has) ...
    expect(b.codeStartOf.length).toBe(a.codeStartOf.length);
    expect(Buffer.from(b.codeStartOf.buffer, b.codeStartOf.byteOffset, b.codeStartOf.byteLength)
      .equals(Buffer.from(a.codeStartOf.buffer, a.codeStartOf.byteOffset, a.codeStartOf.byteLength))).toBe(true);
    const code = walked(walk);
    expect(walked(recall)).toEqual(code);
    for (const [h] of code) expect(b.cacheIndexOfCode((h + 1) * 8)).toBe(a.cacheIndexOfCode((h + 1) * 8));
    // ... and each one's cache, made when asked, as its header says.
    for (const [h, slots, bytes] of code) expect([b.cacheOf((h + 1) * 8)?.byteLength, b.cacheOf((h + 1) * 8)?.cells]).toEqual([bytes, slots]);
    expect(b.cachesMade).toBe(a.cachesMade + code.length);
  });

  it('a code object freed before its cache was made leaves nothing behind', () => {
    const r = openImage(join(dir, 'adopt.image'), { checked: null });
    if (!r.ok) throw new Error(r.message);
    const m = r.machine;
    const [h, slots] = walked(r)[0];
    const before = m.cachesMade;
    expect(m.forgetCode(h, slots)).toBe(false); // never decoded
    expect(m.cacheOf((h + 1) * 8)).toBe(undefined);
    expect(m.codeContaining((h + 1) * 8)).toBe(undefined);
    expect(m.cachesMade).toBe(before);
    const listed: number[] = [];
    m.forEachCode((hh) => { listed.push(hh); });
    expect(listed).not.toContain(h);
  });
});
