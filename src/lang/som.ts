/*
 * SOM's class syntax (the Simple Object Machine, and the Are We Fast Yet benchmarks written in
 * it), read by rewriting it as GNU Smalltalk's bracket syntax, which the file reader already
 * takes (brackets.ts). Method bodies are Smalltalk and are kept as they are; only the class
 * frame changes, in place, so that every line keeps its number for error messages:
 *
 *   Sieve = Benchmark (              ->   Benchmark subclass: Sieve [
 *     | flags |                      ->     | flags |
 *     benchmark = ( ^1 )             ->     benchmark [ ^1 ]
 *     sieve: f size: s = ( ... )     ->     sieve: f size: s [ ... ]
 *     ----                           ->   ] Sieve class extend [
 *     | count |                      ->     | count |
 *     new = ( ^super new init )      ->     new [ ^super new init ]
 *   )                                ->   ]
 *
 * `Name = ( ... )` has Object for its superclass. A method whose body is `primitive` has no
 * Smalltalk to give it and is left out (with a note). Errors are values: what was expected,
 * and where.
 */

export interface SomClass {
  readonly name: string;
  readonly superclass: string;
}

export type SomResult =
  | { readonly ok: true; readonly text: string; readonly classes: readonly SomClass[]; readonly notes: readonly string[] }
  | { readonly ok: false; readonly message: string; readonly offset: number };

class SomError {
  constructor(readonly message: string, readonly at: number) {}
}

const isLetter = (c: string): boolean => /[A-Za-z_]/.test(c);
const isIdent = (c: string): boolean => /[A-Za-z0-9_]/.test(c);
const BINARY = '~&|*/\\+=><,@%-';

/** Rewrite SOM source as bracket-syntax Smalltalk (see the header). */
export function somToSmalltalk(text: string): SomResult {
  const out = text.split('');
  const put = (from: number, to: number, replacement: string): void => {
    // Keep the newlines of what is replaced, so that lines keep their numbers.
    const newlines = text.slice(from, to).replace(/[^\n]/g, '');
    out[from] = replacement + newlines;
    for (let i = from + 1; i < to; i++) out[i] = '';
  };
  const classes: SomClass[] = [];
  const notes: string[] = [];
  let p = 0;

  const skip = (): void => {
    for (;;) {
      while (p < text.length && /\s/.test(text[p])) p++;
      if (text[p] === '"') {
        const end = text.indexOf('"', p + 1);
        if (end < 0) throw new SomError('a comment is not closed', p);
        p = end + 1;
        continue;
      }
      return;
    }
  };
  const ident = (): string => {
    skip();
    if (!isLetter(text[p] ?? '')) throw new SomError('expected a name', p);
    const s = p;
    while (p < text.length && isIdent(text[p])) p++;
    return text.slice(s, p);
  };
  const expect = (c: string, what: string): number => {
    skip();
    if (text[p] !== c) throw new SomError(`expected ${what}`, p);
    return p++;
  };
  /** From an opening '(' at p: the index of its ')', past strings, comments, characters and symbols. */
  const matching = (open: number): number => {
    let depth = 0;
    for (let i = open; i < text.length; i++) {
      const c = text[i];
      if (c === "'") { i = endOfString(i); continue; }
      if (c === '"') { const e = text.indexOf('"', i + 1); if (e < 0) throw new SomError('a comment is not closed', i); i = e; continue; }
      if (c === '$') { i++; continue; }
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return i;
    }
    throw new SomError("a '(' is not closed", open);
  };
  const endOfString = (at: number): number => {
    for (let i = at + 1; i < text.length; i++) {
      if (text[i] === "'") {
        if (text[i + 1] === "'") { i++; continue; }
        return i;
      }
    }
    throw new SomError('a string is not closed', at);
  };
  /** `| a b |` at p, if there is one: skipped (it is the same in both syntaxes). */
  const fields = (): void => {
    skip();
    if (text[p] !== '|') return;
    const end = text.indexOf('|', p + 1);
    if (end < 0) throw new SomError("expected '|' to end the fields", p);
    p = end + 1;
  };
  /** A method's pattern, then '=', then its body or `primitive`; false at the end of the section. */
  const method = (className: string, classSide: boolean): boolean => {
    skip();
    const start = p;
    const c = text[p] ?? '';
    if (c === ')' || text.startsWith('----', p)) return false;
    if (isLetter(c)) {
      const first = ident();
      if (text[p] === ':') {
        p++;
        ident();
        for (;;) {
          skip();
          const save = p;
          if (!isLetter(text[p] ?? '')) break;
          ident();
          if (text[p] !== ':') { p = save; break; }
          p++;
          ident();
        }
      } else void first;
    } else if (BINARY.includes(c)) {
      while (p < text.length && BINARY.includes(text[p])) p++;
      ident();
    } else {
      throw new SomError('expected a method (a pattern, then = and its body in parentheses), or the end of the class', p);
    }
    const patternEnd = p;
    const eq = expect('=', "'=' after the method's pattern");
    skip();
    if (text.startsWith('primitive', p) && !isIdent(text[p + 9] ?? '')) {
      p += 9;
      notes.push(`${className}${classSide ? ' class' : ''}>>${text.slice(start, patternEnd).replace(/\s+/g, ' ').trim()} is a SOM primitive, left out`);
      put(start, p, '');
      return true;
    }
    if (text[p] !== '(') throw new SomError("expected '(' to begin the method's body, or primitive", p);
    const open = p;
    const close = matching(open);
    put(eq, open + 1, '[');
    put(close, close + 1, ']');
    p = close + 1;
    return true;
  };

  try {
    for (;;) {
      skip();
      if (p >= text.length) break;
      const headerStart = p;
      const name = ident();
      expect('=', `'=' after the class name ${name}`);
      skip();
      let superclass = 'Object';
      if (isLetter(text[p] ?? '')) superclass = ident();
      const open = expect('(', `'(' to begin the class ${name}`);
      put(headerStart, open + 1, `${superclass} subclass: ${name} [`);
      classes.push({ name, superclass });
      fields();
      while (method(name, false));
      skip();
      if (text.startsWith('----', p)) {
        let end = p;
        while (text[end] === '-') end++;
        put(p, end, `] ${name} class extend [`);
        p = end;
        fields();
        while (method(name, true));
      }
      const close = expect(')', `')' to end the class ${name}`);
      put(close, close + 1, ']');
    }
  } catch (e) {
    if (!(e instanceof SomError)) throw e;
    return { ok: false, message: e.message, offset: Math.min(e.at, text.length) };
  }
  return { ok: true, text: out.join(''), classes, notes };
}
