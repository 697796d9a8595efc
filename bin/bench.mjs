#!/usr/bin/env node
// `bedrock bench ARGS` (and `npm run bench`): the benchmarks, bench/main.ts, as a program of
// their own. The command line starts this file as a child process rather than importing the
// benchmarks, so nothing under src/ depends on bench/ (test/layers.test.ts): the benchmarks
// sit above the system they measure. They run from the sources, through tsx.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { runBench } = await import(new URL('../bench/main.ts', import.meta.url).href);
process.exitCode = runBench(process.argv.slice(2));
