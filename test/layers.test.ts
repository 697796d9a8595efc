/*
 * The layers, as the imports show them: each rule names a folder and what it may not import
 * (DESIGN.md section 1: dependencies point down). Every import of every source file is read,
 * static and dynamic, type-only included, so a rule broken anywhere fails here with the file
 * and the import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SOURCE_DIRS = ['kernel', 'bootstrap', 'src', 'image', 'bench'];

interface Import { readonly from: string; readonly to: string }

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Every relative import of every source file, as project paths. */
function imports(): Import[] {
  const out: Import[] = [];
  for (const file of SOURCE_DIRS.flatMap(sourceFiles)) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      out.push({ from: file, to: relative(ROOT, normalize(join(ROOT, dirname(file), m[1]))) });
    }
  }
  return out;
}

const ALL = imports();

/** Imports from files under `from` into paths under any of `forbidden`, except those `allowed`. */
function breaking(from: string, forbidden: readonly string[], allowed: (i: Import) => boolean = () => false): string[] {
  return ALL.filter((i) => i.from.startsWith(from) && forbidden.some((f) => i.to.startsWith(f)) && !allowed(i)).map((i) => `${i.from} imports ${i.to}`);
}

describe('imports point down the layers', () => {
  it('the machine knows nothing above it: the heap takes the machine, not the other way round', () => {
    expect(breaking('kernel/machine/', ['kernel/memory/', 'kernel/objects/', 'bootstrap/', 'src/', 'image/', 'bench/'])).toEqual([]);
  });

  it('the kernel knows nothing of the language, the images, the command line or the benchmarks', () => {
    expect(breaking('kernel/', ['bootstrap/', 'src/', 'image/', 'bench/'])).toEqual([]);
  });

  it('image/ is the file format, save, open, validation, journal and lock: it imports nothing from src/ or bench/', () => {
    expect(breaking('image/', ['src/', 'bench/'])).toEqual([]);
  });

  it('the language, the compiler, the system and Forth know nothing of sessions, the REPL or the command line', () => {
    for (const below of ['src/lang/', 'src/compiler/', 'src/system/', 'src/forth/']) {
      expect(breaking(below, ['src/session/', 'src/repl/', 'src/cli/'])).toEqual([]);
    }
  });

  it('the session layer sits below the REPL and the command line', () => {
    expect(breaking('src/session/', ['src/repl/', 'src/cli/'])).toEqual([]);
    expect(breaking('src/repl/', ['src/cli/'])).toEqual([]);
  });

  it('the command line reaches the REPL only through its entry (src/repl/interactive.tsx)', () => {
    expect(breaking('src/cli/', ['src/repl/'], (i) => i.to === 'src/repl/interactive.tsx')).toEqual([]);
  });

  it('nothing imports the benchmarks: they sit above what they measure (bin/bench.mjs runs them)', () => {
    for (const below of ['kernel/', 'bootstrap/', 'src/', 'image/']) expect(breaking(below, ['bench/'])).toEqual([]);
  });

  it('sees every import (the scan itself works)', () => {
    expect(ALL.some((i) => i.from === 'kernel/memory/heap.ts' && i.to === 'kernel/machine/machine.ts')).toBe(true);
    // a dynamic import, as the command line loads the REPL
    expect(ALL.some((i) => i.from === 'src/cli/session-commands.ts' && i.to === 'src/repl/interactive.tsx')).toBe(true);
  });
});

/** Files (under the source folders) whose text calls `name(`, other than its definition. */
function callers(name: string): string[] {
  const call = new RegExp(`[.\\s(]${name}\\(`);
  return SOURCE_DIRS.flatMap(sourceFiles).filter((f) => call.test(readFileSync(join(ROOT, f), 'utf8').replace(new RegExp(`(function|^\\s*)${name}\\(`, 'gm'), '')));
}

describe('one path for each way code is made (issue 12 item 3)', () => {
  it('code is placed into code objects only by kernel/objects/methods.ts placeCode (reserveCode, fillCode)', () => {
    // The machine's own allocation and the heap's, and the one-byte `ret` the faults keep, aside.
    expect(callers('allocateCode').filter((f) => !['kernel/objects/methods.ts', 'kernel/machine/machine.ts', 'kernel/objects/faults.ts'].includes(f))).toEqual([]);
    expect(callers('writeCode')).toEqual(['kernel/objects/methods.ts']);
    expect(callers('writeLiterals')).toEqual(['kernel/objects/methods.ts']);
    expect(callers('placeCode')).toContain('src/compiler/compiler.ts');
  });

  it('a primitive is copied inline only by src/compiler/native.ts inlineFragment', () => {
    expect(callers('inlinableFragment').sort()).toEqual(['src/compiler/compiler.ts', 'src/compiler/native.ts']);
    for (const f of SOURCE_DIRS.flatMap(sourceFiles)) {
      // (a copy of a primitive walks its decoded instructions and turns branches into labels)
      if (f !== 'src/compiler/native.ts') expect(`${f}: ${/fragment\.instructions/.test(readFileSync(join(ROOT, f), 'utf8'))}`).toBe(`${f}: false`);
    }
  });
});

