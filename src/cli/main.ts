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
import { writeSync } from 'node:fs';
import { execute, EXIT_INTERNAL } from './commands.ts';

// A bug of ours that escapes every handler still ends as one line, never a stack trace.
const crash = (e: unknown): void => {
  process.stderr.write(`bedrock: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(EXIT_INTERNAL);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

/**
 * What the commands say goes straight to file descriptors 1 and 2. Node's process.stdout and
 * process.stderr are streams made on first use, which for a pipe loads Node's net and stream
 * modules: ~8 ms of every `bedrock eval`, for writes that are synchronous on Linux anyway
 * (files, pipes and terminals alike). A reader that stops reading (bedrock ... | head) is not
 * an error: the program ends, with the status it had. (The REPL draws through Ink, which uses
 * process.stdout.)
 */
const pause = new Int32Array(new SharedArrayBuffer(4));
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let done = 0; done < bytes.length;) {
    try {
      done += writeSync(fd, bytes, done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1); // a non-blocking descriptor that is full
      else if (code === 'EPIPE') process.exit(process.exitCode ?? 0);
      else throw e;
    }
  }
}

/** What a batch (Output.batch) has said so far: runs of text, each to one descriptor, in order. */
let batched: { fd: number; text: string }[] | null = null;
function say(fd: number, text: string): void {
  if (batched === null) { writeAll(fd, text); return; }
  const last = batched[batched.length - 1];
  if (last !== undefined && last.fd === fd) last.text += text;
  else batched.push({ fd, text });
}

void execute(process.argv.slice(2), {
  out: (s) => say(1, s + '\n'),
  write: (s) => say(1, s),
  err: (s) => say(2, s + '\n'),
  batch: (f) => {
    if (batched !== null) { f(); return; }
    batched = [];
    try {
      f();
    } finally {
      const runs = batched;
      batched = null;
      for (const r of runs) writeAll(r.fd, r.text);
    }
  },
}).then((status) => {
  process.exitCode = status;
  // Leave at once: what was written is written. Ending by an empty event loop would also wait
  // for V8's concurrent marking to finish (Node drains the platform's worker tasks at exit),
  // which after a run that made much garbage kept the process alive 50 ms doing nothing.
  process.exit(status);
});
