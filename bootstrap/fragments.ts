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
 * layout rule of DESIGN.md section 6). Comments are in double quotes. This is the subset of
 * the language genesis needs before the language exists; the full parser reads the same text.
 *
 * Binding a body for assembly (kernel/ABI.md): parameter names become the registers they
 * arrive in (rsi, rdx, rcx, r8, r9; after the fifth, stack operands); `nil`, `true`, `false` become those objects' addresses;
 * `#selector` the address of that symbol; a service name in capitals (SEND, FAIL) its number;
 * `Behaviour>>selector` the address of that method's code, which a `jmp` or `call` reaches
 * with a 32-bit displacement.
 */
import { METHOD_KIND } from '../kernel/objects/layout.ts';
import { parameterOperand } from '../kernel/objects/methods.ts';

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
  let out = '', inComment = false;
  for (const ch of text) {
    if (ch === '"') { inComment = !inComment; out += ' '; continue; }
    out += inComment && ch !== '\n' ? ' ' : ch;
  }
  return out;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BINARY = /^[-+*/\\<>=~@%|&?,]+$/;

function parseHeader(header: string): { target: string; selector: string; parameters: string[] } | string {
  const words = header.trim().split(/\s+/);
  const target = words.shift();
  if (!target || !IDENT.test(target)) return 'expected the name of a behaviour before the selector';
  if (words.length === 1 && IDENT.test(words[0])) return { target, selector: words[0], parameters: [] };
  if (words.length === 2 && BINARY.test(words[0]) && IDENT.test(words[1])) return { target, selector: words[0], parameters: [words[1]] };
  if (words.length >= 2 && words.length % 2 === 0) {
    let selector = '';
    const parameters: string[] = [];
    for (let i = 0; i < words.length; i += 2) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*:$/.test(words[i])) return `expected a keyword such as 'at:', found '${words[i]}'`;
      if (!IDENT.test(words[i + 1])) return `expected a parameter name after '${words[i]}', found '${words[i + 1]}'`;
      selector += words[i];
      parameters.push(words[i + 1]);
    }
    return { target, selector, parameters };
  }
  return `expected a unary, binary or keyword selector, found '${words.join(' ')}'`;
}

/** Split fragment text into definitions. */
export function readFragments(text: string): FragmentsResult {
  const lines = stripComments(text).split('\n');
  const original = text.split('\n');
  const fragments: Fragment[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    if (/^\s/.test(lines[i])) return { ok: false, error: { line: i + 1, message: 'an indented line must continue a definition' } };
    const start = i;
    while (i + 1 < lines.length && (lines[i + 1].trim() === '' || /^\s/.test(lines[i + 1]))) {
      if (lines[i + 1].trim() === '' && !(i + 2 < lines.length && /^\s+\S/.test(lines[i + 2]))) break;
      i++;
    }
    const item = lines.slice(start, i + 1).join('\n');
    const arrow = item.indexOf('->');
    if (arrow < 0) return { ok: false, error: { line: start + 1, message: "expected '->' between the selector and the body" } };
    const header = parseHeader(item.slice(0, arrow));
    if (typeof header === 'string') return { ok: false, error: { line: start + 1, message: header } };
    fragments.push({ ...header, body: item.slice(arrow + 2).trim(), source: original.slice(start, i + 1).join('\n'), line: start + 1 });
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
