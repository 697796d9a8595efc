/*
 * `Smalltalk fileIn: 'FILE'`: reading a file from inside a running evaluation. The host reads
 * and parses the file (filein.ts: Bedrock's syntax, GNU Smalltalk's or the chunk format) and
 * hands it to the language a step at a time (the SYSTEM service's FILE_IN and FILE_IN_NEXT):
 * a definition is compiled and installed by the host; a statement is compiled and given back
 * as a method for the language to run (system.bedrock's fileIn:), so that it runs on the
 * machine like any other code, and is compiled only when its turn comes (after what came
 * before it in the file has run: a class it names exists by then).
 *
 *   next step       answer
 *   definition      true (made), or a String (the compile error, with the file and line)
 *   statement       an Array: the CompiledMethod to run, its receiver, and 'file:line'
 *   syntax error    a String (the items before it were made or ran)
 *   the end         nil
 */
import { readFileSync } from 'node:fs';
import type { Value } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { classIndexOf } from '../../kernel/objects/access.ts';
import { formatSyntaxError, placeText, type DoIt, type Item, type MethodDefinition } from '../lang/ast.ts';
import { readSourceFile } from '../lang/filein.ts';
import type { Compiler } from '../compiler/compiler.ts';
import { classSteps } from './class-items.ts';
import { compileErrorText } from './compile-error.ts';

export type FileInStep =
  | { readonly kind: 'end' }
  | { readonly kind: 'error'; readonly text: string }
  | { readonly kind: 'defined' }
  | { readonly kind: 'doit'; readonly method: number; readonly receiver: Value; readonly place: string };

type Pending =
  | { readonly kind: 'item'; readonly item: Item }
  | { readonly kind: 'doit'; readonly item: DoIt; readonly inClass?: string; readonly what?: string; readonly place: string }
  | { readonly kind: 'error'; readonly text: string };

export class FileIns {
  private readonly readers = new Map<number, Pending[]>();
  private next = 1;

  constructor(private readonly k: Kernel, private readonly compiler: () => Compiler) {}

  /** Read and parse a file: a handle for next(), or why it cannot be read. */
  open(path: string): number | string {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      const code = (e as { code?: string }).code;
      return code === 'ENOENT' ? `${path}: no such file` : `${path}: ${(e as Error).message}`;
    }
    return this.openText(text, path);
  }

  /** Parse source given as text (`aStream fileIn`, `Compiler evaluate:`), named `name` in errors: a handle for next(). */
  openText(text: string, name: string): number {
    const read = readSourceFile(text, name);
    const steps: Pending[] = [];
    read.items.forEach((item, i) => {
      for (const s of read.skipped ?? []) if (s.before === i) steps.push({ kind: 'error', text: formatSyntaxError(s.error) });
      steps.push({ kind: 'item', item });
    });
    for (const s of read.skipped ?? []) if (s.before === read.items.length) steps.push({ kind: 'error', text: formatSyntaxError(s.error) });
    if (read.error) steps.push({ kind: 'error', text: formatSyntaxError(read.error) });
    const handle = this.next++;
    this.readers.set(handle, steps);
    return handle;
  }

  /** The next step of a file being read (see the header). */
  step(handle: number): FileInStep | string {
    const steps = this.readers.get(handle);
    if (steps === undefined) return `no file is being read with the handle ${handle}`;
    const s = steps.shift();
    if (s === undefined) { this.readers.delete(handle); return { kind: 'end' }; }
    if (s.kind === 'error') return { kind: 'error', text: s.text };
    if (s.kind === 'doit') return this.doit(s.item, s.place, s.inClass, s.what);
    const item = s.item;
    const place = placeText(item.span.start, item.origin?.name).replace(/:\d+$/, '').replace(/, column \d+$/, '');
    switch (item.kind) {
      case 'method': return this.define(item);
      case 'doit': return this.doit(item, place);
      case 'class': {
        const expanded = classSteps(item);
        if (typeof expanded === 'string') return { kind: 'error', text: `${placeText(item.span.start, item.origin?.name)}: ${expanded}` };
        steps.unshift(...expanded.map((x): Pending => (x.kind === 'method'
          ? { kind: 'item', item: x.item }
          : { kind: 'doit', item: x.item, inClass: x.inClass, what: x.what, place })));
        return this.step(handle);
      }
    }
  }

  private define(def: MethodDefinition): FileInStep {
    const r = this.compiler().define(def);
    return r.ok ? { kind: 'defined' } : { kind: 'error', text: compileErrorText(r.error.message, r.error.span, def.source, def.span, def.origin) };
  }

  private doit(item: DoIt, place: string, inClass?: string, what?: string): FileInStep {
    const k = this.k;
    let behaviour = -1;
    let receiver = k.object(k.nil);
    if (inClass !== undefined) {
      const cls = k.behaviourNamed(inClass);
      if (cls >= 0) { behaviour = k.behaviour(classIndexOf(k.machine, cls)); receiver = k.object(cls); }
    }
    const r = this.compiler().doIt(item, behaviour);
    if (!r.ok) {
      const text = item.origin === undefined
        ? `${place} (${what ?? 'a statement'}): ${r.error.message}`
        : compileErrorText(r.error.message, r.error.span, item.source, item.span, item.origin);
      return { kind: 'error', text };
    }
    return { kind: 'doit', method: r.method, receiver, place };
  }

  /** Forget every file being read (a new top-level evaluation: none of them is still running). */
  clear(): void { this.readers.clear(); }
}
