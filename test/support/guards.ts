/*
 * Helpers for the tests of inlined operations and their guards (kernel/objects/guards.ts):
 * the code object of a method, and the two bytes at each guard of a group in it.
 */
import type { Bedrock } from '../../src/system/bedrock.ts';
import { slotPointer } from '../../kernel/objects/access.ts';
import { behaviourIndex, lookup } from '../../kernel/objects/classes.ts';
import { guardsOf, type GuardGroup } from '../../kernel/objects/guards.ts';
import { METHOD } from '../../kernel/objects/layout.ts';

/** The code object of the method `className`'s lookup finds for `selector` (its newest). */
export function codeOf(b: Bedrock, className: string, selector: string): number {
  const k = b.kernel;
  const method = lookup(k, behaviourIndex(k, k.behaviourNamed(className)), k.symbols.intern(selector));
  if (method < 0) throw new Error(`no ${className}>>${selector}`);
  return slotPointer(k.machine, method, METHOD.CODE);
}

/** The two bytes at each guard of `group` in `code`: 0f 85 (jnz, testing) or 90 e9 (nop; jmp, taken). */
export function guardBytes(b: Bedrock, code: number, group: GuardGroup): string[] {
  const bytes = b.kernel.machine.codeBytes(code);
  return guardsOf(b.kernel.machine, code).filter((g) => g.group === group)
    .map((g) => `${bytes[g.offset].toString(16)} ${bytes[g.offset + 1].toString(16)}`);
}
