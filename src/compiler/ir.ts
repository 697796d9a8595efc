/*
 * The compiler's intermediate form: a stack-machine program, the same for both back ends.
 * codegen.ts turns a method or expression into a list of these operations; threaded.ts turns
 * each into (method, operand) pairs for `VM run:`; native.ts into x86-64, inlining primitive
 * fragments, for the peephole optimizer to finish.
 *
 * The value stack has its top in rax (kernel/ABI.md). Operations say what they do to it:
 * a `load` with push saves rax first; a `pop` with restore makes the value under the top the
 * top again (without restore the top is simply dead). codegen tracks the depth, so the back
 * ends never have to.
 *
 * A compiled method's frame (F is rbp in native code, r12 in threaded code, where run:
 * saved three more registers, so arguments sit `bias` = 24 bytes further up):
 *
 *   [F + bias + 8 + 8(n-j)]   argument j, for j = 1 .. n-1 (the receiver is "argument 0")
 *   [F + bias + 8]            return address
 *   [F - 8]                   argument n (or the receiver when n = 0), spilled from rax
 *   [F - 16]                  self
 *   [F - 24 - 8i]             temporary i (temporary 0 is the environment, when there is one)
 *   below                     the rest of the value stack
 *
 * (kernel/abi.ts FRAME names these offsets.)
 */
import { FRAME } from '../../kernel/abi.ts';

/** Where a value lives. */
export type Slot =
  | { readonly kind: 'self' }
  /** Argument j (1-based) of a method with `argc` arguments. */
  | { readonly kind: 'argument'; readonly index: number }
  | { readonly kind: 'temp'; readonly index: number }
  /** Slot i of self. */
  | { readonly kind: 'instance'; readonly index: number }
  /**
   * Slot i of the method's literal array (an object the code refers to: a literal, nil, true,
   * false), named for listings when it has a name.
   */
  | { readonly kind: 'literal'; readonly index: number; readonly name?: string }
  /** A global's value: the Binding in slot `index` of the literal array, its value slot (BINDING.VALUE). */
  | { readonly kind: 'global'; readonly index: number; readonly name: string }
  /**
   * A captured variable: in the context `hops` links up the chain from the unit's
   * environment (temp 0), at variable `index` (CONTEXT.VARS + index).
   */
  | { readonly kind: 'context'; readonly hops: number; readonly index: number; readonly name: string }
  /**
   * Slot i of the object in temporary `temp`: an instance variable of the receiver of a method
   * inlined here (inline-sends.ts), whose receiver the caller keeps in that temporary.
   */
  | { readonly kind: 'field'; readonly temp: number; readonly index: number };

export type Source = Slot | { readonly kind: 'number'; readonly value: bigint };

export type Op =
  /** A block's prologue takes self from its closure (the receiver in a method's place). */
  | { readonly op: 'prologue'; readonly argc: number; readonly temps: number; readonly block: boolean }
  /**
   * Make the unit's environment (temp 0): a new context of `vars` variables whose parent is
   * the closure's outer context (a block) or nil (a method), pushed on the chain of active
   * contexts when it is a `home` (the target of ^ from its blocks); or, with vars = -1, just
   * the closure's outer context.
   */
  | { readonly op: 'environment'; readonly vars: number; readonly home: boolean }
  /**
   * Make a BlockClosure of the block whose code is literal `native` (or, for threaded code,
   * literal `threaded`), taking `argc` arguments, its outer context being this unit's
   * environment (or nil), its home this unit's (a method's own context, a block's closure's home).
   */
  | { readonly op: 'closure'; readonly native: number; readonly threaded: number; readonly argc: number; readonly outer: boolean; readonly home: 'own' | 'closure' | 'none'; readonly push: boolean }
  /** Return the top from the home method of this block (kernel unwind). */
  | { readonly op: 'nonLocalReturn' }
  | { readonly op: 'load'; readonly from: Source; readonly push: boolean }
  | { readonly op: 'store'; readonly to: Slot }
  | { readonly op: 'pop'; readonly restore: boolean }
  | { readonly op: 'pushTop' }
  /**
   * A dynamic send; `start` is the behaviour a super send looks in (-1 for an ordinary send).
   * `counted`: SmallInteger arithmetic whose operands are a counting loop's counter and
   * bound, known to be SmallIntegers where an `intLoop` let the loop's unchecked copy run
   * (native code tests no tag); `overflow`: the label of the testing copy's step, where an
   * overflowed step goes on (the counter is no longer a SmallInteger). `keep`: a whole send on
   * purpose, which a later definition does not make the method compile again for (the send of
   * an inlined method, after its guard; a send its inlining left out: inline-sends.ts).
   */
  | { readonly op: 'send'; readonly selector: number; readonly name: string; readonly argc: number; readonly start: number; readonly counted?: boolean; readonly overflow?: number; readonly keep?: boolean }
  /**
   * The gate of a counting loop's unchecked copy (codegen.ts countingLoop): falls through when
   * every slot holds a SmallInteger and SmallInteger arithmetic is not overridden (its guard),
   * else jumps to `target`, the same loop with every test. Threaded code falls through (its
   * copy sends as usual).
   */
  | { readonly op: 'intLoop'; readonly slots: readonly Slot[]; readonly target: number }
  /**
   * A primitive of a machine object (Memory, CPU, ALU), called or inlined. TOS kind: its one
   * argument is the top. REGISTERS kind: the top holds the accumulator under `argc`
   * arguments, which go to rsi, rdx, ... (`entry` is its adapter, which takes them as a send
   * leaves them: how one of more arguments than registers is called).
   */
  | { readonly op: 'primitive'; readonly code: number; readonly entry: number; readonly name: string; readonly kind: number; readonly argc: number }
  /**
   * The test in front of a method's body inlined at a send (inline-sends.ts): the receiver
   * (the top, or under `argc` arguments) must be an object whose class index is the one a
   * watch in literal `watches[i]` holds (a watch is emptied by every change that may make its
   * class's lookup find another method); otherwise jump to `target`, the whole send. `name`
   * is the inlined method's, for listings; `classes` the class index each watch is for (native
   * code tests a receiver whose class it already knows by its watch alone: class-facts.ts).
   * Threaded code always jumps (it makes no copies).
   */
  | { readonly op: 'guard'; readonly watches: readonly number[]; readonly classes: readonly number[]; readonly argc: number; readonly target: number; readonly name: string }
  | { readonly op: 'label'; readonly id: number }
  | { readonly op: 'jump'; readonly target: number }
  /** Test the top for true or false (anything else fails), pop it, jump if it is `when`. */
  | { readonly op: 'jumpIf'; readonly when: boolean; readonly target: number; readonly restore: boolean }
  /** Return the top; a home method first takes its context off the chain of active contexts. */
  | { readonly op: 'return'; readonly leave: boolean };

/** A compiled unit before it becomes code. */
export interface Unit {
  readonly name: string;
  readonly argc: number;
  readonly temps: number;
  readonly ops: readonly Op[];
  /** Objects the code refers to, kept alive by the method's literal array (slot i = literals[i]). */
  readonly literals: readonly number[];
  /** What a debugger needs (debug-info.ts): where each op came from, the unit's variables, its blocks. */
  readonly debug?: UnitDebug;
}

/** A block of the unit: the literal indexes of its native code, its threaded stub and its literal array. */
export interface BlockLiterals { readonly native: number; readonly stub: number; readonly literals: number }

/** The source of the unit's ops and the names it declares (codegen.ts records them). */
export interface UnitDebug {
  /** The source range of an op (absolute offsets in the text the item was parsed from). */
  readonly spans: ReadonlyMap<Op, { readonly start: number; readonly end: number }>;
  /** Arguments and temporaries in the order declared (inlined blocks' included), and where each lives. */
  readonly variables: readonly { readonly name: string; readonly slot: Slot }[];
  readonly blocks: readonly BlockLiterals[];
}

/** The frame offset of a slot kept in the frame, for a method with `argc` arguments. */
export function frameOffset(slot: Slot, argc: number, bias: number): number {
  switch (slot.kind) {
    case 'self': return FRAME.SELF;
    case 'argument': return slot.index === argc ? FRAME.SPILLED : bias + 8 + 8 * (argc - slot.index);
    case 'temp': return FRAME.TEMP0 - 8 * slot.index;
    default: throw new Error(`${slot.kind} is not in the frame`);
  }
}
