/*
 * The image file format: what is in an image and how its bytes are laid out. Writing the file
 * atomically is save.ts; reading it back and checking it is open.ts and validate.ts.
 *
 * An image is one file, a sequence of five MessagePack values, so any MessagePack reader can
 * walk it (msgpackr encodes and decodes the header; the payload's framing is written here,
 * so that the heap goes from the machine's memory to the file, and back, without a copy):
 *
 *   offset      bytes  MessagePack            meaning
 *   ---------   -----  ---------------------  -------------------------------------------------
 *   0           14     fixstr (0xad)          magic: "BEDROCK IMAGE"
 *   14          5      uint32 (0xce, BE)      H: the length of the header that follows
 *   19          H      map                    the header (ImageHeader below): format version,
 *                                             writer, layout fingerprint, the machine's and the
 *                                             heap's geometry, the kernel's roots, the journal
 *                                             position, the segment table, the payload's size
 *                                             and CRC-32
 *   19+H        5      uint32 (0xce, BE)      CRC-32 of the H header bytes
 *   24+H        5      array32 (0xdd, BE)     the payload: 2 x (number of segments) values
 *   29+H        5+8n   bin32 (0xc6, BE) ...   segment i, cells: its n cells, little-endian i64
 *   ...         5+n    bin32                  segment i, tags: one byte per cell (cells.ts)
 *               ...    ...                    the next segment, and so on
 *
 *   The payload's CRC-32 (in the header) covers every byte from its array32 to the end of
 *   the file; the file ends there (a longer or shorter file is damaged).
 *
 * The segments are the used parts of memory, in cell indexes (kernel/memory/heap.ts):
 *
 *   low      [0, lowCells)             raw scratch memory (Memory at:put:)
 *   fixed    [fixedBoot, fixedTop)     code, behaviours, symbols, free chunks ... (what the
 *                                      machine makes itself before fixedBoot, its empty stack
 *                                      and exit stub, is not held: validate.ts machineMadeCells)
 *   old      [oldLo, oldTop)           promoted and large objects
 *   nursery  [nurseryLo, nurseryTop)   young objects
 *
 * Nothing else is saved: the free parts of the spaces are empty (numbers), and everything the
 * host keeps beside the heap is rebuilt on open from the heap itself (open.ts lists each
 * piece). Objects come back at the addresses they had, so machine code, which names objects
 * by address, runs unchanged.
 */
import { Packr, Unpackr } from 'msgpackr';
import { projectVersion } from '../bootstrap/project-files.ts';
import { layoutFingerprint, layoutText } from './layout-fingerprint.ts';

/**
 * The format this code writes; it reads this one only (older and newer ones are refused by name).
 * 2: the fixed segment begins after the machine's own stack and exit stub (1 held them).
 */
export const FORMAT_VERSION = 2;

/** "BEDROCK IMAGE" as a MessagePack fixstr. */
export const MAGIC = Uint8Array.from([0xad, ...new TextEncoder().encode('BEDROCK IMAGE')]);
/** Bytes before the header: the magic and the header's length. */
export const PREAMBLE_BYTES = MAGIC.length + 5;
/** A header longer than this is not one this code wrote. */
export const MAX_HEADER_BYTES = 1 << 20;

export type SegmentName = 'low' | 'fixed' | 'old' | 'nursery';
export const SEGMENT_NAMES: readonly SegmentName[] = Object.freeze(['low', 'fixed', 'old', 'nursery']);

export interface SegmentEntry {
  readonly name: SegmentName;
  /** First cell index. */
  readonly first: number;
  /** Number of cells. */
  readonly cells: number;
}

/** Everything an image says about itself, before its heap. */
export interface ImageHeader {
  readonly format: number;
  /** Who wrote it: "bedrock 0.1.0 (Node v20.20.2)". */
  readonly writer: string;
  /** When (ISO 8601). */
  readonly created: string;
  /** Fingerprint of the kernel's object layouts and service numbers (layoutFingerprint). */
  readonly layout: string;
  readonly machine: {
    readonly cells: number;
    readonly lowCells: number;
    readonly fixedHi: number;
    readonly stackCells: number;
  };
  readonly heap: {
    readonly fixedTop: number;
    readonly oldTop: number;
    readonly oldEnd: number;
    readonly nurseryLo: number;
    readonly nurseryTop: number;
    readonly nurseryCells: number;
    readonly maxCells: number;
    readonly largeObjectCells: number;
    readonly growthFactor: number;
  };
  readonly kernel: {
    /** Address of the kernel's roots object (layout.ts ROOTS). */
    readonly roots: number;
    /** The compiler's back end for new code. */
    readonly backend: 'native' | 'threaded';
  };
  /** The changes journal this image includes (journal.ts): its identity, last entry, and byte length. */
  readonly journal: {
    readonly id: string;
    readonly seq: number;
    readonly offset: number;
  };
  readonly segments: readonly SegmentEntry[];
  readonly payload: {
    readonly bytes: number;
    readonly crc32: number;
  };
}

/** Why an image cannot be opened: the check that failed and one line saying how. */
export interface ImageError {
  readonly ok: false;
  readonly check: ImageCheck;
  readonly message: string;
}

/** The checks an image must pass, in the order they are made. */
export type ImageCheck =
  | 'file' | 'magic' | 'header' | 'version' | 'layout' | 'size' | 'checksum' | 'payload' | 'geometry'
  | 'lock' | 'memory' | 'heap' | 'pointers' | 'machine' | 'kernel' | 'behaviours' | 'chains' | 'globals' | 'marks' | 'log' | 'symbols';

export function imageError(check: ImageCheck, message: string): ImageError {
  return { ok: false, check, message };
}

/** "NAME: check: message", the one line a user is told. */
export function describeImageError(path: string, e: ImageError): string {
  if (e.check === 'lock') return `${path} is in use: ${e.message}`;
  return `${path}: ${e.check} check failed: ${e.message}`;
}

export function isImageError(x: unknown): x is ImageError {
  return typeof x === 'object' && x !== null && (x as ImageError).ok === false && typeof (x as ImageError).check === 'string';
}

// ---- the writer and the layout fingerprint --------------------------------------------------

/** This program, as the header's writer names it. */
export const WRITER = `bedrock ${projectVersion()} (Node ${process.version})`;

/**
 * A fingerprint of every layout the host's TypeScript reads objects by (layout.ts) and of the
 * register state's shape: an image written under other layouts would be misread, so it is
 * refused by name rather than run.
 */
export const LAYOUT_FINGERPRINT: string = typeof __BEDROCK_LAYOUT_FINGERPRINT__ === 'string'
  ? __BEDROCK_LAYOUT_FINGERPRINT__
  : layoutFingerprint();

/**
 * The build computes the fingerprint from these same sources and writes it into the bundles
 * (bin/build.mjs, esbuild's define), since hashing at every start of `bedrock` cost ~9 ms of
 * CPU before anything else could run; run from the sources, it is computed here.
 */
declare const __BEDROCK_LAYOUT_FINGERPRINT__: string | undefined;

export { layoutText };

/**
 * CRC-32 of `data` continuing from `crc` (unsigned). Short data (a header, a frame) is summed
 * here, a byte at a time; longer data by node:zlib, loaded on first use: loading it cost every
 * start ~5 ms, and an image whose checks are recorded needs no long sum (open.ts). The two
 * agree (test/image/crc32.test.ts).
 */
export function crc32Of(data: Uint8Array, crc = 0): number {
  if (data.length === 0) return crc >>> 0; // (zlib answers 0 for an empty view of an empty buffer, whatever the running value)
  if (data.length > SHORT_CRC_BYTES) return process.getBuiltinModule('node:zlib').crc32(data, crc) >>> 0;
  const table = crcTable ??= makeCrcTable();
  let c = ~crc;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** Longer data than this is summed by node:zlib. */
export const SHORT_CRC_BYTES = 1 << 16;

let crcTable: Int32Array | null = null;

/** The table of the reflected CRC-32 polynomial 0xEDB88320, a byte at a time. */
function makeCrcTable(): Int32Array {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
}

// ---- framing --------------------------------------------------------------------------------

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** A MessagePack uint32 / array32 / bin32 head: a type byte and a big-endian length. */
export function head(type: 0xce | 0xdd | 0xc6, n: number): Uint8Array {
  const b = new Uint8Array(5);
  b[0] = type;
  new DataView(b.buffer).setUint32(1, n >>> 0, false);
  return b;
}

/** Read a 5-byte head of `type` at `at`, or -1 when the bytes are not one. */
export function readHead(bytes: Uint8Array, at: number, type: number): number {
  if (at + 5 > bytes.length || bytes[at] !== type) return -1;
  return new DataView(bytes.buffer, bytes.byteOffset + at, 5).getUint32(1, false);
}

export function encodeHeader(h: ImageHeader): Uint8Array {
  return Uint8Array.from(packr.pack(h)); // a copy: msgpackr reuses its buffer
}

/** The header's bytes decoded, or a message: whatever the bytes are, this never throws. */
export function decodeHeaderBytes(bytes: Uint8Array): unknown {
  try {
    return unpackr.unpack(bytes);
  } catch (e) {
    return new HeaderDecodeFailure(e instanceof Error ? e.message : String(e));
  }
}

export class HeaderDecodeFailure {
  constructor(readonly message: string) {}
}

/** Payload bytes of a segment table: the array head, then each segment's two bin heads and bodies. */
export function payloadBytes(segments: readonly SegmentEntry[]): number {
  return 5 + segments.reduce((n, s) => n + 5 + 8 * s.cells + 5 + s.cells, 0);
}

/** The whole file's length for a header of `headerBytes` bytes and this segment table. */
export function fileBytes(headerBytes: number, segments: readonly SegmentEntry[]): number {
  return PREAMBLE_BYTES + headerBytes + 5 + payloadBytes(segments);
}
