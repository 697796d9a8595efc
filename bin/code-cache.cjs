// Run a CommonJS bundle with V8's code cache: the bytecode of every function the bundle ran
// last time, kept beside it (FILE.cache), so a start neither parses the bundle nor compiles
// those functions again. (This file is CommonJS, as bin/bedrock.js is.) Node 20 has no compile cache of its own (module.enableCompileCache
// came in Node 22), hence vm.Script and its cachedData.
//
// The build writes the cache after a warm-up run (bin/build.mjs). A cache V8 rejects (another
// Node, other flags, a damaged file) costs only the time it saves: the bundle runs without it
// and the cache is written again at exit, if the directory can be written.
//
// The bundle must not use import(): on Node 20 a script made from a code cache has no way to
// load a module dynamically (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING). esbuild turns the
// bundle's own dynamic imports into plain calls; test/cli/code-cache.test.ts checks the rest.
//
// The build writes its bundles already wrapped as CommonJS wraps a module (Module.wrap) and in
// ASCII alone (bin/build.mjs): such a file's text is compiled as it is, read as Latin-1 into
// one buffer that the cache is then read into. Every page of memory a start first touches
// costs it (~20 us each on some machines), and this way it touches ~520 fewer: no second
// flattened copy of the wrapped text, no second buffer. Any other file is read as UTF-8 and
// wrapped here.
'use strict';
const { closeSync, fstatSync, openSync, readSync, renameSync, unlinkSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');

/** Run `file` as a CommonJS module, with FILE.cache; `write` forces the cache to be made at exit. */
function runWithCodeCache(file, { write = false } = {}) {
  const cacheFile = `${file}.cache`;
  const source = openSync(file, 'r');
  let cache = -1;
  if (!write) {
    try { cache = openSync(cacheFile, 'r'); } catch { /* none yet */ }
  }
  let text, cachedData;
  try {
    const length = fstatSync(source).size;
    const cacheLength = cache >= 0 ? fstatSync(cache).size : 0;
    const buffer = Buffer.allocUnsafe(Math.max(length, cacheLength));
    if (!readFully(source, buffer, length)) throw new Error(`${file} could not be read whole`);
    const head = Module.wrapper[0];
    text = length > head.length && buffer.latin1Slice(0, head.length) === head ? buffer.latin1Slice(0, length) : Module.wrap(buffer.utf8Slice(0, length));
    if (cache >= 0 && readFully(cache, buffer, cacheLength)) cachedData = buffer.subarray(0, cacheLength);
  } finally {
    closeSync(source);
    if (cache >= 0) closeSync(cache);
  }
  const script = new vm.Script(text, { filename: file, cachedData });
  if (write || cachedData === undefined || script.cachedDataRejected === true) {
    process.once('exit', () => {
      // Written aside and renamed, so that another start never reads half a cache.
      const temp = `${cacheFile}.${process.pid}.tmp`;
      try {
        writeFileSync(temp, script.createCachedData());
        renameSync(temp, cacheFile);
      } catch {
        try { unlinkSync(temp); } catch { /* a read-only install: run without */ }
      }
    });
  }
  // A start that runs from its cache raises V8's interrupt budget until the image is open (see
  // STARTUP_BUDGET); one that writes the cache does not, so that the cache is made under the
  // flags every start checks it against.
  if (!(write || cachedData === undefined || script.cachedDataRejected === true)) raiseBudget();
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(file), module, file, dirname(file));
  return { cacheRejected: script.cachedDataRejected === true, cacheUsed: cachedData !== undefined && script.cachedDataRejected !== true };
}

/**
 * V8's interrupt budget decides how soon a function that runs a lot is optimized (TurboFan): a
 * start runs loops over thousands of objects once (opening an image: its code objects, symbols,
 * free chunks), and optimizing them, which cannot pay off, cost `bedrock eval '3+4'` ~10-14 ms of
 * CPU and ~290 pages of memory (issue 12, item 4; node --no-opt saves as much). So a start runs
 * with 16 times the budget, and the command line puts it back (STARTUP_OVER, called once the
 * image is open) before any program runs: left high, it made a program the interpreter runs
 * (fib 24, BEDROCK_TIER=interpret) ~20% slower. Only on V8 11.3 (Node 20), whose default this
 * is: the budget is one of the flags a code cache is made under (V8 rejects a cache made under
 * others), so it must come back to exactly the value it had. Nor when the user set it.
 */
const DEFAULT_BUDGET = 67584;
const STARTUP_BUDGET = 16 * DEFAULT_BUDGET;
const STARTUP_OVER = Symbol.for('bedrock.startupOver');

function raiseBudget() {
  if (!process.versions.v8.startsWith('11.3.')) return;
  if ([...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('interrupt-budget'))) return;
  const v8 = v8Flags();
  v8.setFlagsFromString(`--interrupt-budget=${STARTUP_BUDGET}`);
  globalThis[STARTUP_OVER] = () => {
    delete globalThis[STARTUP_OVER];
    v8.setFlagsFromString(`--interrupt-budget=${DEFAULT_BUDGET}`);
  };
}

/**
 * What sets V8's flags. node:v8 does, but loading it loads Node's heap utilities and with them
 * its whole stream implementation, 23 modules a batch command otherwise never loads (~70 pages
 * of memory and a few milliseconds of every start). Node's own binding behind it has the same
 * setFlagsFromString; asking process.binding for it is deprecated (DEP0111) and would print a
 * warning, which is held back for that one call. node:v8 when the binding cannot be had.
 */
function v8Flags() {
  const quiet = process.noDeprecation;
  try {
    process.noDeprecation = true;
    const binding = process.binding('v8');
    if (typeof binding.setFlagsFromString === 'function') return binding;
  } catch {
    /* no such binding here */
  } finally {
    process.noDeprecation = quiet;
  }
  return require('node:v8');
}

/** Read `length` bytes of `fd` from its start into `buffer`; false when the file is shorter. */
function readFully(fd, buffer, length) {
  for (let done = 0; done < length;) {
    const n = readSync(fd, buffer, done, length - done, done);
    if (n <= 0) return false;
    done += n;
  }
  return true;
}

exports.runWithCodeCache = runWithCodeCache;
