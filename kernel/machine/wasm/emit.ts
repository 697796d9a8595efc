/*
 * A WebAssembly binary writer, by hand (binaryen is too heavy for what the translator needs):
 * modules of functions over one imported memory and one imported function table, and the
 * instructions the translator emits. Only what Bedrock uses is here.
 *
 *   module   = magic version  type* import* function* export* code*   (sections in that order)
 *   function = its type, its locals, its body (an expression ended by `end`)
 *
 * Numbers are LEB128 (unsigned for counts and indexes, signed for constants). A Body is one
 * function's code: the emitting methods append opcodes and their immediates; `block`, `loop`
 * and `if` nest, `end` closes, and branch depths are counted by the caller (the translator
 * keeps its own stack of labels).
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export const FUNCREF = 0x70;
/** An empty block type. */
export const VOID = 0x40;

export type ValType = typeof I32 | typeof I64;

/** Bytes written one after another into a growing buffer. */
export class Bytes {
  buf = new Uint8Array(256);
  length = 0;

  push(b: number): void {
    if (this.length === this.buf.length) this.grow(1);
    this.buf[this.length++] = b;
  }

  append(more: Uint8Array): void {
    if (this.length + more.length > this.buf.length) this.grow(more.length);
    this.buf.set(more, this.length);
    this.length += more.length;
  }

  private grow(need: number): void {
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + need));
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
  }

  /** Put `more` at byte `at`, moving what follows it along. */
  insert(at: number, more: Uint8Array): void {
    if (this.length + more.length > this.buf.length) this.grow(more.length);
    this.buf.copyWithin(at + more.length, at, this.length);
    this.buf.set(more, at);
    this.length += more.length;
  }

  contents(): Uint8Array { return this.buf.subarray(0, this.length); }
}

/** Unsigned LEB128. */
export function uleb(out: Bytes, n: number): void {
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

/** Signed LEB128 of a 64-bit value. */
export function sleb(out: Bytes, v: bigint): void {
  if (v >= -0x40000000n && v < 0x40000000n) { sleb32(out, Number(v)); return; }
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) { out.push(b); return; }
    out.push(b | 0x80);
  }
}

function sleb32(out: Bytes, n: number): void {
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { out.push(b); return; }
    out.push(b | 0x80);
  }
}

function name(out: Bytes, s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  out.append(bytes);
}

/** Opcodes by name (the MVP, sign extension, and tail calls). */
export const OPC = Object.freeze({
  unreachable: 0x00, nop: 0x01, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b,
  br: 0x0c, br_if: 0x0d, br_table: 0x0e, return: 0x0f, call: 0x10, call_indirect: 0x11,
  return_call: 0x12, return_call_indirect: 0x13, drop: 0x1a, select: 0x1b,
  local_get: 0x20, local_set: 0x21, local_tee: 0x22,
  i32_load: 0x28, i64_load: 0x29, i32_load8_s: 0x2c, i32_load8_u: 0x2d, i32_load16_u: 0x2f,
  i64_load8_u: 0x31, i64_load16_u: 0x33,
  i32_store: 0x36, i64_store: 0x37, i32_store8: 0x3a, i64_store8: 0x3c,
  i32_const: 0x41, i64_const: 0x42,
  i32_eqz: 0x45, i32_eq: 0x46, i32_ne: 0x47, i32_lt_s: 0x48, i32_lt_u: 0x49, i32_gt_s: 0x4a, i32_gt_u: 0x4b,
  i32_le_s: 0x4c, i32_le_u: 0x4d, i32_ge_s: 0x4e, i32_ge_u: 0x4f,
  i64_eqz: 0x50, i64_eq: 0x51, i64_ne: 0x52, i64_lt_s: 0x53, i64_lt_u: 0x54, i64_gt_s: 0x55, i64_gt_u: 0x56,
  i64_le_s: 0x57, i64_le_u: 0x58, i64_ge_s: 0x59, i64_ge_u: 0x5a,
  i32_popcnt: 0x69, i32_add: 0x6a, i32_sub: 0x6b, i32_mul: 0x6c, i32_and: 0x71, i32_or: 0x72, i32_xor: 0x73,
  i32_shl: 0x74, i32_shr_s: 0x75, i32_shr_u: 0x76,
  i64_add: 0x7c, i64_sub: 0x7d, i64_mul: 0x7e, i64_div_s: 0x7f, i64_rem_s: 0x81,
  i64_and: 0x83, i64_or: 0x84, i64_xor: 0x85, i64_shl: 0x86, i64_shr_s: 0x87, i64_shr_u: 0x88,
  i32_wrap_i64: 0xa7, i64_extend_i32_s: 0xac, i64_extend_i32_u: 0xad,
  // doubles (the SSE2 subset): compared and computed as f64, kept as bits in i64 locals
  f64_eq: 0x61, f64_lt: 0x63, f64_gt: 0x64, f64_ge: 0x66,
  f64_ceil: 0x9b, f64_floor: 0x9c, f64_trunc: 0x9d, f64_nearest: 0x9e, f64_sqrt: 0x9f,
  f64_add: 0xa0, f64_sub: 0xa1, f64_mul: 0xa2, f64_div: 0xa3,
  i64_trunc_f64_s: 0xb0, f64_convert_i64_s: 0xb9, i64_reinterpret_f64: 0xbd, f64_reinterpret_i64: 0xbf,
});
export type OpName = keyof typeof OPC;

/** One function's code. */
export class Body {
  readonly code = new Bytes();
  private readonly localTypes: ValType[] = [];

  constructor(readonly params: number) {}

  /** A new local of `type`; returns its index. */
  local(type: ValType): number {
    this.localTypes.push(type);
    return this.params + this.localTypes.length - 1;
  }

  op(name: OpName): this { this.code.push(OPC[name]); return this; }
  /** Several opcodes without immediates, in order. */
  ops(...names: OpName[]): this { for (const n of names) this.code.push(OPC[n]); return this; }
  get(l: number): this { this.code.push(OPC.local_get); uleb(this.code, l); return this; }
  set(l: number): this { this.code.push(OPC.local_set); uleb(this.code, l); return this; }
  tee(l: number): this { this.code.push(OPC.local_tee); uleb(this.code, l); return this; }
  i32(n: number): this { this.code.push(OPC.i32_const); sleb32(this.code, n | 0); return this; }
  i64(v: bigint): this { this.code.push(OPC.i64_const); sleb(this.code, BigInt.asIntN(64, v)); return this; }
  /** A load or store with its alignment (log2 bytes) and constant offset. */
  mem(name: OpName, align: number, offset = 0): this {
    this.code.push(OPC[name]);
    uleb(this.code, align);
    uleb(this.code, offset >>> 0);
    return this;
  }
  /**
   * Where set, pushes the i32 at `address` its own way (a local that holds it) and answers
   * true, or answers false for load32At to load it.
   */
  loadHook: ((address: number) => boolean) | null = null;
  /** Push the i32 at a constant byte address of memory (a field of a record at address 0). */
  load32At(address: number): this {
    if (this.loadHook && this.loadHook(address)) return this;
    return this.i32(0).mem('i32_load', 2, address);
  }
  block(type: number = VOID): this { this.code.push(OPC.block); this.code.push(type); return this; }
  loop(type: number = VOID): this { this.code.push(OPC.loop); this.code.push(type); return this; }
  if(type: number = VOID): this { this.code.push(OPC.if); this.code.push(type); return this; }
  else(): this { this.code.push(OPC.else); return this; }
  end(): this { this.code.push(OPC.end); return this; }
  br(depth: number): this { this.code.push(OPC.br); uleb(this.code, depth); return this; }
  brIf(depth: number): this { this.code.push(OPC.br_if); uleb(this.code, depth); return this; }
  brTable(depths: readonly number[], otherwise: number): this {
    this.code.push(OPC.br_table);
    uleb(this.code, depths.length);
    for (const d of depths) uleb(this.code, d);
    uleb(this.code, otherwise);
    return this;
  }
  ret(): this { this.code.push(OPC.return); return this; }
  call(f: number): this { this.code.push(OPC.call); uleb(this.code, f); return this; }
  returnCall(f: number): this { this.code.push(OPC.return_call); uleb(this.code, f); return this; }
  callIndirect(type: number, table = 0): this { this.code.push(OPC.call_indirect); uleb(this.code, type); uleb(this.code, table); return this; }
  returnCallIndirect(type: number, table = 0): this { this.code.push(OPC.return_call_indirect); uleb(this.code, type); uleb(this.code, table); return this; }

  /** Append the function's code entry: its size, locals declared, then the body and its `end`. */
  encode(into: Bytes): void {
    const head = new Bytes();
    const groups: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++; else groups.push([1, t]);
    }
    uleb(head, groups.length);
    for (const [n, t] of groups) { uleb(head, n); head.push(t); }
    uleb(into, head.length + this.code.length + 1);
    into.append(head.contents());
    into.append(this.code.contents());
    into.push(OPC.end);
  }
}

interface FuncType { readonly params: readonly ValType[]; readonly results: readonly ValType[] }
type Import =
  | { readonly module: string; readonly field: string; readonly kind: 'func'; readonly type: number }
  | { readonly module: string; readonly field: string; readonly kind: 'memory'; readonly min: number }
  | { readonly module: string; readonly field: string; readonly kind: 'table'; readonly min: number };

/** A module being built: types, imports, functions (each with a body) and exports. */
export class ModuleBuilder {
  private readonly types: FuncType[] = [];
  private readonly imports: Import[] = [];
  private readonly functions: { type: number; body: Body }[] = [];
  private readonly exports: { name: string; func: number }[] = [];
  private importedFunctions = 0;

  /** The index of a function type, made once. */
  type(params: readonly ValType[], results: readonly ValType[]): number {
    const key = params.join(',') + '>' + results.join(',');
    const i = this.types.findIndex((t) => t.params.join(',') + '>' + t.results.join(',') === key);
    if (i >= 0) return i;
    this.types.push({ params, results });
    return this.types.length - 1;
  }

  importMemory(module: string, field: string, min: number): void { this.imports.push({ module, field, kind: 'memory', min }); }
  importTable(module: string, field: string, min: number): void { this.imports.push({ module, field, kind: 'table', min }); }

  /** Import a function; returns its function index. Imports come before every defined function. */
  importFunction(module: string, field: string, type: number): number {
    if (this.functions.length > 0) throw new Error('functions are imported before any is defined');
    this.imports.push({ module, field, kind: 'func', type });
    return this.importedFunctions++;
  }

  /** Define a function of `type`; returns its index and its body to fill. */
  define(type: number): { index: number; body: Body } {
    const body = new Body(this.types[type].params.length);
    this.functions.push({ type, body });
    return { index: this.importedFunctions + this.functions.length - 1, body };
  }

  export(name: string, func: number): void { this.exports.push({ name, func }); }

  bytes(): Uint8Array {
    const out = new Bytes();
    out.append(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00));
    const section = (id: number, content: Bytes): void => {
      out.push(id);
      uleb(out, content.length);
      out.append(content.contents());
    };
    const types = new Bytes();
    uleb(types, this.types.length);
    for (const t of this.types) {
      types.push(0x60);
      uleb(types, t.params.length); for (const p of t.params) types.push(p);
      uleb(types, t.results.length); for (const r of t.results) types.push(r);
    }
    section(1, types);
    const imports = new Bytes();
    uleb(imports, this.imports.length);
    for (const im of this.imports) {
      name(imports, im.module);
      name(imports, im.field);
      if (im.kind === 'func') { imports.push(0x00); uleb(imports, im.type); }
      else if (im.kind === 'table') { imports.push(0x01); imports.push(FUNCREF); imports.push(0x00); uleb(imports, im.min); }
      else { imports.push(0x02); imports.push(0x00); uleb(imports, im.min); }
    }
    section(2, imports);
    const funcs = new Bytes();
    uleb(funcs, this.functions.length);
    for (const f of this.functions) uleb(funcs, f.type);
    section(3, funcs);
    const exports = new Bytes();
    uleb(exports, this.exports.length);
    for (const e of this.exports) { name(exports, e.name); exports.push(0x00); uleb(exports, e.func); }
    section(7, exports);
    const code = new Bytes();
    uleb(code, this.functions.length);
    for (const f of this.functions) f.body.encode(code);
    section(10, code);
    return out.contents().slice();
  }
}
