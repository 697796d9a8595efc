/*
 * Records of checked images (image/checked.ts): an image opened from a record is the image
 * the full checks give, cell for cell of what the host rebuilds (the facts, the code maps, the
 * cards); a hostile image is refused whatever records there are, since its digest is its own;
 * and a record is believed only when it is this user's, unwritable by others, by this program,
 * and agrees with the bytes.
 */
import {
  chmodSync, closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import { assignGlobal, findBinding } from '../../kernel/objects/globals.ts';
import { slotPointer } from '../../kernel/objects/access.ts';
import { CLASS, ROOTS } from '../../kernel/objects/layout.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { checkedDirectory, MAX_RECORDS, STAMP_SETTLED_MS } from '../../image/checked.ts';
import { imageInfo } from '../../image/info.ts';
import { loadImage, type LoadedImage } from '../../image/open.ts';
import { saveImage } from '../../image/save.ts';
import { forge, genesisKernel, setCell } from './forge.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-checked-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const good = join(dir, 'good.image');
let kernel: Kernel;
let fresh = 0;
/** A new, empty record directory. */
const records = (): string => join(dir, `records-${fresh++}`);
/** The records in a directory (not the stamps). */
const recordsIn = (at: string): string[] => readdirSync(at).filter((f) => f.endsWith('.json'));
/** Wait until a file changed now is settled (its stamp may be recorded): checked.ts STAMP_SETTLED_MS. */
const settle = (): void => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, STAMP_SETTLED_MS + 100); };

beforeAll(() => {
  kernel = genesisKernel();
  const m = kernel.mark('before');
  if (typeof m === 'string') throw new Error(m);
  // An old binding holding a young object, so that the image has a card to record.
  const b = kernel.defineGlobal('Young', { value: 0n, tag: TAG_NUM });
  if (typeof b === 'string') throw new Error(b);
  kernel.heap.collect('major');
  const young = kernel.heap.allocate(3, FORMAT_POINTERS, CLASS.Array, 0n, TAG_NUM);
  const binding = findBinding(kernel, 'Young');
  assignGlobal(kernel, binding, { value: BigInt(young), tag: TAG_PTR });
  if (!kernel.heap.inNursery(young) || kernel.heap.inNursery(binding)) throw new Error('the young object or the binding is not where the test needs it');
  const r = saveImage(kernel, good, { backend: 'native', journal: { id: 'test', seq: 0, offset: 0 } });
  if (!r.ok) throw new Error(r.error);
});

function loaded(path: string, checked: string | null): LoadedImage {
  const r = loadImage(path, { checked });
  if (!r.ok) throw new Error(`${r.check}: ${r.message}`);
  return r;
}

/** What the host rebuilds beside the heap, and the facts open answers. */
function rebuilt(r: LoadedImage): unknown {
  const st = r.machine.store;
  const code: number[][] = [];
  r.machine.forEachCode((h, bytes) => { code.push([h, bytes]); });
  return {
    heap: { ...r.heapFacts, poisoned: [...r.heapFacts.poisoned] },
    kernel: r.kernelFacts,
    codeStart: Array.from(st.codeStart),
    cacheIndex: Array.from(st.cacheIndex),
    cards: Array.from(st.cards),
    code,
    digest: r.digest,
  };
}

describe('records of checked images', () => {
  it('an image opened from its record is the image the checks give', () => {
    const at = records();
    const walked = loaded(good, at);
    expect(walked.recalled).toBe(false);
    expect(recordsIn(at)).toEqual([`${walked.digest}.json`]);
    const recalled = loaded(good, at);
    expect(recalled.recalled).toBe(true);
    expect(rebuilt(recalled)).toEqual(rebuilt(walked));
    const cards = Array.from(walked.machine.store.cards).filter((c) => c !== 0).length;
    console.log(`checked: ${walked.heapFacts.code.length / 2} code objects, ${walked.kernelFacts.symbols.length} symbols, ${cards} cards set`);
    expect(cards).toBeGreaterThan(0);
    // And the same as with no records at all.
    const plain = loaded(good, null);
    expect(plain.recalled).toBe(false);
    expect(rebuilt(plain)).toEqual(rebuilt(walked));
  });

  it('a hostile image is refused whatever records there are (its digest is its own)', () => {
    const at = records();
    loaded(good, at);
    expect(loaded(good, at).recalled).toBe(true);
    const nilSlot = (kernel.roots >> 3) + ROOTS.NIL;
    const table = slotPointer(kernel.machine, kernel.roots, ROOTS.CLASS_TABLE);
    const bad = join(dir, 'bad.image');
    writeFileSync(bad, forge(good, (p) => setCell(p, nilSlot, BigInt(table + 8), TAG_PTR)));
    const r = loadImage(bad, { checked: at });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.check).toBe('pointers');
    expect(recordsIn(at).length).toBe(1); // nothing recorded for it
  });

  it('an image opened again is known by its stamp, not hashed, once its last change is settled; a change in place is hashed and refused', () => {
    const at = records();
    const path = join(dir, 'stamped.image');
    copyFileSync(good, path);
    // Just changed: hashed, and no stamp kept (a write in the same tick could leave it as it is).
    const first = loaded(path, at);
    expect([first.stamped, first.recalled]).toEqual([false, false]);
    expect(readdirSync(at).filter((f) => f.endsWith('.stamp'))).toEqual([]);
    settle();
    const hashed = loaded(path, at);
    expect([hashed.stamped, hashed.recalled]).toEqual([false, true]);
    expect(readdirSync(at).filter((f) => f.endsWith('.stamp')).length).toBe(1);
    const known = loaded(path, at);
    expect([known.stamped, known.recalled]).toEqual([true, true]);
    expect(rebuilt(known)).toEqual(rebuilt(first));
    // A hostile image written over it in place (the same file, the same size, a valid CRC):
    // its stamp is another, so it is hashed, checked and refused.
    const nilSlot = (kernel.roots >> 3) + ROOTS.NIL;
    const table = slotPointer(kernel.machine, kernel.roots, ROOTS.CLASS_TABLE);
    const forged = forge(good, (p) => setCell(p, nilSlot, BigInt(table + 8), TAG_PTR));
    expect(forged.length).toBe(readFileSync(path).length);
    const fd = openSync(path, 'r+');
    writeSync(fd, forged, 0, forged.length, 0);
    closeSync(fd);
    const r = loadImage(path, { checked: at });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.check).toBe('pointers');
    // A record gone: the stamp leads nowhere, and the file is hashed after all.
    copyFileSync(good, path);
    settle();
    loaded(path, at);
    for (const f of recordsIn(at)) rmSync(join(at, f));
    const again = loaded(path, at);
    expect([again.stamped, again.recalled]).toEqual([false, false]);
    expect(again.digest).toBe(first.digest);
    // A file others can write has no stamp.
    chmodSync(path, 0o666);
    for (let i = 0; i < 2; i++) expect(loaded(path, at).stamped).toBe(false);
  });

  it('a record of the image is believed only when it is the user\'s own and by this program', () => {
    const at = records();
    const digest = loaded(good, at).digest;
    const file = join(at, `${digest}.json`);
    const original = readFileSync(file, 'utf8');
    const expectWalk = (why: string): void => {
      const r = loaded(good, at);
      expect(r.recalled, why).toBe(false);
      writeFileSync(file, original, { mode: 0o600 });
      chmodSync(file, 0o600);
      chmodSync(at, 0o700);
      expect(loaded(good, at).recalled).toBe(true);
    };
    chmodSync(file, 0o666);
    expectWalk('a record others can write');
    chmodSync(at, 0o777);
    expectWalk('a directory others can write');
    writeFileSync(file, original.slice(0, original.length >> 1));
    expectWalk('a damaged record');
    writeFileSync(file, original.replace(/"checks":\d+/, '"checks":0'));
    expectWalk('a record made by other checks');
    writeFileSync(file, original.replace(/"writer":"[^"]*"/, '"writer":"bedrock 0.0.0 (Node v0)"'));
    expectWalk('a record made by another program');
    // A record that does not describe the bytes (a code object where there is none): a bug of
    // ours, caught by the look at its code objects and symbols.
    const r = JSON.parse(original) as { heap: { code: number[] } };
    r.heap.code[0] += 1;
    writeFileSync(file, JSON.stringify(r));
    expectWalk('a record that does not agree with the heap');
  });

  it('BEDROCK_CHECKED=off records nothing; the default is the user\'s cache directory', () => {
    const saved = { c: process.env.BEDROCK_CHECKED, x: process.env.XDG_CACHE_HOME };
    try {
      process.env.BEDROCK_CHECKED = 'off';
      expect(checkedDirectory()).toBe(null);
      expect(loadImage(good).ok).toBe(true);
      delete process.env.BEDROCK_CHECKED;
      process.env.XDG_CACHE_HOME = '/somewhere';
      expect(checkedDirectory()).toBe('/somewhere/bedrock/checked');
    } finally {
      for (const [k, v] of [['BEDROCK_CHECKED', saved.c], ['XDG_CACHE_HOME', saved.x]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('image info checks through every time, and records nothing', () => {
    const saved = process.env.BEDROCK_CHECKED;
    const at = records();
    try {
      process.env.BEDROCK_CHECKED = at;
      expect(loadImage(good).ok).toBe(true); // recorded
      expect(recordsIn(at).length).toBe(1);
      rmSync(at, { recursive: true });
      const info = imageInfo(good);
      expect(info.ok).toBe(true);
      expect(existsSync(at)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.BEDROCK_CHECKED;
      else process.env.BEDROCK_CHECKED = saved;
    }
  });

  it(`keeps at most ${MAX_RECORDS} records, the newest`, () => {
    const at = records();
    const paths: string[] = [];
    for (let i = 0; i < MAX_RECORDS + 3; i++) {
      // Images differing in one low-memory cell (raw scratch memory: any number is allowed).
      const path = join(dir, `many-${i}.image`);
      writeFileSync(path, forge(good, (p) => setCell(p, 64, BigInt(i + 1), 0)));
      paths.push(path);
      loaded(path, at);
    }
    expect(readdirSync(at).filter((f) => f.endsWith('.json')).length).toBe(MAX_RECORDS);
    expect(loaded(paths[paths.length - 1], at).recalled).toBe(true);
  });
});
