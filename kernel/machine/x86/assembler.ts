/*
 * The assembler: Intel-syntax x86-64 text, as the seed writes it, to machine code.
 *
 *   mov rdi, rax; mov rax, [rdi*8]; ret        instructions separated by ';' or newlines
 *   lp: add rax, rcx                           labels, usable as branch targets
 *   add rdi, 1 / add rdi, 0x10 / add rdi, -1   decimal, 0x hex and 0b binary immediates
 *   mov rax, rdi*8                             the seed's bare scaled index, read as [rdi*8]
 *   mov qword ptr [rax+rbx*8+16], 5            memory operands, optionally sized
 *   {disp32} jmp lp / {load} mov rax, rbx      GNU as pseudo-prefixes that pin an encoding
 *   .byte 0x48, 0x89, 0xc7                     raw bytes
 *   mov rax, [rip+NIL] / lea rcx, [rip+lp]     rip-relative: a label, or a literal
 *   .literal NIL                               a literal (also made by naming it as above)
 *   # comment   "comment"                      comments to the end of the line, or in quotes
 *
 * Parsing yields structured instructions; the encoder (kernel/machine/x86/encoder.ts),
 * which works from the one instruction table, chooses the bytes as GNU `as` does. Branches
 * to labels start short and grow to 32 bits until every one reaches (as `as` relaxes them);
 * a numeric branch target is an offset from the start of the assembled code, and its branch is
 * the shortest that reaches it.
 *
 * Literals: a name in `[rip+NAME]` that is not a label of the code is a literal, a cell of
 * the literal area that follows the code (the cell after its last byte, rounded up to 8,
 * then one cell each in the order they were first named; cells.ts CODE_LITERALS). The
 * result lists their names; whoever places the code fills them with the objects they name.
 *
 * Errors are values: { line, column, message } saying what was expected and what was found.
 */
import { encode, type BranchSize } from './encoder.ts';
import type { Hints, MemOperand, Operand } from './operand.ts';
import { MNEMONICS, REG16, REG64, REG8, RIP, XMM } from './table.ts';

export interface AsmError {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export type AsmResult =
  | {
    readonly ok: true; readonly bytes: Uint8Array; readonly labels: ReadonlyMap<string, number>; readonly offsets: readonly number[];
    /** The names of the literals the code reads, in the order of its literal area (empty: none). */
    readonly literals: readonly string[];
  }
  | { readonly ok: false; readonly error: AsmError };

/** "line 2, column 5: expected ..." */
export function formatAsmError(e: AsmError): string {
  return `line ${e.line}, column ${e.column}: ${e.message}`;
}

interface Token {
  readonly text: string;
  readonly kind: 'word' | 'number' | 'punct' | 'end';
  readonly line: number;
  readonly column: number;
}

class AsmFailure {
  constructor(readonly error: AsmError) {}
}

const REGISTERS64 = new Map(REG64.map((name, i) => [name, i]));
const REGISTERS8 = new Map(REG8.map((name, i) => [name, i]));
const REGISTERS16 = new Map(REG16.map((name, i) => [name, i]));
const REGISTERSXMM = new Map(XMM.map((name, i) => [name, i]));

/** Blank out comments, keeping every other character (and so every line and column) in place. */
function stripComments(source: string): string {
  let out = '';
  let inQuote = false, inHash = false;
  for (const ch of source) {
    if (ch === '\n') { inHash = false; out += ch; continue; }
    if (inHash) { out += ' '; continue; }
    if (inQuote) { if (ch === '"') inQuote = false; out += ' '; continue; }
    if (ch === '"') { inQuote = true; out += ' '; continue; }
    if (ch === '#') { inHash = true; out += ' '; continue; }
    out += ch;
  }
  return out;
}

/** Split into statements: (tokens of one statement), at ';' and at line ends. */
function tokenize(source: string): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  const lines = stripComments(source).split('\n');
  lines.forEach((text, li) => {
    let i = 0;
    const line = li + 1;
    while (i < text.length) {
      const ch = text[i];
      if (ch === ' ' || ch === '\t' || ch === '\r') { i++; continue; }
      if (ch === ';') { statements.push(current); current = []; i++; continue; }
      const column = i + 1;
      const word = /^[A-Za-z_.$][A-Za-z0-9_.$]*/.exec(text.slice(i));
      if (word) { current.push({ text: word[0], kind: 'word', line, column }); i += word[0].length; continue; }
      const num = /^(0[xX][0-9A-Fa-f_]+|0[bB][01_]+|[0-9][0-9_]*)/.exec(text.slice(i));
      if (num) { current.push({ text: num[0], kind: 'number', line, column }); i += num[0].length; continue; }
      current.push({ text: ch, kind: 'punct', line, column });
      i++;
    }
    statements.push(current);
    current = [];
  });
  return statements.filter((s) => s.length > 0);
}

function parseNumber(text: string): bigint {
  return BigInt(text.replace(/_/g, ''));
}

const BRANCHES = new Set(['jmp', 'call', ...[...MNEMONICS.keys()].filter((m) => MNEMONICS.get(m)![0].operation === 'jcc')]);

/** Where an item came from, for error messages. */
export interface Where { readonly line: number; readonly column: number }

/** An operand of an item: an operand, or a reference to a label resolved at layout. */
export type ItemOperand = Operand | { readonly kind: 'label'; readonly name: string; readonly where?: Where };

/**
 * What the assembler lays out: instructions (with label references), labels and raw bytes.
 * The text parser produces these; so does the native compiler, which builds code directly.
 */
export type AsmItem =
  | { readonly kind: 'insn'; readonly mnemonic: string; readonly operands: readonly ItemOperand[]; readonly hints: Hints; readonly where?: Where }
  | { readonly kind: 'label'; readonly name: string; readonly where?: Where }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'literal'; readonly name: string; readonly where?: Where };

type ParsedOperand = ItemOperand;
type Item = AsmItem;

/** An instruction during layout: its chosen branch size and current length. */
interface Placed {
  readonly item: Extract<AsmItem, { kind: 'insn' }>;
  branch: BranchSize;
  size: number;
  /** The bytes of an instruction that names no label and no branch target: the same wherever it lands. */
  fixed?: Uint8Array;
  /** For one whose length depends on its branch size alone (lengthByBranchSize): the length of each size, once measured. */
  lengths?: Map<BranchSize, number>;
}

const NOWHERE: Where = { line: 1, column: 1 };

class StatementParser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    const last = this.tokens[this.tokens.length - 1];
    return this.tokens[this.i] ?? { text: '', kind: 'end', line: last.line, column: last.column + last.text.length };
  }
  private next(): Token { const t = this.peek(); this.i++; return t; }
  private atEnd(): boolean { return this.i >= this.tokens.length; }

  private fail(t: Token, expected: string): never {
    const found = t.kind === 'end' ? 'the end of the statement' : `'${t.text}'`;
    throw new AsmFailure({ line: t.line, column: t.column, message: `expected ${expected}, found ${found}` });
  }

  private expect(text: string, expected = `'${text}'`): Token {
    const t = this.next();
    if (t.text !== text) this.fail(t, expected);
    return t;
  }

  parse(items: Item[]): void {
    // Labels first: `name:` possibly followed by an instruction.
    while (this.tokens[this.i + 1]?.text === ':' && this.peek().kind === 'word') {
      const t = this.next();
      this.next();
      items.push({ kind: 'label', name: t.text, where: { line: t.line, column: t.column } });
    }
    if (this.atEnd()) return;
    const hints: { -readonly [K in keyof Hints]: Hints[K] } = {};
    while (this.peek().text === '{') {
      const open = this.next();
      const name = this.next();
      if (!['load', 'store', 'disp8', 'disp32'].includes(name.text.toLowerCase())) this.fail(name, 'a pseudo-prefix: load, store, disp8 or disp32');
      hints[name.text.toLowerCase() as keyof Hints] = true;
      this.expect('}');
      void open;
    }
    const head = this.next();
    if (head.kind !== 'word') this.fail(head, 'an instruction or a label');
    const mnemonic = head.text.toLowerCase();
    if (mnemonic === '.byte') { items.push({ kind: 'bytes', bytes: this.parseBytes() }); return; }
    if (mnemonic === '.literal') {
      const name = this.next();
      if (name.kind !== 'word') this.fail(name, 'the name of a literal');
      if (!this.atEnd()) this.fail(this.peek(), 'the end of the statement');
      items.push({ kind: 'literal', name: name.text, where: { line: name.line, column: name.column } });
      return;
    }
    if (!MNEMONICS.has(mnemonic)) {
      throw new AsmFailure({ line: head.line, column: head.column, message: `expected an instruction, found '${head.text}'` });
    }
    const operands: ParsedOperand[] = [];
    if (!this.atEnd()) {
      operands.push(this.parseOperand(BRANCHES.has(mnemonic)));
      while (!this.atEnd()) {
        this.expect(',', "',' or the end of the statement");
        operands.push(this.parseOperand(BRANCHES.has(mnemonic)));
      }
    }
    // `imul r, imm` is `imul r, r, imm`, as GNU as reads it.
    if (mnemonic === 'imul' && operands.length === 2 && operands[0].kind === 'reg' && operands[1].kind === 'imm') {
      operands.splice(1, 0, operands[0]);
    }
    items.push({ kind: 'insn', mnemonic, operands, hints, where: { line: head.line, column: head.column } });
  }

  private parseBytes(): Uint8Array {
    const out: number[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind !== 'number') this.fail(t, 'a byte value');
      const v = parseNumber(t.text);
      if (v > 255n) this.fail(t, 'a byte value (0 to 255)');
      out.push(Number(v));
      if (this.atEnd()) return Uint8Array.from(out);
      this.expect(',', "',' or the end of the statement");
    }
  }

  private parseSignedNumber(): bigint | null {
    const t = this.peek();
    if (t.text === '-' || t.text === '+') {
      const n = this.tokens[this.i + 1];
      if (n?.kind !== 'number') return null;
      this.i += 2;
      return t.text === '-' ? -parseNumber(n.text) : parseNumber(n.text);
    }
    if (t.kind === 'number') { this.i++; return parseNumber(t.text); }
    return null;
  }

  private parseOperand(branch: boolean): ParsedOperand {
    const t = this.peek();
    const word = t.text.toLowerCase();
    let size: 0 | 8 | 16 | 64 | 128 = 0;
    if (word === 'qword' || word === 'byte' || word === 'word' || word === 'xmmword') {
      this.next();
      if (this.peek().text.toLowerCase() === 'ptr') this.next();
      size = word === 'qword' ? 64 : word === 'word' ? 16 : word === 'xmmword' ? 128 : 8;
      if (this.peek().text !== '[') {
        const r = this.peek();
        if (r.kind === 'word' && REGISTERS64.has(r.text.toLowerCase()) && this.tokens[this.i + 1]?.text === '*') {
          return this.parseMemoryTerms(size, null);
        }
        this.fail(this.peek(), "a memory operand '[...]'");
      }
    }
    if (this.peek().text === '[') {
      this.next();
      const m = this.parseMemoryTerms(size, ']');
      return m;
    }
    if (t.kind === 'word') {
      if (REGISTERS64.has(word)) {
        if (this.tokens[this.i + 1]?.text === '*') return this.parseMemoryTerms(0, null); // the seed's bare `rdi*8`
        this.next();
        return { kind: 'reg', reg: REGISTERS64.get(word)! };
      }
      if (REGISTERS8.has(word)) { this.next(); return { kind: 'reg8', reg: REGISTERS8.get(word)! }; }
      if (REGISTERS16.has(word)) { this.next(); return { kind: 'reg16', reg: REGISTERS16.get(word)! }; }
      if (REGISTERSXMM.has(word)) { this.next(); return { kind: 'xmm', reg: REGISTERSXMM.get(word)! }; }
      if (branch && !MNEMONICS.has(word)) { this.next(); return { kind: 'label', name: t.text, where: { line: t.line, column: t.column } }; }
    }
    const n = this.parseSignedNumber();
    if (n !== null) return branch ? { kind: 'rel', target: Number(n) } : { kind: 'imm', value: n };
    return this.fail(t, branch ? 'a label, a register, a memory operand or an offset' : 'a register, a memory operand or a number');
  }

  /** base + index*scale + disp, up to `close` (']'), or to the end of the operand for the bare form. */
  private parseMemoryTerms(size: 0 | 8 | 16 | 64 | 128, close: string | null): MemOperand {
    let base = -1, index = -1, scale: 1 | 2 | 4 | 8 = 1, disp = 0n;
    let sign = 1n;
    let first = true;
    let indexToken: Token | null = null, dispToken: Token | null = null;
    let label: string | undefined;
    const takeRegister = (r: number, rt: Token, scaleValue: bigint | null): void => {
      if (sign < 0n) this.fail(rt, 'a register to be added, not subtracted');
      if (scaleValue !== null) {
        if (![1n, 2n, 4n, 8n].includes(scaleValue)) this.fail(rt, 'a scale of 1, 2, 4 or 8');
        if (index >= 0) this.fail(rt, 'at most one index register');
        if (r === RIP) this.fail(rt, 'a register that can be an index (not rip)');
        index = r;
        indexToken = rt;
        scale = Number(scaleValue) as 1 | 2 | 4 | 8;
      } else if (base < 0) {
        base = r;
      } else if (index < 0) {
        if (r === RIP) this.fail(rt, 'rip only as the base');
        index = r;
        indexToken = rt;
      } else {
        this.fail(rt, 'at most a base and an index register');
      }
    };
    for (;;) {
      if (!first) {
        const op = this.peek();
        if (close !== null && op.text === close) { this.next(); break; }
        if (close === null && (op.text !== '+' && op.text !== '-')) break;
        if (op.text !== '+' && op.text !== '-') this.fail(op, `'+', '-' or '${close}'`);
        this.next();
        sign = op.text === '-' ? -1n : 1n;
      } else if (this.peek().text === '-') {
        this.next();
        sign = -1n;
      }
      first = false;
      const t = this.next();
      const w = t.text.toLowerCase();
      const r = w === 'rip' ? RIP : REGISTERS64.get(w);
      if (t.kind === 'word' && r !== undefined) {
        if (this.peek().text === '*') {
          this.next();
          const s = this.next();
          if (s.kind !== 'number') this.fail(s, 'a scale of 1, 2, 4 or 8');
          takeRegister(r, t, parseNumber(s.text));
        } else {
          takeRegister(r, t, null);
        }
      } else if (t.kind === 'number') {
        const v = parseNumber(t.text);
        if (this.peek().text === '*') {
          this.next();
          const rt = this.next();
          const rr = REGISTERS64.get(rt.text.toLowerCase());
          if (rr === undefined) this.fail(rt, 'an index register after the scale');
          takeRegister(rr, rt, v);
        } else {
          disp += sign * v;
          dispToken ??= t;
        }
      } else if (t.kind === 'word' && base === RIP && label === undefined && sign > 0n && this.peek().text !== '*') {
        label = t.text;
      } else {
        this.fail(t, base === RIP ? 'a register, a number, or a label or literal after rip' : 'a register or a number in the address');
      }
    }
    if (index === 4) {
      // [rsp + x] with rsp written second: swap, as rsp can only be the base.
      if (scale === 1 && base >= 0 && base !== RIP) { index = base; base = 4; } else {
        this.fail(indexToken ?? this.peek(), 'an index register other than rsp');
      }
    }
    // As in GNU as, a sum in [2^63, 2^64) is the 64-bit pattern of a negative displacement: [rbx+0xffffffffffffffff] is [rbx-1].
    if (disp >= 2n ** 63n && disp < 2n ** 64n) disp -= 2n ** 64n;
    if (disp < -(2n ** 31n) || disp > 2n ** 31n - 1n) this.fail(dispToken ?? this.tokens[this.i - 1], 'a displacement that fits in 32 bits');
    if (label !== undefined) {
      if (index >= 0) this.fail(indexToken ?? this.peek(), 'no index register beside rip');
      return { kind: 'mem', base, index, scale, disp: Number(disp), size, label };
    }
    return { kind: 'mem', base, index, scale, disp: Number(disp), size };
  }
}

function failAt(where: Where | undefined, message: string): never {
  const w = where ?? NOWHERE;
  throw new AsmFailure({ line: w.line, column: w.column, message });
}

function resolve(ops: readonly ItemOperand[], labels: Map<string, number>): Operand[] {
  return ops.map((op) => {
    if (op.kind === 'mem' && op.label !== undefined) return { ...op, label: undefined };
    if (op.kind !== 'label') return op;
    const target = labels.get(op.name);
    if (target === undefined) failAt(op.where, `expected a label defined in this code, found '${op.name}'`);
    return { kind: 'rel', target };
  });
}

/** Encode one instruction at `address`, raising the encoder's complaint as an AsmFailure. */
function encodePlaced(p: Placed, labels: Map<string, number>, address: number, forLayout: boolean): Uint8Array {
  const item = p.item;
  const operands = forLayout
    ? item.operands.map((op) => (op.kind === 'label' ? ({ kind: 'rel', target: labels.get(op.name) ?? address }) as Operand : op))
    : resolve(item.operands, labels);
  let r = encode(item.mnemonic, operands, item.hints, address, p.branch);
  // A rip-relative label or literal: its displacement counts from the end of the instruction,
  // whose length does not depend on it (always 32 bits).
  const at = item.operands.findIndex((op) => op.kind === 'mem' && op.label !== undefined);
  if (r.ok && at >= 0 && !forLayout) {
    const m = item.operands[at] as MemOperand;
    const target = labels.get(m.label!);
    if (target === undefined) failAt(item.where, `expected a label or literal, found '${m.label}'`);
    const fixed = operands.slice();
    fixed[at] = { kind: 'mem', base: RIP, index: -1, scale: 1, disp: target + m.disp - (address + r.bytes.length), size: m.size };
    r = encode(item.mnemonic, fixed, { ...item.hints, disp32: true }, address, p.branch);
  }
  if (!r.ok) {
    if (forLayout && p.branch === 'short') return new Uint8Array(0);
    failAt(item.where, r.error);
  }
  return r.bytes;
}

/**
 * Only branches to labels are relaxed: their targets move as branches grow. A numeric target
 * stays where it is, so its branch is simply the shortest that reaches from where it lands
 * (starting it short could make it grow for an address it only has in an early pass, and a
 * disassembled listing would not assemble back to its bytes).
 */
function namesLabel(item: Extract<AsmItem, { kind: 'insn' }>): boolean {
  return item.operands.some((op) => op.kind === 'label' || op.kind === 'rel' || (op.kind === 'mem' && op.label !== undefined));
}

function isRelaxable(item: Extract<AsmItem, { kind: 'insn' }>): boolean {
  return BRANCHES.has(item.mnemonic) && item.operands[0]?.kind === 'label';
}

/** Assemble `source` into bytes. Never throws: errors come back as values. */
export function assemble(source: string): AsmResult {
  try {
    const items: Item[] = [];
    for (const statement of tokenize(source)) new StatementParser(statement).parse(items);
    return layOut(items);
  } catch (e) {
    if (e instanceof AsmFailure) return { ok: false, error: e.error };
    throw e;
  }
}

/**
 * Parse `source` into items without laying them out (for a compiler that copies fragments of
 * assembly text into code of its own, as the Forth back end copies its primitives' bodies).
 */
export function parseItems(source: string): { readonly ok: true; readonly items: AsmItem[] } | { readonly ok: false; readonly error: AsmError } {
  try {
    const items: Item[] = [];
    for (const statement of tokenize(source)) new StatementParser(statement).parse(items);
    return { ok: true, items };
  } catch (e) {
    if (e instanceof AsmFailure) return { ok: false, error: e.error };
    throw e;
  }
}

/**
 * Lay out and encode items: labels get addresses, branches to labels start short and grow to
 * 32 bits until every one reaches (as GNU as relaxes them). Never throws.
 */
export function assembleItems(items: readonly AsmItem[]): AsmResult {
  try {
    return layOut(items);
  } catch (e) {
    if (e instanceof AsmFailure) return { ok: false, error: e.error };
    throw e;
  }
}

/**
 * Code laid out at 0 by assembleItems (`laid`), placed at another address instead: `items` are
 * the same items with their numeric branch targets counted from there (the only thing that
 * differs), so only the instructions with such a target are encoded again, in place. Null when
 * one of them would change length there: then lay the items out again (assembleItems).
 */
export function placeAt(items: readonly AsmItem[], laid: Extract<AsmResult, { ok: true }>): Uint8Array | null {
  if (laid.offsets.length !== items.length) return null;
  let bytes: Uint8Array | null = null;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item.kind !== 'insn' || !item.operands.some((op) => op.kind === 'rel')) continue;
    if (item.operands.some((op) => op.kind === 'label' || (op.kind === 'mem' && op.label !== undefined))) return null;
    const at = laid.offsets[i];
    const length = (i + 1 < items.length ? laid.offsets[i + 1] : laid.bytes.length) - at;
    const r = encode(item.mnemonic, item.operands as readonly Operand[], item.hints, at);
    if (!r.ok || r.bytes.length !== length) return null;
    bytes ??= laid.bytes.slice();
    bytes.set(r.bytes, at);
  }
  return bytes ?? laid.bytes;
}

function layOut(items: readonly AsmItem[]): AsmResult {
  const labels = new Map<string, number>();
  for (const item of items) {
    if (item.kind === 'label') {
      if (labels.has(item.name)) failAt(item.where, `expected a new label name, found '${item.name}' defined twice`);
      labels.set(item.name, 0);
    }
  }
  // The literals: declared, or named in [rip+NAME] and not a label, in order of first mention.
  const literals: string[] = [];
  const isLiteral = new Set<string>();
  const addLiteral = (name: string): void => { if (!isLiteral.has(name)) { isLiteral.add(name); literals.push(name); } };
  for (const item of items) {
    if (item.kind === 'literal') {
      if (labels.has(item.name)) failAt(item.where, `expected a literal name, found '${item.name}', a label`);
      addLiteral(item.name);
    } else if (item.kind === 'insn') {
      for (const op of item.operands) {
        if (op.kind === 'mem' && op.label !== undefined && !labels.has(op.label)) addLiteral(op.label);
      }
    }
  }
  const placed = new Map<AsmItem, Placed>();
  for (const item of items) {
    if (item.kind !== 'insn') continue;
    const relax = isRelaxable(item) && !item.hints.disp32;
    placed.set(item, { item, branch: relax ? (hasShortForm(item.mnemonic) ? 'short' : 'auto') : 'auto', size: 0 });
  }
  // An instruction whose bytes cannot depend on where it lands is encoded once, so that a
  // pass of the relaxation below costs a sum and the branches, not an encoding of everything.
  // One that names labels only (a branch to a label, a [rip+NAME]) has a length that depends
  // on its branch size alone: measured once for each size it takes. Only one with a numeric
  // branch target that may be short is encoded again in every pass.
  for (const p of placed.values()) {
    if (!namesLabel(p.item)) p.fixed = encodePlaced(p, labels, 0, false);
    else if (lengthByBranchSize(p)) p.lengths = new Map();
  }
  for (let pass = 0; ; pass++) {
    let address = 0;
    for (const item of items) {
      if (item.kind === 'label') labels.set(item.name, address);
      else if (item.kind === 'bytes') address += item.bytes.length;
      else if (item.kind === 'literal') continue;
      else {
        const p = placed.get(item)!;
        p.size = p.fixed ? p.fixed.length : p.lengths ? lengthAt(p) : encodePlaced(p, labels, address, true).length || 2;
        address += p.size;
      }
    }
    let changed = false;
    address = 0;
    for (const item of items) {
      if (item.kind === 'bytes') { address += item.bytes.length; continue; }
      if (item.kind !== 'insn') continue;
      const p = placed.get(item)!;
      if (p.branch === 'short' && !p.fixed && !reaches(p, labels, address)) { p.branch = 'near'; changed = true; }
      address += p.size;
    }
    if (!changed || pass > items.length) break;
  }
  let size = 0;
  for (const item of items) {
    if (item.kind === 'bytes') size += item.bytes.length;
    else if (item.kind === 'insn') size += placed.get(item)!.size;
  }
  const literalsAt = Math.max(8, Math.ceil(size / 8) * 8);
  literals.forEach((name, i) => labels.set(name, literalsAt + 8 * i));
  const bytes = new Uint8Array(size);
  const offsets: number[] = [];
  let at = 0;
  for (const item of items) {
    offsets.push(at);
    if (item.kind === 'label' || item.kind === 'literal') continue;
    const b = item.kind === 'bytes' ? item.bytes : placed.get(item)!.fixed ?? encodePlaced(placed.get(item)!, labels, at, false);
    if (at + b.length > size) failAt(item.kind === 'insn' ? item.where : undefined, 'the code changed size when laid out');
    bytes.set(b, at);
    at += b.length;
  }
  for (const name of literals) labels.delete(name);
  return { ok: true, bytes: bytes.subarray(0, at), labels, offsets, literals };
}

/**
 * Does the instruction's length depend on its branch size alone, not on where it or its
 * labels land? So when it names labels (as branch targets, or [rip+NAME], always 32 bits)
 * and no numeric target, and its branch size is pinned: short or near, or 'auto' with no
 * 8-bit form to choose ({disp32}, or a call).
 */
function lengthByBranchSize(p: Placed): boolean {
  if (p.item.operands.some((op) => op.kind === 'rel')) return false;
  return p.branch !== 'auto' || p.item.hints.disp32 === true || !hasShortForm(p.item.mnemonic);
}

/** The length of such an instruction at its current branch size (measured with its labels where it is: always in reach). */
function lengthAt(p: Placed): number {
  const known = p.lengths!.get(p.branch);
  if (known !== undefined) return known;
  const n = encodePlaced(p, NO_LABELS, 0, true).length || 2;
  p.lengths!.set(p.branch, n);
  return n;
}

const NO_LABELS: Map<string, number> = new Map();

/** Does a short branch at `address`, `p.size` long, reach its label (an unknown label reaches: the final encoding says it is unknown)? */
function reaches(p: Placed, labels: Map<string, number>, address: number): boolean {
  if (!p.lengths) return encodePlaced(p, labels, address, true).length > 0;
  for (const op of p.item.operands) {
    if (op.kind !== 'label') continue;
    const target = labels.get(op.name);
    if (target === undefined) continue;
    const disp = target - (address + p.size);
    if (disp < -128 || disp > 127) return false;
  }
  return true;
}

function hasShortForm(mnemonic: string): boolean {
  return (MNEMONICS.get(mnemonic) ?? []).some((r) => r.operands[0] === 'rel8');
}

/** Bytes as "48 89 c7 ...", as `bedrock asm` prints them. */
export function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
