#!/usr/bin/env node
// Build Bedrock to JavaScript, so that `bedrock` starts without compiling TypeScript: esbuild
// bundles the command line (with Ink, React and msgpackr) into a few files in dist/cli/, split
// so that the machine commands load no REPL and `eval` loads no Ink; then dist/base.image
// (genesis and the system, saved), which a new image starts from and the batch commands use
// when there is no image. Every use but the REPL starts from a second bundle, dist/batch.cjs:
// CommonJS without Ink, so that V8 can keep a code cache of it (bin/code-cache.cjs), which the
// build writes after one warm-up `eval`. The bundle reads the .bedrock sources from the project itself
// (bootstrap/project-files.ts). `npm install` runs this (the `prepare` script); `npm run build`
// runs it by hand. Types are checked by `npm run typecheck`, not here. Without esbuild (an
// install without dev dependencies) it says so and stops, and `bedrock` runs from the sources
// through tsx.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Module from 'node:module';
import { constTopLevel, opcodeCases, sourceConstNames } from './bundle-plugins.mjs';
import fresh from './fresh.cjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = root + 'dist/';
const say = (s) => process.stderr.write(`build: ${s}\n`);

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  say('esbuild is not installed, so nothing is built: bedrock runs from the sources through tsx');
  process.exit(0);
}

/**
 * Yoga (Ink's layout engine) starts its WebAssembly with a top-level await: it fetches its own
 * bytes from a data: URL, which loads Node's whole fetch implementation (undici), about a sixth
 * of the REPL's start-up. In the build, yoga-layout's entry is replaced by this one, which hands
 * the same bytes (taken from that data: URL when building) to Emscripten's documented
 * Module.instantiateWasm hook and instantiates them synchronously; Emscripten's runtime then
 * starts before the call returns, so the module needs no await. The build fails if yoga's
 * files no longer look as this expects.
 */
const yogaSync = {
  name: 'yoga-sync',
  setup(b) {
    b.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/ }, (args) => {
      const dir = dirname(args.path);
      const glue = readFileSync(join(dir, '../binaries/yoga-wasm-base64-esm.js'), 'utf8');
      const data = /data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)/.exec(glue);
      const entry = readFileSync(args.path, 'utf8');
      if (!data || !entry.includes('wrapAssembly(await loadYoga())') || !glue.includes('instantiateWasm')) {
        return { errors: [{ text: `yoga-layout is not as bin/build.mjs expects (${args.path}): update its yoga-sync plugin` }] };
      }
      const contents = `
import loadYoga from '../binaries/yoga-wasm-base64-esm.js';
import wrapAssembly from './wrapAssembly.js';
const bytes = Buffer.from(${JSON.stringify(data[1])}, 'base64');
const runtime = {
  instantiateWasm(imports, receive) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
    receive(instance);
    return instance.exports;
  },
};
loadYoga(runtime);
if (runtime.calledRun !== true) throw new Error('yoga did not start synchronously');
export default wrapAssembly(runtime);
export * from './generated/YGEnums.js';
`;
      return { contents, loader: 'js', resolveDir: dir };
    });
  },
};

/**
 * Two costs of Ink's text measuring, taken out of the REPL's first frame.
 *
 * string-width (Ink measures all its text with it) compiles the regular expression of every
 * emoji at its first use, tens of milliseconds of the REPL's first frame, whose prompt and
 * status line are not ASCII. The build puts src/repl/emoji.ts's quick test in front of it, so
 * a grapheme that certainly is no emoji never reaches it. The build fails if no string-width
 * had the test to put it in front of.
 *
 * string-width (two versions), slice-ansi and @alcalzone/ansi-tokenize each make an
 * Intl.Segmenter when Ink loads them, and the first one made loads ICU's break rules, tens of
 * milliseconds. The build makes them call src/repl/segmenter.ts's lazySegmenter, which splits
 * the first frame's texts itself and makes a segmenter only for a text that needs one. The
 * build fails if fewer than four of them make one.
 */
const quickEmoji = {
  name: 'quick-emoji',
  setup(b) {
    let patched = 0;
    const segmenters = new Set();
    b.onLoad({ filter: /[\\/](string-width[\\/]index|slice-ansi[\\/]tokenize-ansi|ansi-tokenize[\\/]build[\\/]tokenize)\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      let imports = '';
      const test = 'rgiEmojiRegex.test(segment)';
      if (/[\\/]string-width[\\/]/.test(args.path) && text.includes(test)) {
        // The expression itself is made at its first test, not when the module loads: making it
        // (V8 parses the whole emoji set) cost the REPL's first frame ~12 ms of CPU.
        const made = /const rgiEmojiRegex = (\/\^\\p\{RGI_Emoji\}\$\/v);/.exec(text);
        if (!made) return { errors: [{ text: `string-width makes its emoji expression otherwise than bin/build.mjs expects (${args.path}): update its quick-emoji plugin` }] };
        patched++;
        imports += `import { mayBeEmoji as __mayBeEmoji } from ${JSON.stringify(root + 'src/repl/emoji.ts')};\n`;
        text = text.replace(made[0], `let __rgiEmojiRegex; const rgiEmojiRegex = { test: (s) => (__rgiEmojiRegex ??= ${made[1]}).test(s) };`);
        text = text.replaceAll(test, `(__mayBeEmoji(segment) && ${test})`);
      }
      // Below: the segmenters made lazy.
      if (text.includes('new Intl.Segmenter(')) {
        segmenters.add(args.path);
        imports += `import { lazySegmenter as __lazySegmenter } from ${JSON.stringify(root + 'src/repl/segmenter.ts')};\n`;
        text = text.replaceAll('new Intl.Segmenter(', '__lazySegmenter(');
      }
      return imports === '' ? undefined : { contents: imports + text, loader: 'js', resolveDir: dirname(args.path) };
    });
    b.onEnd((result) => {
      if (result.errors.length === 0 && patched === 0) {
        result.errors.push({ text: 'no string-width tests rgiEmojiRegex.test(segment) any more: update the quick-emoji plugin of bin/build.mjs' });
      }
      if (result.errors.length === 0 && segmenters.size < 4) {
        result.errors.push({ text: `only ${segmenters.size} of Ink's packages make an Intl.Segmenter where the quick-emoji plugin of bin/build.mjs looks: update it` });
      }
    });
  },
};

/**
 * Node's modules that Ink's packages load as they load, taken out of the REPL's start (~3 ms of
 * it): signal-exit loads node:assert (~1.3 ms) to check that it was given a function, and
 * terminal-size loads node:child_process (~1 ms, and with it node:dgram and node:net's sockets)
 * to ask `tput` for a size when the terminal reports none: in the build the check loads
 * node:assert only when it fails (as assert.equal then throws), and terminal-size loads
 * node:child_process at its first command. React's scheduler takes its clock from Node's
 * `performance`, and Ink times each frame with it, whose first use loads perf_hooks (~0.6 ms):
 * in the build both read the same monotonic clock, in milliseconds, from process.hrtime (as
 * kernel/machine/clock.ts does). The
 * build fails if they no longer look so.
 */
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const patches = [
      {
        file: /[\\/]signal-exit[\\/]index\.js$/,
        from: "var assert = require('assert')",
        to: "var assert = { equal: function (a, b, m) { if (a != b) require('assert').equal(a, b, m) } }",
      },
      {
        file: /[\\/]scheduler[\\/]cjs[\\/]scheduler\.production\.js$/,
        from: 'if ("object" === typeof performance && "function" === typeof performance.now) {\n  var localPerformance = performance;',
        to: 'if (true) {\n  var localPerformance = { now: function () { return Number(process.hrtime.bigint()) / 1e6; } };',
      },
      {
        file: /[\\/]ink[\\/]build[\\/]ink\.js$/,
        from: 'performance.now()',
        to: '(Number(process.hrtime.bigint()) / 1e6)',
      },
      {
        file: /[\\/]terminal-size[\\/]index\.js$/,
        from: "import {execFileSync} from 'node:child_process';",
        to: "const execFileSync = (...a) => process.getBuiltinModule('node:child_process').execFileSync(...a);",
      },
    ];
    const done = new Set();
    for (const p of patches) {
      b.onLoad({ filter: p.file }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes(p.from)) return { errors: [{ text: `${args.path} is not as bin/build.mjs expects (${p.from}): update its lazy-builtins plugin` }] };
        done.add(p);
        return { contents: text.replaceAll(p.from, p.to), loader: 'js' };
      });
    }
    b.onEnd((result) => {
      if (result.errors.length === 0 && done.size < patches.length) result.errors.push({ text: 'signal-exit, terminal-size, scheduler or ink is no longer bundled: update the lazy-builtins plugin of bin/build.mjs' });
    });
  },
};

/**
 * Ink's reconciler has two top-level awaits, both only when the environment sets DEV=true: it
 * imports React's devtools, and reads its own package.json. A top-level await cannot be in a
 * CommonJS bundle, and only a CommonJS bundle can start from a code cache (bin/code-cache.cjs),
 * so the REPL's CommonJS bundle (dist/repl.cjs) takes both out: with DEV=true it says, as Ink
 * does when react-devtools-core is not installed, that there are no devtools. The build fails
 * if Ink's reconciler no longer has them.
 */
const inkWithoutDevtools = {
  name: 'ink-without-devtools',
  setup(b) {
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const devtools = "await import('./devtools.js');";
      const pkg = '? await loadPackageJson()';
      if (!text.includes(devtools) || !text.includes(pkg)) {
        return { errors: [{ text: `Ink's reconciler is not as bin/build.mjs expects (${args.path}): update its ink-without-devtools plugin` }] };
      }
      const contents = text
        .replace(devtools, "throw Object.assign(new Error('no React devtools in this build'), { code: 'ERR_MODULE_NOT_FOUND' });")
        .replace(pkg, '? { name: undefined, version: undefined }');
      return { contents, loader: 'js' };
    });
  },
};

const t0 = performance.now();
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
try {
  // The image format's layout fingerprint, computed here from the sources and written into the
  // bundles (image/format.ts): hashing it at every start cost ~9 ms of CPU.
  const fingerprinter = await esbuild.build({
    entryPoints: [root + 'image/layout-fingerprint.ts'],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    tsconfig: root + 'tsconfig.json',
    logLevel: 'warning',
  });
  const fingerprintModule = { exports: {} };
  new Function('module', 'exports', fingerprinter.outputFiles[0].text)(fingerprintModule, fingerprintModule.exports);
  const layout = fingerprintModule.exports.layoutFingerprint();
  if (!/^[0-9a-f]{16}$/.test(layout)) throw new Error(`the layout fingerprint is not 16 hex digits: ${layout}`);
  const fingerprint = { __BEDROCK_LAYOUT_FINGERPRINT__: JSON.stringify(layout) };
  // The sources' top-level constants, const again in the bundles (bin/bundle-plugins.mjs constTopLevel).
  const consts = sourceConstNames(root, fresh.SOURCES);
  const constant = (text) => constTopLevel(text, consts).text;
  const cli = await esbuild.build({
    entryPoints: [root + 'src/cli/main.ts', root + 'src/cli/make-base-image.ts'],
    outdir: dist + 'cli',
    write: false,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    tsconfig: root + 'tsconfig.json',
    // The native addon msgpackr loads if it can; React's devtools only in development.
    external: ['msgpackr-extract', 'react-devtools-core'],
    define: { 'process.env.NODE_ENV': '"production"', ...fingerprint },
    // Bundled CommonJS modules (React's) call require; an ES module has none of its own.
    banner: { js: 'import { createRequire as __bedrockRequire } from "node:module"; const require = __bedrockRequire(import.meta.url);' },
    plugins: [opcodeCases, yogaSync, quickEmoji, lazyBuiltins],
    logLevel: 'warning',
  });
  mkdirSync(dist + 'cli', { recursive: true });
  for (const f of cli.outputFiles) writeFileSync(f.path, f.path.endsWith('.js') ? constant(f.text) : f.contents);
  // The command line as CommonJS (so each start can use a V8 code cache, bin/code-cache.cjs).
  // import.meta.url (bootstrap/project-files.ts finds the project from it) becomes the bundle's
  // own URL. Without the indentation, with shorter syntax and short local names, so that a
  // start reads and holds less text: the batch bundle is 0.66 MB instead of 1.13 MB (0.80 MB
  // with its names), and \`bedrock eval '3+4'\` touched ~450 (and then ~100) fewer pages of
  // memory (issue 12, item 4). Nothing of the system reads a function's or a class's name, nor
  // makes code from text (new Function, eval), which the short names would break; properties
  // keep theirs.
  // (Bundled as esbuild prints, its top-level constants made const again, then minified.)
  const commonJs = async (outfile, plugins, entry = 'src/cli/main.ts') => {
    const bundled = await esbuild.build({
      entryPoints: [root + entry],
      outfile: dist + outfile,
      write: false,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      tsconfig: root + 'tsconfig.json',
      external: ['msgpackr-extract', 'react-devtools-core'],
      define: { 'process.env.NODE_ENV': '"production"', 'import.meta.url': '__bedrockModuleUrl', ...fingerprint },
      banner: { js: 'const __bedrockModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
      plugins: [opcodeCases, ...plugins],
      logLevel: 'warning',
    });
    const min = await esbuild.transform(constant(bundled.outputFiles[0].text), {
      minifyWhitespace: true, minifySyntax: true, minifyIdentifiers: true, format: 'cjs', target: 'node20', logLevel: 'warning',
    });
    writeFileSync(dist + outfile, min.code);
  };
  // The batch bundle: the REPL module, which loads Ink, is replaced by
  // src/cli/repl-not-bundled.ts (bin/bedrock.js never starts a REPL from here).
  await commonJs('batch.cjs', [{
    name: 'no-repl',
    setup(b) {
      b.onResolve({ filter: /\/repl\/interactive\.tsx$/ }, () => ({ path: root + 'src/cli/repl-not-bundled.ts' }));
    },
  }]);
  // The REPL's bundle: with Ink (made loadable as CommonJS by the plugins), so that a session on
  // a terminal starts from a code cache too. The first REPL run writes its cache
  // (dist/repl.cjs.cache), at its exit.
  await commonJs('repl.cjs', [yogaSync, quickEmoji, inkWithoutDevtools, lazyBuiltins]);
  // Both bundles are written as the function CommonJS makes of a module (node:module's
  // Module.wrap), so that bin/code-cache.cjs compiles the file's text as it is: wrapping it
  // at each start made V8 flatten a second copy of 0.75 MB (1.5 MB for the REPL), and the text
  // is read as Latin-1 into the buffer the code cache is read into next, which only text of
  // ASCII alone allows (the build checks; a bundle that is not is left unwrapped, and is read
  // as before).
  for (const name of ['batch.cjs', 'repl.cjs']) {
    const text = readFileSync(dist + name, 'utf8');
    const wide = /[^\x00-\x7f]/.exec(text);
    if (wide) say(`${name} is not ASCII (${JSON.stringify(text.slice(Math.max(0, wide.index - 30), wide.index + 10))}): it is left unwrapped, and starts slower`);
    else writeFileSync(dist + name, Module.wrapper[0] + text + Module.wrapper[1]);
  }
  // An actor's worker thread (src/system/actor-service.ts finds it beside the bundles).
  await commonJs('actor-worker.cjs', [], 'src/system/actor-worker.ts');
} catch (e) {
  say(`esbuild failed${e instanceof Error && !('errors' in e) ? `: ${e.message}` : ''}`);
  process.exit(1);
}
// dist is an ES module package (not named bedrock: the project root is found above it).
const { version } = JSON.parse(readFileSync(root + 'package.json', 'utf8'));
writeFileSync(dist + 'package.json', JSON.stringify({ name: 'bedrock-dist', version, type: 'module', private: true }, null, 2) + '\n');

// The base image, made by the code just built.
const base = dist + 'base.image';
for (const f of [base, base + '.bak', base + '.changes']) rmSync(f, { force: true });
const made = spawnSync(process.execPath, [dist + 'cli/make-base-image.js', base], { stdio: 'inherit' });
if (made.status !== 0 || !existsSync(base)) {
  say('the base image could not be made: new images will boot genesis instead');
}
writeFileSync(dist + '.built', new Date().toISOString() + '\n');

// The code cache: one `bedrock eval` (opening the base image, compiling, running, printing)
// in an empty directory, whose compiled functions are written to dist/batch.cjs.cache.
const warm = mkdtempSync(join(tmpdir(), 'bedrock-build-'));
const warmed = spawnSync(process.execPath, [root + 'bin/bedrock.js', 'eval', '3 + 4'], {
  cwd: warm, encoding: 'utf8', env: { ...process.env, BEDROCK_WRITE_CODE_CACHE: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
});
rmSync(warm, { recursive: true, force: true });
if (warmed.status !== 0 || warmed.stdout !== '7\n' || !existsSync(dist + 'batch.cjs.cache')) {
  say(`the warm-up run failed, so there is no code cache (bedrock starts without it): ${(warmed.stderr || warmed.stdout).trim()}`);
}
// The REPL's code cache: one session on a terminal (util-linux `script` makes one), left with
// Ctrl-D once its first prompt is drawn, writes dist/repl.cjs.cache. Without `script`, the
// first REPL a user leaves writes it.
if (spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0) {
  const warmRepl = mkdtempSync(join(tmpdir(), 'bedrock-build-'));
  const done = await new Promise((resolve) => {
    const command = `stty cols 100 rows 30; ${JSON.stringify(process.execPath)} ${JSON.stringify(root + 'bin/bedrock.js')} warm.image`;
    const c = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: warmRepl, env: { ...process.env, BEDROCK_WRITE_CODE_CACHE: '1' }, stdio: ['pipe', 'pipe', 'ignore'],
    });
    let out = '';
    let left = false;
    const timer = setTimeout(() => { c.kill('SIGKILL'); resolve(false); }, 120_000);
    c.stdout.on('data', (d) => {
      out += d;
      if (!left && out.includes('heap')) { left = true; c.stdin.write('\x04'); }
    });
    c.on('close', () => { clearTimeout(timer); resolve(left); });
  });
  rmSync(warmRepl, { recursive: true, force: true });
  if (!done || !existsSync(dist + 'repl.cjs.cache')) say('the REPL warm-up failed, so the REPL has no code cache until a first session ends');
}
say(`built dist/ in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
