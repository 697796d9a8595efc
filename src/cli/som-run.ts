/*
 * bedrock run FILE.som [ARG ...]: a program in SOM's class syntax, run as a SOM VM runs one.
 * The directory of FILE and every directory under it are the class path: each `.som` file in
 * them is read (src/lang/som.ts) and its class defined, superclasses first; then the class
 * FILE names is sent `new run: args`, args being an Array of the class's name and the ARGs
 * as Strings (`som -cp DIR FILE.som ARG ...`). So the Are We Fast Yet benchmarks run with
 * `bedrock run benchmarks/Smalltalk/Harness.som Bounce 10`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readSourceFile, type FileRead } from '../lang/filein.ts';
import { somToSmalltalk } from '../lang/som.ts';
import type { Workspace } from '../session/workspace.ts';
import { outputParts } from '../session/report.ts';
import type { Output } from './commands.ts';

/** Every `.som` file under `dir`, in a stable order. */
function somFiles(dir: string, depth = 0): string[] {
  if (depth > 16) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...somFiles(p, depth + 1));
    else if (e.isFile() && e.name.toLowerCase().endsWith('.som')) out.push(p);
  }
  return out;
}

interface ClassFile { readonly path: string; readonly text: string; readonly names: readonly string[]; readonly supers: readonly string[] }

/** The class path's files, each after the files defining its superclasses. */
export function classPathOrder(files: readonly ClassFile[]): ClassFile[] {
  const byClass = new Map<string, ClassFile>();
  for (const f of files) for (const n of f.names) byClass.set(n, f);
  const done = new Set<ClassFile>(), visiting = new Set<ClassFile>(), out: ClassFile[] = [];
  const visit = (f: ClassFile): void => {
    if (done.has(f) || visiting.has(f)) return;
    visiting.add(f);
    for (const s of f.supers) { const g = byClass.get(s); if (g && g !== f) visit(g); }
    visiting.delete(f);
    done.add(f);
    out.push(f);
  };
  files.forEach(visit);
  return out;
}

/** The text of every `.som` file of `file`'s class path (its directory and every one under it). */
export function readClassPath(file: string): { path: string; text: string }[] {
  return somFiles(dirname(file)).map((path) => ({ path, text: readFileSync(path, 'latin1') }));
}

export interface ClassPathOptions {
  /** The system already holds the class path (an image of it, class-path-cache.ts): only run. */
  readonly loaded?: boolean;
  /** Called once the class path loaded cleanly (nothing printed, nothing failed), before the run. */
  readonly loadedCleanly?: () => void;
}

/**
 * Load the class path of `file` (read by readClassPath) into `ws` and run its class; `runFile`
 * runs one read file (as `bedrock run` runs a Smalltalk file) and answers whether it all
 * succeeded. Answers the exit status.
 */
export function runSomProgram(ws: Workspace, file: string, classPath: readonly { path: string; text: string }[], args: readonly string[], io: Output,
  runFile: (read: FileRead, io: Output) => boolean, options: ClassPathOptions = {}): number {
  let ok = true;
  // A program run for its speed: small methods are inlined at their sends (its frames are
  // fewer, src/compiler/inline-sends.ts). (A class path loaded already was compiled so too.)
  ws.bedrock.compiler.inlineMethods = true;
  if (!options.loaded) {
    const files: ClassFile[] = classPath.map(({ path, text }) => {
      const som = somToSmalltalk(text);
      const classes = som.ok ? som.classes : [];
      return { path, text, names: classes.map((c) => c.name), supers: classes.map((c) => c.superclass) };
    });
    let written = false;
    const seen: Output = {
      out: (t) => { written = true; io.out(t); },
      err: (t) => { written = true; io.err(t); },
      ...(io.write && { write: (t: string) => { written = true; io.write!(t); } }),
    };
    for (const f of classPathOrder(files)) {
      if (!runFile(readSourceFile(f.text, f.path), seen)) ok = false;
      if (ws.bedrock.exitStatus !== null) return ws.bedrock.exitStatus;
    }
    if (ok && !written) options.loadedCleanly?.();
  }
  const name = basename(file).replace(/\.som$/i, '');
  const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;
  const main = `(Smalltalk at: #${name} ifAbsent: [nil]) isNil
  ifTrue: [Transcript showCr: 'no class ${name} in the class path'. Smalltalk exit: 1]
  ifFalse: [(Smalltalk at: #${name}) new run: {${[name, ...args].map(quote).join('. ')}}]`;
  const raw = (text: string): void => {
    if (text) io.write ? io.write(text) : io.out(text.replace(/\n$/, ''));
  };
  for (const o of ws.evaluate(main)) {
    if (ws.bedrock.exitStatus !== null) { raw(o.output ?? ''); return ws.bedrock.exitStatus; }
    const { before, after } = outputParts(o);
    raw(before);
    if (o.kind === 'error') {
      ok = false;
      io.err(o.text);
      for (const l of o.backtrace ?? []) io.err(`  ${l}`);
    }
    raw(after);
  }
  return ok ? 0 : 1;
}
