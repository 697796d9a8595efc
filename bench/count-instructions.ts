/*
 * x86 instructions executed by each expression, on the interpreter alone (so the count does not
 * depend on the tier or the machine's load): `npx tsx bench/count-instructions.ts EXPR ...`;
 * an argument `DEF <source>` is evaluated first and not counted (a definition). The count is
 * of the whole evaluation, the REPL's printString of the answer included.
 */
import { bootSystem } from '../test/support/system.ts';
const b = bootSystem({ backend: 'native', machine: { tier: 'interpret' } });
if (typeof b === 'string') throw new Error(b);
for (const src of process.argv.slice(2)) {
  if (src.startsWith('DEF ')) { b.run(src.slice(4)); continue; }
  const m = b.kernel.machine;
  const before = m.totalSteps;
  const out = b.run(src);
  console.log(`${m.totalSteps - before} instructions: ${src} -> ${out.join(' ')}`);
}
