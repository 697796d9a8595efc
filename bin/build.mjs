#!/usr/bin/env node
// Build Bedrock to JavaScript, so that `bedrock` starts without compiling TypeScript: tsc
// (tsconfig.build.json) into dist/, the system's .bedrock sources beside the code that reads
// them, and dist/base.image (genesis and the system, saved), which a new image starts from and
// the batch commands use when there is no image. `npm install` runs this (the `prepare`
// script); `npm run build` runs it by hand. Without TypeScript installed (an install without
// dev dependencies) it says so and stops, and `bedrock` runs from the sources through tsx.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = root + 'dist/';
const say = (s) => process.stderr.write(`build: ${s}\n`);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  say('TypeScript is not installed, so nothing is built: bedrock runs from the sources through tsx');
  process.exit(0);
}

const t0 = performance.now();
rmSync(dist + '.built', { force: true });
const compiled = spawnSync(process.execPath, [tsc, '-p', root + 'tsconfig.build.json'], { stdio: 'inherit' });
if (compiled.status !== 0) {
  say('tsc failed');
  process.exit(1);
}

// The language sources genesis and the system read at run time, beside the code that reads them.
for (const dir of ['bootstrap', 'bootstrap/system']) {
  mkdirSync(dist + dir, { recursive: true });
  for (const f of readdirSync(root + dir)) if (f.endsWith('.bedrock')) copyFileSync(`${root}${dir}/${f}`, `${dist}${dir}/${f}`);
}
// dist is an ES module package of the same version (images record the writer's version).
const { version } = JSON.parse((await import('node:fs')).readFileSync(root + 'package.json', 'utf8'));
writeFileSync(dist + 'package.json', JSON.stringify({ name: 'bedrock-dist', version, type: 'module', private: true }, null, 2) + '\n');

// The base image, made by the code just built.
const base = dist + 'base.image';
for (const f of [base, base + '.bak', base + '.changes']) rmSync(f, { force: true });
const made = spawnSync(process.execPath, [dist + 'src/cli/make-base-image.js', base], { stdio: 'inherit' });
if (made.status !== 0 || !existsSync(base)) {
  say('the base image could not be made: new images will boot genesis instead');
}
writeFileSync(dist + '.built', new Date().toISOString() + '\n');
say(`built dist/ in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
