/*
 * Test support: small images made quickly (genesis only, no system source), and forgeries of
 * them: a changed header or heap written back with correct checksums, as a hostile writer
 * would, so that the checks behind the checksums are reached.
 */
import { readFileSync } from 'node:fs';
import { genesis } from '../../bootstrap/genesis.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { crc32Of, decodeHeaderBytes, encodeHeader, head, MAGIC, PREAMBLE_BYTES, readHead, type ImageHeader } from '../../image/format.ts';

export function genesisKernel(): Kernel {
  const r = genesis();
  if (!r.ok) throw new Error(r.error);
  return r.kernel;
}

export interface ImageParts {
  header: ImageHeader;
  /** Each segment's cells (as a DataView, little-endian) and tags, copies. */
  segments: { cells: DataView; tags: Uint8Array; first: number }[];
}

/** Take an image file apart. */
export function parse(bytes: Uint8Array): ImageParts {
  const hlen = readHead(bytes, MAGIC.length, 0xce);
  const header = decodeHeaderBytes(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + hlen)) as ImageHeader;
  let at = PREAMBLE_BYTES + hlen + 5 + 5;
  const segments = header.segments.map((s) => {
    at += 5;
    const cells = new DataView(bytes.slice(at, at + 8 * s.cells).buffer);
    at += 8 * s.cells + 5;
    const tags = bytes.slice(at, at + s.cells);
    at += s.cells;
    return { cells, tags, first: s.first };
  });
  return { header, segments };
}

/** Put an image file together again, with fresh checksums (and whatever header it is given). */
export function assemble(parts: { header: unknown; segments: ImageParts['segments'] }): Uint8Array {
  const payload: Uint8Array[] = [head(0xdd, 2 * parts.segments.length)];
  for (const s of parts.segments) {
    const cells = new Uint8Array(s.cells.buffer, s.cells.byteOffset, s.cells.byteLength);
    payload.push(head(0xc6, cells.length), cells, head(0xc6, s.tags.length), s.tags);
  }
  let crc = 0;
  for (const p of payload) crc = crc32Of(p, crc);
  const header = parts.header as Record<string, unknown>;
  if (typeof header === 'object' && header !== null && typeof header.payload === 'object' && header.payload !== null) {
    (header.payload as Record<string, unknown>).crc32 = crc >>> 0;
  }
  const hbytes = encodeHeader(header as unknown as ImageHeader);
  const all = [MAGIC, head(0xce, hbytes.length), hbytes, head(0xce, crc32Of(hbytes) >>> 0), ...payload];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of all) { out.set(p, o); o += p.length; }
  return out;
}

/** The file at `path`, forged by `change` (given the parts to edit in place). */
export function forge(path: string, change: (p: ImageParts) => void): Uint8Array {
  const p = parse(new Uint8Array(readFileSync(path)));
  change(p);
  return assemble(p);
}

/** Cell index `cell`'s (segment, index) in the parts, or undefined. */
export function locate(p: ImageParts, cell: number): { s: ImageParts['segments'][number]; i: number } | undefined {
  for (const s of p.segments) {
    if (cell >= s.first && cell < s.first + s.tags.length) return { s, i: cell - s.first };
  }
  return undefined;
}

export function setCell(p: ImageParts, cell: number, value: bigint, tag: number): void {
  const at = locate(p, cell);
  if (!at) throw new Error(`cell ${cell} is in no segment`);
  at.s.cells.setBigInt64(8 * at.i, value, true);
  at.s.tags[at.i] = tag;
}

export function getCell(p: ImageParts, cell: number): { value: bigint; tag: number } {
  const at = locate(p, cell);
  if (!at) throw new Error(`cell ${cell} is in no segment`);
  return { value: at.s.cells.getBigInt64(8 * at.i, true), tag: at.s.tags[at.i] };
}
