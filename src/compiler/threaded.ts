/*
 * The threaded back end: each IR operation becomes one or more (method, operand) pairs that
 * `VM run:` calls in turn (kernel/ABI.md), the methods being the kernel's threaded
 * primitives (bootstrap/kernel.bedrock, `Threaded ...`) or a machine object's primitive.
 *
 *   IR                          pairs
 *   load 5 (push)               (lit: 5)
 *   load temp 0                 (loadFrame: -24)
 *   send #+ 1                   (send1: #+)
 *   primitive ALU>>add: 1       (ALU>>add:, 5)            when the argument is a literal
 *                               (apply1: ALU>>add:)       otherwise
 *   jumpIf false L (restore)    (popJumpIfFalse: 2*index(L))
 *   return                      (return)
 *
 * The operands of jumps are pair indexes in cells (2 per pair), what `run:` keeps in rbx.
 */
import { FRAME } from '../../kernel/abi.ts';
import { arithmeticSealed, isArithmeticSelector, type ArithmeticSelector } from '../../kernel/objects/arithmetic.ts';
import { TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import { slotPointer } from '../../kernel/objects/access.ts';
import { behaviourIndex, lookup } from '../../kernel/objects/classes.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CONTEXT, METHOD, METHOD_KIND, ROOTS } from '../../kernel/objects/layout.ts';
import { frameOffset, type Op, type Slot, type Source, type Unit } from './ir.ts';

/** Threaded code's frame bias: run: saved rbp, rbx, r12 and r13 (ir.ts). */
export const THREADED_BIAS = FRAME.THREADED_BIAS;
/** Sends of up to this many arguments have a primitive each (send0: .. send6:); more use sendMany:. */
export const THREADED_SEND_ARGUMENTS = 6;
/** Register primitives of up to this many arguments are applied in place (apply1:, apply2:); more, at their entry. */
export const THREADED_APPLY_ARGUMENTS = 2;

/** One pair: the method's code object, and the operand (a number, or a pointer). */
export interface Pair {
  readonly method: number;
  readonly operand: bigint;
  readonly tag: number;
  /** For listings: the primitive's name and a description of the operand. */
  readonly text: string;
}

export type ThreadedResult = { readonly ok: true; readonly pairs: readonly Pair[]; /** The op (index in unit.ops) each pair was made for. */ readonly ops: readonly number[] } | { readonly ok: false; readonly message: string };

/** The code objects of the kernel's threaded primitives, by selector. */
/** The Threaded primitive that stands for each special selector's send (bootstrap/kernel.bedrock). */
const THREADED_ARITHMETIC: Readonly<Record<ArithmeticSelector, string>> = Object.freeze({
  '+': 'plus:', '-': 'minus:', '*': 'times:', '<': 'less:', '>': 'greater:', '<=': 'lessEqual:', '>=': 'greaterEqual:',
  '=': 'equal:', '~=': 'notEqual:', 'bitAnd:': 'bitAnd:', 'bitOr:': 'bitOr:', 'bitXor:': 'bitXor:',
});

export class ThreadedPrimitives {
  private readonly codes = new Map<string, number>();
  constructor(private readonly k: Kernel) {}

  get(selector: string): number {
    const known = this.codes.get(selector);
    if (known !== undefined) return known;
    const b = this.k.behaviourNamed('Threaded');
    const method = lookup(this.k, behaviourIndex(this.k, b), this.k.symbols.intern(selector));
    if (method < 0) throw new Error(`the kernel has no Threaded>>${selector}`);
    const code = slotPointer(this.k.machine, method, METHOD.CODE);
    this.codes.set(selector, code);
    return code;
  }
}

/**
 * Pairs for `unit`. `literals` is the address of its literal array (slot i holds
 * unit.literals[i]); `sites` gives each send's site: a SendSite for a dynamic send, an Array
 * (selector, behaviour) for a super send.
 */
export function threadedPairs(
  k: Kernel, unit: Unit, literals: number, prims: ThreadedPrimitives, sites: ReadonlyMap<Op, number>,
): ThreadedResult {
  const pairs: Pair[] = [];
  const arithmetic = arithmeticSealed(k);
  const labelAt = new Map<number, number>();
  const fixups: { pair: number; label: number }[] = [];
  const pair = (selector: string, operand: bigint = 0n, tag = TAG_NUM, text = ''): void => {
    pairs.push({ method: prims.get(selector), operand, tag, text: `${selector} ${text}`.trim() });
  };
  const pointer = (selector: string, address: number, text: string): void => pair(selector, BigInt(address), TAG_PTR, text);
  const jumpPair = (selector: string, label: number): void => {
    fixups.push({ pair: pairs.length, label });
    pair(selector);
  };
  /** The object in slot i of the literal array: operands are pointers, never addresses. */
  const literalAt = (i: number): number => slotPointer(k.machine, literals, i);
  const argc = unit.argc;
  const isBlock = unit.ops[0]?.op === 'prologue' && unit.ops[0].block;
  /** Where a block's closure is in its frame (the receiver's place; the spilled rax for no arguments). */
  const closureOffset = argc === 0 ? FRAME.SPILLED : frameOffset({ kind: 'argument', index: 0 }, argc, THREADED_BIAS);

  const loadPair = (from: Source, push: boolean): void => {
    switch (from.kind) {
      case 'number': pair(push ? 'lit:' : 'load:', from.value, TAG_NUM, String(from.value)); return;
      case 'instance': pair(push ? 'pushIvar:' : 'loadIvar:', BigInt(from.index), TAG_NUM, `slot ${from.index}`); return;
      case 'context': pair(push ? 'pushContext:' : 'loadContext:', contextSpec(from.hops, from.index), TAG_NUM, `${from.name} (captured)`); return;
      case 'field': throw new Error('threaded code has no inlined method');
      case 'literal': pointer(push ? 'lit:' : 'load:', literalAt(from.index), from.name ?? `literal ${from.index}`); return;
      case 'global': pointer(push ? 'pushGlobal:' : 'loadGlobal:', literalAt(from.index), from.name); return;
      default: pair(push ? 'pushFrame:' : 'loadFrame:', BigInt(frameOffset(from, argc, THREADED_BIAS)), TAG_NUM, describeSlot(from)); return;
    }
  };
  const storePair = (to: Slot): void => {
    switch (to.kind) {
      case 'instance': pair('storeIvar:', BigInt(to.index), TAG_NUM, `slot ${to.index}`); return;
      case 'context': pair('storeContext:', contextSpec(to.hops, to.index), TAG_NUM, `${to.name} (captured)`); return;
      case 'field': throw new Error('threaded code has no inlined method');
      case 'global': pointer('storeGlobal:', literalAt(to.index), to.name); return;
      case 'literal': throw new Error('a literal is not assignable');
      default: pair('storeFrame:', BigInt(frameOffset(to, argc, THREADED_BIAS)), TAG_NUM, describeSlot(to)); return;
    }
  };

  const ops = unit.ops;
  const opOf: number[] = [];
  /** Inside a method's body inlined at a send (ir.ts `guard`): left out up to its send's label. */
  let skipTo = -1;
  for (let i = 0; i < ops.length; i++) {
    while (opOf.length < pairs.length) opOf.push(i - 1);
    opOf.length = pairs.length;
    const op = ops[i];
    if (skipTo >= 0) {
      if (op.op !== 'label' || op.id !== skipTo) continue;
      skipTo = -1;
    }
    switch (op.op) {
      case 'prologue':
        pair('pushTop', 0n, TAG_NUM, '(spill)');
        if (op.block) pair('closureSelf:', BigInt(closureOffset), TAG_NUM, '(self)');
        else if (op.argc === 0) pair('pushTop', 0n, TAG_NUM, '(self)');
        else pair('copyFrame:', BigInt(frameOffset({ kind: 'argument', index: 0 }, op.argc, THREADED_BIAS)), TAG_NUM, '(self)');
        for (let t = 0; t < op.temps; t++) pointer('pushUnder:', k.nil, 'nil');
        break;
      case 'environment':
        if (op.vars < 0) { pair('outerEnvironment:', BigInt(closureOffset), TAG_NUM, '(outer)'); break; }
        pair('newContext:', BigInt(CONTEXT.VARS + op.vars), TAG_NUM, `(${op.vars} captured)`);
        if (isBlock) pair('linkOuter:', BigInt(closureOffset), TAG_NUM);
        if (op.home) pair('enterHome');
        break;
      case 'closure': {
        const site = sites.get(op);
        if (site === undefined) throw new Error('a closure without its site');
        pointer('closure:', site, `[] ${op.argc}`);
        break;
      }
      case 'nonLocalReturn':
        pair('nonLocalReturn:', BigInt(closureOffset), TAG_NUM);
        break;
      case 'load': {
        // A literal argument of a register primitive rides in the primitive's pair instead.
        const next = ops[i + 1];
        if (op.from.kind === 'number' && op.push && next?.op === 'primitive' && next.kind === METHOD_KIND.REGISTERS && next.argc === 1 &&
          ops[i - 1]?.op === 'pushTop') {
          pairs.pop(); // the pushTop that saved the accumulator
          pairs.push({ method: next.code, operand: op.from.value, tag: TAG_NUM, text: `${next.name} ${op.from.value}` });
          i++;
          break;
        }
        loadPair(op.from, op.push);
        break;
      }
      case 'store': storePair(op.to); break;
      case 'pop': if (op.restore) pair('drop'); break;
      case 'pushTop': pair('pushTop'); break;
      case 'send': {
        const many = op.argc > THREADED_SEND_ARGUMENTS;
        if (op.start >= 0 || many) {
          const site = sites.get(op);
          if (site === undefined) throw new Error('a super send (or one of many arguments) without its site');
          pointer(op.start >= 0 ? (many ? 'superSendMany:' : `superSend${op.argc}:`) : 'sendMany:', site, `#${op.name}`);
        } else {
          // The operand is the send's site (kernel/objects/send.ts), for Kernel>>send.
          const site = sites.get(op);
          if (site === undefined) throw new Error('a send without its site');
          // SmallInteger arithmetic in a primitive of its own, which sends when it must.
          if (arithmetic && op.argc === 1 && isArithmeticSelector(op.name)) pointer(THREADED_ARITHMETIC[op.name], site, `#${op.name}`);
          else pointer(`send${op.argc}:`, site, `#${op.name}`);
        }
        break;
      }
      case 'primitive':
        if (op.kind === METHOD_KIND.TOS || op.argc === 0) pairs.push({ method: op.code, operand: 0n, tag: TAG_NUM, text: op.name });
        else if (op.argc <= THREADED_APPLY_ARGUMENTS) pointer(`apply${op.argc}:`, op.code, op.name);
        else {
          const site = sites.get(op);
          if (site === undefined) throw new Error('a primitive of many arguments without its site');
          pointer('applyMany:', site, op.name);
        }
        break;
      case 'guard':
        // Threaded code copies no method: the whole send, always.
        jumpPair('jump:', op.target);
        skipTo = op.target;
        break;
      case 'label': labelAt.set(op.id, pairs.length); break;
      case 'jump': jumpPair('jump:', op.target); break;
      case 'jumpIf': jumpPair(`${op.restore ? 'popJumpIf' : 'jumpIf'}${op.when ? 'True' : 'False'}:`, op.target); break;
      case 'return':
        if (op.leave) pair('leaveContext');
        pair('return');
        break;
    }
  }
  while (opOf.length < pairs.length) opOf.push(ops.length - 1);
  opOf.length = pairs.length;
  for (const f of fixups) {
    const at = labelAt.get(f.label);
    if (at === undefined) throw new Error(`label ${f.label} was never placed`);
    const p = pairs[f.pair];
    pairs[f.pair] = { ...p, operand: BigInt(2 * at), text: `${p.text} ${at}` };
  }
  return { ok: true, pairs, ops: opOf };
}

/** The operand of a captured variable's pair: hops up the chain, and the variable. */
function contextSpec(hops: number, index: number): bigint {
  return BigInt(hops * 65536 + index);
}

function describeSlot(s: Slot): string {
  switch (s.kind) {
    case 'self': return 'self';
    case 'argument': return `argument ${s.index}`;
    case 'temp': return `temp ${s.index}`;
    default: return s.kind;
  }
}

