/*
 * A Forth front end on a booted system, for tests: the system comes from bootSystem (an image
 * opened, see system.ts), the Forth from Forth.of on it. `output` is what a test of printed
 * text wants: interpret, empty both stacks, throw on an error so the test names it.
 */
import { Forth } from '../../src/forth/forth.ts';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from './system.ts';

export function bootForth(): { bedrock: Bedrock; forth: Forth } {
  const bedrock = bootSystem();
  if (typeof bedrock === 'string') throw new Error(bedrock);
  const forth = Forth.of(bedrock);
  if (typeof forth === 'string') throw new Error(forth);
  return { bedrock, forth };
}

/** What `text` printed; the stacks are emptied afterwards, an error throws. */
export function forthOutput(forth: Forth, text: string): string {
  const r = forth.interpret(text);
  forth.clearStack();
  if (!r.ok) throw new Error(r.error);
  return r.output;
}
