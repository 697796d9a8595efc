#!/usr/bin/env node
// The `bedrock` command. It starts from the JavaScript built into dist/ (`npm install` builds
// it with bin/build.mjs) when that build is at least as new as every source file; otherwise it
// runs the TypeScript sources through tsx, so a fresh checkout or an edited source still runs,
// only slower to start. BEDROCK_FROM_SOURCE=1 always runs the sources.
//
// The build has two bundles of the same command line: dist/cli/main.js, an ES module that can
// load Ink, for a session on a terminal (the REPL); and dist/batch.cjs, CommonJS, for every
// other use (eval, run, piped mode, the machine's commands...), started with V8's code cache
// (bin/code-cache.mjs), which saves most of the time spent loading the code.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const SOURCES = ['kernel', 'bootstrap', 'src', 'image', 'bench'];
/** The commands of src/cli/commands.ts that never open the REPL. */
const BATCH_COMMANDS = new Set(['eval', 'run', 'see', 'image', 'bench', 'asm', 'disasm', 'exec', 'help', '--help', '-h', '--version', '-V']);

/** The newest modification time of the files under `dir`. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function built() {
  if (process.env.BEDROCK_FROM_SOURCE === '1') return false;
  try {
    const stamp = statSync(fileURLToPath(new URL('dist/.built', root))).mtimeMs;
    const base = fileURLToPath(root);
    return SOURCES.every((d) => newest(base + d) <= stamp) && statSync(base + 'package.json').mtimeMs <= stamp;
  } catch {
    return false;
  }
}

// msgpackr's optional native addon only speeds up decoding strings, which images hold few of,
// and finding it costs a start several milliseconds (detect-libc asks for a process report).
process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED ??= 'true';

const repl = process.stdin.isTTY === true && process.stdout.isTTY === true && !BATCH_COMMANDS.has(process.argv[2]);
if (!built()) {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: fileURLToPath(new URL('tsconfig.json', root)) });
  await import(new URL('src/cli/main.ts', root).href);
} else if (repl) {
  await import(new URL('dist/cli/main.js', root).href);
} else {
  const { runWithCodeCache } = await import('./code-cache.mjs');
  runWithCodeCache(fileURLToPath(new URL('dist/batch.cjs', root)), { write: process.env.BEDROCK_WRITE_CODE_CACHE === '1' });
}
