/*
 * The `bedrock` command line: `bedrock [IMAGE]` (the REPL, or piped mode when stdin or stdout
 * is not a terminal) and the commands of commands.ts (eval, run, see, image info, bench, asm,
 * disasm, exec, help). Everything it says goes through one Output; the exit status is 0 ok,
 * 1 something failed, 2 bad arguments, 70 an internal error. Nothing below it prints.
 *
 * The build makes two bundles of this entry (bin/build.mjs): an ES module one for the REPL,
 * which loads Ink, and a CommonJS one for everything else, which bin/bedrock.js starts with
 * V8's code cache. So this module has no top-level await.
 */
import { execute, EXIT_INTERNAL } from './commands.ts';

// A bug of ours that escapes every handler still ends as one line, never a stack trace.
const crash = (e: unknown): void => {
  process.stderr.write(`bedrock: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(EXIT_INTERNAL);
};
process.on('uncaughtException', crash);
// A reader that stops reading (bedrock ... | head) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? process.exit(process.exitCode ?? 0) : crash(e)));
process.on('unhandledRejection', crash);

void execute(process.argv.slice(2), {
  out: (s) => process.stdout.write(s + '\n'),
  write: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s + '\n'),
}).then((status) => {
  process.exitCode = status;
  // Leave as soon as what was written is flushed. Ending by an empty event loop would also wait
  // for V8's concurrent marking to finish (Node drains the platform's worker tasks at exit),
  // which after a run that made much garbage kept the process alive 50 ms doing nothing.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(status)));
});
