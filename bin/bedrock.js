#!/usr/bin/env node
// The `bedrock` command. It starts from the JavaScript built into dist/ (`npm install` builds
// it with bin/build.mjs) when that build is at least as new as every source file; otherwise it
// runs the TypeScript sources through tsx, so a fresh checkout or an edited source still runs,
// only slower to start. BEDROCK_FROM_SOURCE=1 always runs the sources.
//
// The build has bundles of the same command line: dist/repl.cjs, with Ink, for a session on a
// terminal (the REPL); dist/batch.cjs, without, for every other use (eval, run, piped mode, the
// machine's commands...); both CommonJS, started with V8's code cache (bin/code-cache.cjs),
// which saves most of the time spent loading the code. (dist/cli/main.js, an ES module, is
// the REPL's way in when a build has no dist/repl.cjs.)
//
// This file is CommonJS (bin/package.json says so): an ES module entry makes Node load its ES
// module loader, ~35 of its own modules, before the first line runs (~10 ms of every start).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const root = join(__dirname, '..') + '/';
/** The commands of src/cli/commands.ts that never open the REPL. */
const BATCH_COMMANDS = new Set(['eval', 'run', 'see', 'image', 'bench', 'asm', 'disasm', 'exec', 'help', '--help', '-h', '--version', '-V']);

// msgpackr's optional native addon only speeds up decoding strings, which images hold few of,
// and finding it costs a start several milliseconds (detect-libc asks for a process report).
process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED ??= 'true';

// Whether this is a session on a terminal. Asked of the file descriptors, and only when the
// command could be one: process.stdin makes a stream of the descriptor (a pipe's, a file's),
// loading Node's stream and net modules, which cost a batch command ~10 ms of CPU.
const repl = !BATCH_COMMANDS.has(process.argv[2]) && require('node:tty').isatty(0) && require('node:tty').isatty(1);
// What cannot even be loaded is said in one line (exit 70, an internal error), as main.ts does.
const failed = (e) => {
  process.stderr.write(`bedrock: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(70);
};
if (!require('./fresh.cjs').built(root)) {
  import('tsx/esm/api').then(({ register }) => {
    register({ tsconfig: root + 'tsconfig.json' });
    return import(pathToFileURL(root + 'src/cli/main.ts').href);
  }).catch(failed);
} else if (repl && !existsSync(root + 'dist/repl.cjs')) {
  import(pathToFileURL(root + 'dist/cli/main.js').href).catch(failed);
} else {
  const bundle = root + (repl ? 'dist/repl.cjs' : 'dist/batch.cjs');
  try {
    require('./code-cache.cjs').runWithCodeCache(bundle, { write: process.env.BEDROCK_WRITE_CODE_CACHE === '1' });
  } catch (e) {
    failed(e);
  }
}
