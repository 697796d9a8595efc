/*
 * `.see Class>>selector` and `bedrock see`: the method a class answers for a selector (its
 * own, or the one it inherits, said so), listed from source to machine code by the system's
 * own listing (src/system/see.ts, what `Foo see: #bar` answers in the language). Read-only:
 * seeing a method changes nothing and is not journalled.
 */
import { behaviourName, ensureMetaclass, lookupFrom } from '../../kernel/objects/classes.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { METHOD } from '../../kernel/objects/layout.ts';
import { slotPointer } from '../../kernel/objects/access.ts';
import { seeMethod as listing } from '../system/see.ts';
import { line, type Line } from './report.ts';

export interface MethodName {
  readonly className: string;
  readonly classSide: boolean;
  readonly selector: string;
}

/** 'Foo>>bar:', 'Foo class>>new', 'Foo >> #bar' -> its parts, or null. */
export function parseMethodName(text: string): MethodName | null {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(\s+class)?\s*>>\s*#?(\S+?)\s*$/.exec(text);
  if (!m) return null;
  return { className: m[1], classSide: m[2] !== undefined, selector: m[3] };
}

/** The listing of a method, or a message saying why there is none. */
export function seeMethod(k: Kernel, spec: string): { ok: true; lines: Line[] } | { ok: false; error: string } {
  const name = parseMethodName(spec);
  if (!name) return { ok: false, error: `expected Class>>selector (e.g. SmallInteger>>factorial), not '${spec}'` };
  let b = k.behaviourNamed(name.className);
  if (b < 0) return { ok: false, error: `there is no class named ${name.className}` };
  const shown = `${name.className}${name.classSide ? ' class' : ''}`;
  if (name.classSide) {
    const meta = ensureMetaclass(k, b);
    if (typeof meta === 'string' || meta < 0) return { ok: false, error: `${name.className} has no class side` };
    b = meta;
  }
  const selector = k.symbols.find(name.selector);
  const method = selector === undefined ? -1 : lookupFrom(k, b, selector);
  if (method < 0) return { ok: false, error: `${shown} does not understand #${name.selector}` };
  const out: Line[] = [];
  const owner = slotPointer(k.machine, method, METHOD.OWNER);
  if (owner !== b && owner > 0) out.push(line('info', `(${shown} inherits it from ${behaviourName(k, owner)})`));
  for (const l of listing(k, method).split('\n')) {
    const tone = l === '' || /^\S/.test(l) ? 'info' : 'listing';
    out.push(line(tone, l));
  }
  return { ok: true, lines: out };
}
