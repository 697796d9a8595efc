/*
 * Reading the kernel's fragments: method definitions in the seed's notation whose bodies are
 * x86-64, such as
 *
 *   Memory at: anAddress -> mov rdi, rax; mov rax, [rdi*8]; ret
 *   Boolean ifTrue: aBlock ->
 *       mov rdx, aBlock
 *       mov rsi, true
 *       jmp CPU>>eq:do:
 *
 * A definition ends at the end of its line unless the following lines are indented (the
 * layout rule of DESIGN.md section 6). Comments are in double quotes. The language's own
 * parser reads the text (it needs nothing of the kernel, so genesis can use it before the
 * system exists); this module binds what it read for the assembler.
 *
 * Binding a body for assembly (kernel/ABI.md): parameter names become the registers they
 * arrive in (rsi, rdx, rcx, r8, r9; after the fifth, stack operands); `nil`, `true`, `false` become those objects' addresses;
 * `#selector` the address of that symbol; a service name in capitals (SEND, FAIL) its number;
 * `Behaviour>>selector` the address of that method's code, which a `jmp` or `call` reaches
 * with a 32-bit displacement.
 */
import { METHOD_KIND } from '../kernel/objects/layout.ts';
import { parameterOperand } from '../kernel/objects/methods.ts';
import { parse } from '../src/lang/parser.ts';

export interface Fragment {
  readonly target: string;
  readonly selector: string;
  readonly parameters: readonly string[];
  readonly body: string;
  /** The whole definition as written. */
  readonly source: string;
  /** Line of the definition in its file (1-based). */
  readonly line: number;
}

export interface FragmentError {
  readonly line: number;
  readonly message: string;
}

export type FragmentsResult =
  | { readonly ok: true; readonly fragments: readonly Fragment[] }
  | { readonly ok: false; readonly error: FragmentError };

/** Blank out "comments", keeping line structure. */
function stripComments(text: string): string {
  return text.replace(/"[^"]*"/g, (c) => c.replace(/[^\n]/g, ' '));
}

/**
 * The definitions of a fragment text, read by the language's own parser (src/lang): every
 * item must be a method of a behaviour with an x86-64 body.
 */
export function readFragments(text: string, name = 'bootstrap/kernel.bedrock'): FragmentsResult {
  const parsed = parse(text, { name });
  if (!parsed.ok) return { ok: false, error: { line: parsed.error.position.line, message: parsed.error.message } };
  const fragments: Fragment[] = [];
  for (const item of parsed.items) {
    const line = item.span.start.line;
    if (item.kind !== 'method' || item.classSide) {
      return { ok: false, error: { line, message: 'a kernel fragment is a method of a behaviour with an x86-64 body (Memory at: anAddress -> mov rax, ...)' } };
    }
    if (item.body.kind !== 'assembly') {
      const first = item.source.slice(item.source.indexOf('->') + 2).trim().split(/\s+/)[0];
      return { ok: false, error: { line, message: `${item.target.name}>>${item.selector}: the body is not x86-64 ('${first}' is no instruction)` } };
    }
    fragments.push({
      target: item.target.name, selector: item.selector, parameters: item.params.map((p) => p.name),
      body: stripComments(item.body.text).trim(), source: item.source, line,
    });
  }
  return { ok: true, fragments };
}

/** How a fragment takes its arguments: see METHOD_KIND and kernel/ABI.md. */
export function kindOf(f: Fragment): number {
  if (f.parameters.length === 0) return METHOD_KIND.REGISTERS;
  const named = f.parameters.some((p) => new RegExp(`\\b${p}\\b`).test(f.body));
  if (named) return METHOD_KIND.REGISTERS;
  // Naming no parameter: the arguments stay where a send leaves them (the last in rax).
  return f.parameters.length === 1 ? METHOD_KIND.TOS : METHOD_KIND.SEND;
}

export interface Names {
  /** Address of a named object (nil, true, false), or undefined. */
  object(name: string): number | undefined;
  /** Address of the symbol `#text`. */
  symbol(text: string): number;
  /** A constant named in capitals (SEND, FAIL, CLOSURE_ARGC ...: layout.ts kernelConstants), or undefined. */
  service(name: string): number | undefined;
  /** Address of the code of Behaviour>>selector, or undefined. */
  method(behaviour: string, selector: string): number | undefined;
  /** The class index of the class a global names (`INDEX_OF_Float`), or undefined. */
  classIndex?(name: string): number | undefined;
}

/**
 * The body as assembler text for code that will sit at `origin`: parameters bound to their
 * registers, named objects to their addresses, and `jmp`/`call Behaviour>>selector` to a
 * 32-bit branch whose target is that code's offset from `origin`.
 */
export function bindBody(f: Fragment, names: Names, origin: number): { ok: true; text: string } | { ok: false; message: string } {
  let missing = '';
  const statements = f.body.split(/;|\n/).map((statement) => {
    let s = statement;
    f.parameters.forEach((p, i) => { s = s.replace(new RegExp(`\\b${p}\\b`, 'g'), parameterOperand(i, f.parameters.length)); });
    s = s.replace(/\b([A-Z][A-Za-z0-9_]*)>>([A-Za-z0-9_:+\-*/<>=~]+)/g, (_, b: string, sel: string) => {
      const a = names.method(b, sel);
      if (a === undefined) { missing = `${b}>>${sel} is not defined`; return '0'; }
      return String(a - origin);
    });
    s = s.replace(/\bINDEX_OF_([A-Z][A-Za-z0-9_]*)\b/g, (_, name: string) => {
      const index = names.classIndex?.(name);
      if (index === undefined) { missing = `INDEX_OF_${name}: ${name} is not a class`; return '0'; }
      return String(index);
    });
    s = s.replace(/^\s*((?:[A-Za-z_][A-Za-z0-9_]*:\s*)?)((?:jmp|call)\s+-?\d+)\s*$/, (whole, label: string, branch: string) => `${label}{disp32} ${branch}`);
    s = s.replace(/#([A-Za-z_][A-Za-z0-9_:]*)/g, (_, text: string) => String(names.symbol(text)));
    s = s.replace(/\b([A-Z][A-Z0-9_]*[A-Z_][A-Z0-9_]*)\b/g, (word: string) => {
      const n = names.service(word);
      if (n === undefined && /_CELL$/.test(word)) {
        missing = `${word} was a fixed address, which no code may read any more (a number reaches only low memory): ` +
          'name the object as a literal, [rip+NIL], [rip+TRUE], [rip+FALSE], or reach a kernel cell through the roots: ' +
          'mov rcx, [rip+ROOTS]; mov rcx, [rcx+ROOT_ACTIVE] (kernel/ABI.md)';
      }
      return n === undefined ? word : String(n);
    });
    // A negative offset named after a '+' (`[rax+HEADER]`, `[r12+FRAME_SELF]`) subtracts.
    s = s.replace(/\+\s*-(?=\d)/g, '-').replace(/-\s*-(?=\d)/g, '+');
    s = s.replace(/\b(nil|true|false)\b/g, (name: string) => {
      const a = names.object(name);
      if (a === undefined) { missing = `${name} is not known`; return '0'; }
      return String(a);
    });
    return s;
  });
  if (missing) return { ok: false, message: missing };
  return { ok: true, text: statements.join('\n') };
}
