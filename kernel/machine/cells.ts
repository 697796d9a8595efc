/*
 * Tagged cells: the machine's memory.
 *
 * Memory is an array of 64-bit cells. Each cell has a tag kept outside its 64 bits, so a
 * number can hold any 64-bit value and still never be mistaken for a pointer. Registers
 * carry the same tags. Machine addresses are byte addresses: cell i is at address 8*i, so
 * the seed's `mov rax, [rdi*8]` reads cell rdi.
 *
 *   tag      meaning                                     produced by
 *   ------   -----------------------------------------   ------------------------------------
 *   NUM      a 64-bit number                             any arithmetic, logic, immediate
 *   PTR      the address of an object's first slot       the allocator; copied by mov/push/pop
 *   HDR      an object header (never written by code)    the allocator
 *   CODE     an address inside a code object             `call` (the return address)
 *   STACK    an address inside the current stack         rsp, and copies of it
 *   POISON   a cell of an object sent to another actor   the actor transfer
 *
 * An object is a header cell followed by its slots; a pointer is the address of slot 0:
 *
 *          +------------------------------------------+
 *   p-8    | header (tag HDR)                         |
 *          +------------------------------------------+
 *   p      | slot 0                                   |  <- pointer value p (tag PTR)
 *   p+8    | slot 1                                   |
 *          | ...                                      |
 *   p+8n-8 | slot n-1                                 |
 *          +------------------------------------------+
 *
 * The header cell's 64 bits (the low half is all a bounds check reads):
 *
 *    63           47 46       39 38  36 35  32 31                              0
 *   +---------------+-----------+------+------+---------------------------------+
 *   |  class index  |   flags   | pad  |format|      slot count (cells)         |
 *   |   (17 bits)   |  (8 bits) | (3)  | (4)  |          (32 bits)              |
 *   +---------------+-----------+------+------+---------------------------------+
 *
 *   format: POINTERS (slots may hold anything), WORDS (raw numbers), BYTES, CODE (bytes the
 *   machine may execute). pad: unused bytes in the last cell of a BYTES or CODE object.
 *
 * The whole store is one WebAssembly.Memory, so that the later WebAssembly tier shares it:
 *
 *   byte 0            STATE: registers, their tags, the lazy flags (see STATE_* below)
 *   byte 4096         CELLS: cell i at 4096 + 8*i, little-endian
 *   byte 4096 + 8*N   TAGS:  tag of cell i at 4096 + 8*N + i
 */

export const TAG_NUM = 0;
export const TAG_PTR = 1;
export const TAG_HDR = 2;
export const TAG_CODE = 3;
export const TAG_STACK = 4;
export const TAG_POISON = 5;
export const TAG_NAMES: readonly string[] = Object.freeze(['number', 'pointer', 'header', 'code', 'stack', 'poison']);

export const FORMAT_POINTERS = 0;
export const FORMAT_WORDS = 1;
export const FORMAT_BYTES = 2;
export const FORMAT_CODE = 3;
export const FORMAT_NAMES: readonly string[] = Object.freeze(['pointers', 'words', 'bytes', 'code']);

/** Largest object, in slots: memory never exceeds 2 GiB, so 2^28 cells. */
export const MAX_SLOTS = 2 ** 28;

export interface Header {
  readonly slots: number;
  readonly format: number;
  readonly pad: number;
  readonly flags: number;
  readonly classIndex: number;
}

/** High 32 bits of a header. */
export function headerHigh(h: Omit<Header, 'slots'>): number {
  return ((h.classIndex & 0x1ffff) << 15 | (h.flags & 0xff) << 7 | (h.pad & 7) << 4 | (h.format & 0xf)) | 0;
}

/** The 64 bits of a header cell. */
export function encodeHeader(h: Header): bigint {
  return BigInt.asIntN(64, (BigInt(headerHigh(h) >>> 0) << 32n) | BigInt(h.slots >>> 0));
}

export function decodeHeader(bits: bigint): Header {
  const lo = Number(BigInt.asUintN(32, bits));
  const hi = Number(BigInt.asUintN(32, bits >> 32n));
  return { slots: lo, format: headerFormat(hi), pad: (hi >>> 4) & 7, flags: (hi >>> 7) & 0xff, classIndex: hi >>> 15 };
}

/** Format from the high 32 bits of a header. */
export function headerFormat(hi: number): number { return hi & 0xf; }

export const STATE_BYTES = 4096;
const PAGE = 65536;

/** Offsets in the STATE region, in units of the view that reads them. */
export const STATE = Object.freeze({
  /** Registers: S64[r], halves S32[2r] (low) and S32[2r+1] (high). */
  REGS: 0,
  /** Register tags: S8[REG_TAGS + r]. */
  REG_TAGS: 128,
  /** Lazy flags: operands and result of the last flag-setting operation (S64 index). */
  FLAG_A: 20, FLAG_B: 21, FLAG_RES: 22,
  /** The same in S32 halves. */
  FLAG_A32: 40, FLAG_B32: 42, FLAG_RES32: 44,
  /** S32 indexes: flag kind, eagerly computed CF and OF, explicit flag bits. */
  FLAG_KIND: 48, FLAG_CF: 49, FLAG_OF: 50, FLAG_BITS: 51,
});

/**
 * The machine's memory: cells, tags and the register state, in one WebAssembly.Memory,
 * seen through typed-array views. Views are re-made if the memory ever grows.
 */
export class CellStore {
  readonly memory: WebAssembly.Memory;
  readonly cellCount: number;
  /** Cell values. */
  cells!: BigInt64Array;
  /** Cell values as 32-bit halves (cell i: [2i] low, [2i+1] high). */
  cells32!: Int32Array;
  /** Cell bytes, by machine byte address. */
  bytes!: Uint8Array;
  /** Cell tags. */
  tags!: Uint8Array;
  /** The STATE region. */
  state64!: BigInt64Array;
  state32!: Int32Array;
  state8!: Uint8Array;
  /** Register tags (the REG_TAGS part of STATE). */
  regTags!: Uint8Array;

  constructor(cellCount: number) {
    this.cellCount = cellCount;
    const total = STATE_BYTES + cellCount * 9;
    const pages = Math.ceil(total / PAGE);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: Math.max(pages, 65536) });
    this.refreshViews();
  }

  refreshViews(): void {
    const buf = this.memory.buffer;
    const n = this.cellCount;
    this.state64 = new BigInt64Array(buf, 0, STATE_BYTES / 8);
    this.state32 = new Int32Array(buf, 0, STATE_BYTES / 4);
    this.state8 = new Uint8Array(buf, 0, STATE_BYTES);
    this.regTags = new Uint8Array(buf, STATE.REG_TAGS, 16);
    this.cells = new BigInt64Array(buf, STATE_BYTES, n);
    this.cells32 = new Int32Array(buf, STATE_BYTES, n * 2);
    this.bytes = new Uint8Array(buf, STATE_BYTES, n * 8);
    this.tags = new Uint8Array(buf, STATE_BYTES + n * 8, n);
  }

  /** Size of memory in bytes: the bound of an access through the Memory capability. */
  get byteSize(): number { return this.cellCount * 8; }
}
