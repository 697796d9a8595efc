/*
 * The shape of a send's hit path, recognised in a code object's instructions so that the
 * translator can run it inline at a call (translate.ts, FunctionWriter.inlineSend): a call to
 * Kernel>>send (bootstrap/kernel.bedrock; kernel/objects/send.ts) then costs one WebAssembly
 * call, to the method, instead of a call to Kernel>>send's function and its tail call.
 *
 * The code object must begin with exactly these eight instructions (any registers C, R, T,
 * any shift S, any cell-aligned slots K and E; the jne targets anywhere):
 *
 *   lar C, R            the receiver's tag
 *   cmp C, 1            an object?
 *   jne ...
 *   mov C, [R-8]        its header
 *   shr C, S            its class index
 *   cmp C, [T+K]        the site's key
 *   jne ...
 *   jmp [T+E]           the site's entry
 *
 * and, for a number receiver, where the first jne leads (its tag 0 is below 1):
 *
 *   ja ...              not taken
 *   cmp qword ptr [T+K], IMM    the class of numbers against the key
 *   jne ...
 *   jmp [T+E]
 *
 * Only the case where all of it runs straight through (an object receiver whose class is the
 * key, or a number where the key is IMM; nothing poisoned, the budget enough for the path, the
 * entry a code object's start) is
 * done inline; anything else calls the code object as ever, so the interpreter's semantics
 * (faults, counts, the miss path) are untouched. The translation reads the instructions
 * decoded, so a store into them flushes it (Machine.codeWritten), and the call's target is a
 * rel32 one, so freeing the code object drops the caller's translation (Tier.forgotten).
 */
import type { Machine } from '../machine.ts';
import { OP, type CodeCache, type Insn } from '../insn.ts';
import type { Operand } from '../x86/operand.ts';
import { RIP, RSP } from '../x86/table.ts';

export interface SendShape {
  /** The class register C, the receiver R, the site T. */
  readonly cls: number;
  readonly recv: number;
  readonly site: number;
  /** The class index is the header shifted right by this. */
  readonly shift: number;
  /** Byte offsets of the key and the entry in the site. */
  readonly key: number;
  readonly entry: number;
  /** Instructions the hit path executes (what the budget pays). */
  readonly count: number;
  /**
   * The path a number receiver takes, when the first jne leads to `ja ...; cmp qword ptr
   * [T+K], IMM; jne ...; jmp [T+E]` (the same K and E): its class is the constant IMM, the
   * class register holds the receiver's tag (0), and it runs `count` instructions. Else null.
   */
  readonly number: { readonly cls: bigint; readonly count: number } | null;
}

const JNE = 0x5, JA = 0x7;

const reg = (o: Operand | undefined): number => (o !== undefined && o.kind === 'reg' && o.reg !== RSP ? o.reg : -1);
const slotOf = (o: Operand | undefined, base: number): number =>
  o !== undefined && o.kind === 'mem' && o.base === base && o.index < 0 && (o.size === 64 || o.size === 0) && o.disp >= 0 && (o.disp & 7) === 0 ? o.disp : -1;

/** The shape of the code object at `address` when it begins as a send's hit path; else null. */
export function sendShapeAt(m: Machine, address: number): SendShape | null {
  const code = m.cacheOf(address);
  if (!code) return null;
  const insns: Insn[] = [];
  let off = 0;
  for (let k = 0; k < 8; k++) {
    if (off >= code.byteLength) return null;
    const ins = m.fetch(code, off);
    if (ins.op === OP.FAULT || ins.op === OP.EXIT || !ins.row || !ins.decoded) return null;
    insns.push(ins);
    off += ins.len;
  }
  const op = (k: number): readonly Operand[] => insns[k].decoded!.operands;
  const is = (k: number, operation: string): boolean => insns[k].row!.operation === operation;
  // lar C, R
  if (!is(0, 'lar')) return null;
  const c = reg(op(0)[0]);
  const s = op(0)[1];
  const r = s && (s.kind === 'reg' || s.kind === 'reg16') && s.reg !== RSP ? s.reg : -1;
  if (c < 0 || r < 0 || c === r) return null;
  // cmp C, 1; jne
  if (!is(1, 'cmp') || reg(op(1)[0]) !== c || op(1)[1]?.kind !== 'imm' || (op(1)[1] as { value: bigint }).value !== 1n) return null;
  if (!is(2, 'jcc') || insns[2].row!.cc !== JNE) return null;
  // mov C, [R-8]
  const h = op(3)[1];
  if (!is(3, 'mov') || reg(op(3)[0]) !== c || !h || h.kind !== 'mem' || h.base !== r || h.index >= 0 || h.disp !== -8 || (h.size !== 64 && h.size !== 0)) return null;
  // shr C, S
  const sh = op(4)[1];
  if (!is(4, 'shr') || reg(op(4)[0]) !== c || !sh || sh.kind !== 'imm' || sh.value < 0n || sh.value > 63n) return null;
  // cmp C, [T+K]; jne
  const km = op(5)[1];
  const t = km && km.kind === 'mem' ? km.base : -1;
  if (!is(5, 'cmp') || reg(op(5)[0]) !== c || t < 0 || t === RIP || t === RSP || t === c) return null;
  const key = slotOf(km, t);
  if (key < 0) return null;
  if (!is(6, 'jcc') || insns[6].row!.cc !== JNE) return null;
  // jmp [T+E]
  if (!is(7, 'jmp')) return null;
  const entry = slotOf(op(7)[0], t);
  if (entry < 0) return null;
  return { cls: c, recv: r, site: t, shift: Number(sh.value), key, entry, count: 8, number: numberPath(m, code, insns[2].target, t, key, entry) };
}

/** The number receiver's path from `off` (see SendShape.number), or null. */
function numberPath(m: Machine, code: CodeCache, off: number, site: number, key: number, entry: number): SendShape['number'] {
  const insns: Insn[] = [];
  for (let k = 0; k < 4; k++) {
    if (off < 0 || off >= code.byteLength) return null;
    const ins = m.fetch(code, off);
    if (ins.op === OP.FAULT || ins.op === OP.EXIT || !ins.row || !ins.decoded) return null;
    insns.push(ins);
    off += ins.len;
  }
  const op = (k: number): readonly Operand[] => insns[k].decoded!.operands;
  if (insns[0].row!.operation !== 'jcc' || insns[0].row!.cc !== JA) return null;
  const imm = op(1)[1];
  if (insns[1].row!.operation !== 'cmp' || slotOf(op(1)[0], site) !== key || !imm || imm.kind !== 'imm') return null;
  if (insns[2].row!.operation !== 'jcc' || insns[2].row!.cc !== JNE) return null;
  if (insns[3].row!.operation !== 'jmp' || slotOf(op(3)[0], site) !== entry) return null;
  return { cls: imm.value, count: 7 };
}
