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
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');

/** Run `file` as a CommonJS module, with FILE.cache; `write` forces the cache to be made at exit. */
function runWithCodeCache(file, { write = false } = {}) {
  const cacheFile = `${file}.cache`;
  let cachedData;
  if (!write) {
    try { cachedData = readFileSync(cacheFile); } catch { /* none yet */ }
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), {
    filename: file,
    cachedData,
  });
  if (write || cachedData === undefined || script.cachedDataRejected === true) {
    process.once('exit', () => {
      try { writeFileSync(cacheFile, script.createCachedData()); } catch { /* a read-only install: run without */ }
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(file), module, file, dirname(file));
  return { cacheRejected: script.cachedDataRejected === true, cacheUsed: cachedData !== undefined && script.cachedDataRejected !== true };
}

exports.runWithCodeCache = runWithCodeCache;
