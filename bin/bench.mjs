#!/usr/bin/env node
// `bedrock bench ARGS` (and `npm run bench`): the benchmarks, bench/main.ts, as a program of
// their own. The command line starts this file as a child process rather than importing the
// benchmarks, so nothing under src/ depends on bench/ (test/layers.test.ts): the benchmarks
// sit above the system they measure.
//
// They measure the system as `bedrock` runs it: when the build is fresh (bin/fresh.cjs, the
// rule bin/bedrock.js follows), bench/main.ts and the sources it imports are bundled as
// bin/build.mjs bundles the command line (esbuild, into dist/bench.mjs, with the same plugins,
// bin/bundle-plugins.mjs) and run from there. Run through tsx instead, the host's code (the
// compiler, snapshots, the collector) ran a quarter slower: tsx keeps every function's name, a
// call of a helper each time a closure is made. A stale build (or no esbuild) runs the sources
// through tsx, as the details of the benchmarks say.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeFileSync } from 'node:fs';
import { constTopLevel, opcodeCases, sourceConstNames } from './bundle-plugins.mjs';
import fresh from './fresh.cjs';

const root = fileURLToPath(new URL('../', import.meta.url));

async function bundled() {
  if (!fresh.built(root)) return null;
  let esbuild;
  try { esbuild = await import('esbuild'); } catch { return null; }
  const outfile = root + 'dist/bench.mjs';
  const bundle = await esbuild.build({
    entryPoints: [root + 'bench/main.ts'],
    outfile,
    write: false,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    tsconfig: root + 'tsconfig.json',
    packages: 'external',
    plugins: [opcodeCases],
    banner: { js: 'import { createRequire as __bedrockRequire } from "node:module"; const require = __bedrockRequire(import.meta.url);' },
    logLevel: 'warning',
  });
  writeFileSync(outfile, constTopLevel(bundle.outputFiles[0].text, sourceConstNames(root, [...fresh.SOURCES, 'bench'])).text);
  process.env.BEDROCK_BENCH_RUN = 'bundled as the command line is (dist/bench.mjs, from a fresh build)';
  return import(pathToFileURL(outfile).href);
}

let bench = await bundled();
if (!bench) {
  process.env.BEDROCK_BENCH_RUN = 'from the sources through tsx (the build is stale: npm run build)';
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: root + 'tsconfig.json' });
  bench = await import(new URL('../bench/main.ts', import.meta.url).href);
}
process.exitCode = bench.runBench(process.argv.slice(2));
