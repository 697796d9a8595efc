/*
 * The compiler's intermediate form: a stack-machine program, the same for both back ends.
 * Source (src/lang/ast.ts) becomes a list of these operations (codegen.ts); the threaded back
 * end turns each into a (method, operand) pair run by `VM run:`, the native back end into
 * x86-64 (inlining primitive fragments), then the peephole optimizer.
 *
 * The value stack has its top in rax (kernel/ABI.md): `push` means "push rax, then load the
 * new value into rax"; `pop` means "the value under the top becomes the top".
 *
 * A method's frame (F is rbp in native code, r12 in threaded code; `bias` is 0 in native
 * code and 24 in threaded code, where run: saved three more registers):
 *
 *   [F + bias + 8 + 8n]   receiver          (pushed by the caller; the caller pops)
 *   [F + bias + 8 + 8k]   argument n - k    (k = 1 .. n-1)
 *   [F + bias + 8]        return address
 *   [F + bias]            saved frame register (and, threaded, saved r13 r12 rbx)
 *   [F - 8]               the last argument (or the receiver when n = 0), spilled from rax
 *   [F - 16 - 8i]         temporary i
 *   below                 the rest of the value stack
 */

/** Where a variable lives. */
export type VarSlot =
  | { readonly kind: 'receiver' }
  | { readonly kind: 'argument'; readonly index: number }
  | { readonly kind: 'temp'; readonly index: number }
  | { readonly kind: 'instance'; readonly index: number }
  | { readonly kind: 'global'; readonly binding: number; readonly name: string };

/** A literal the code pushes: a number (an immediate), or an object held in the method's literals. */
export type LiteralRef =
  | { readonly kind: 'number'; readonly value: bigint }
  | { readonly kind: 'object'; readonly address: number; readonly description: string };

export type Op =
  | { readonly op: 'push'; readonly literal: LiteralRef }
  | { readonly op: 'load'; readonly slot: VarSlot }
  | { readonly op: 'store'; readonly slot: VarSlot }
  | { readonly op: 'pop' }
  | { readonly op: 'dup' }
  | { readonly op: 'send'; readonly selector: number; readonly name: string; readonly argc: number; readonly toSuper: boolean }
  /** Call a primitive's code directly (a known receiver: Memory, CPU, ALU): see ABI "Primitives". */
  | { readonly op: 'primitive'; readonly code: number; readonly name: string; readonly argc: number; readonly kind: number }
  | { readonly op: 'label'; readonly id: number }
  | { readonly op: 'jump'; readonly target: number }
  /** Pop the top; jump when it is `true` (or `false`); anything else is mustBeBoolean. */
  | { readonly op: 'jumpIf'; readonly when: boolean; readonly target: number }
  | { readonly op: 'return' };

/** A compiled unit before it becomes code: its operations, its frame size and its literals. */
export interface Unit {
  readonly name: string;
  readonly argc: number;
  readonly temps: number;
  readonly ops: readonly Op[];
}
