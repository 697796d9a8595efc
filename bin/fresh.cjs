// Whether dist/ (bin/build.mjs) is at least as new as every source it was built from: the one
// rule for running the build rather than the sources, asked by bin/bedrock.js at every start,
// by bin/bench.mjs (bundle the benchmarks, or run them through tsx) and by the benchmarks that
// say which they timed (bench/actors.ts, bench/startup.ts). CommonJS, as bin/bedrock.js is (an
// ES module would load Node's module loader first). BEDROCK_FROM_SOURCE=1 says no.
'use strict';
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

/** The directories whose files the build holds. */
const SOURCES = ['kernel', 'bootstrap', 'src', 'image'];

/**
 * The modification time (ms) of `path` and whether it is a directory. Asked of ~220 files and
 * directories at every start, so not with fs.statSync, which makes a Stats object with four
 * Dates for each (~5 ms of a start's CPU, most of this check): Node's fs binding answers the
 * same stat(2) as an array of numbers. Its layout is Node's own, so it is used only when it
 * agrees with fs.statSync on package.json (fastStat below); else statSync.
 */
let statOf = (path) => {
  const st = statSync(path);
  return { mtimeMs: st.mtimeMs, directory: st.isDirectory() };
};

/** Node's fs binding's stat, when it can be had and agrees with fs.statSync (statOf); else null. */
function fastStat(root) {
  const quiet = process.noDeprecation;
  try {
    // process.binding is deprecated (DEP0111): its warning is held back for this one call.
    process.noDeprecation = true;
    const binding = process.binding('fs');
    // [dev, mode, nlink, uid, gid, rdev, blksize, ino, size, blocks, atime s, ns, mtime s, ns, ...]
    const stat = (path) => {
      const a = binding.stat(path, false, undefined, true);
      return { mtimeMs: a[12] * 1e3 + a[13] / 1e6, directory: (a[1] & 0o170000) === 0o040000 };
    };
    const want = statSync(root + 'package.json'), got = stat(root + 'package.json');
    const dir = stat(root + 'bin');
    return got.mtimeMs === want.mtimeMs && !got.directory && dir.directory ? stat : null;
  } catch {
    return null;
  } finally {
    process.noDeprecation = quiet;
  }
}

/** The newest modification time of the files under `dir`. */
function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const st = statOf(`${dir}/${name}`);
    t = Math.max(t, st.directory ? newest(`${dir}/${name}`) : st.mtimeMs);
  }
  return t;
}

/**
 * Whether the build in `root`/dist is fresh: dist/.built (written last by the build) is no
 * older than package.json and every file under the source directories.
 */
function built(root = join(__dirname, '..') + '/') {
  if (process.env.BEDROCK_FROM_SOURCE === '1') return false;
  try {
    const stamp = statSync(root + 'dist/.built').mtimeMs;
    statOf = fastStat(root) ?? statOf;
    return SOURCES.every((d) => newest(root + d) <= stamp) && statOf(root + 'package.json').mtimeMs <= stamp;
  } catch {
    return false;
  }
}

module.exports = { built, SOURCES };
