/*
 * Stands in for repl/interactive.tsx in the CommonJS bundle (dist/batch.cjs), which leaves Ink
 * out: Ink is an ES module with top-level await, which CommonJS cannot load. bin/bedrock.js
 * starts every session on a terminal from the ES module bundle, so the batch bundle never
 * reaches here; if it is run by hand on a terminal, it says what to run instead.
 */
import type { InteractiveOptions } from '../repl/interactive.tsx';

export async function runInteractive(_opened: unknown, _options: InteractiveOptions = {}): Promise<number> {
  process.stderr.write('bedrock: this build (dist/batch.cjs) has no REPL; start it with bin/bedrock.js or dist/cli/main.js\n');
  return 2;
}
