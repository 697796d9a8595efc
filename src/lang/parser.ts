/*
 * The parser: source text to top-level items, never throwing. The first problem ends the
 * parse and comes back as a SyntaxError value naming the place and what was expected, with
 * the items parsed before it.
 *
 * Items are cut by Bedrock's layout (layout.ts); each is then one of:
 *
 *   header '->' (assembly | body)        a method definition (header.ts)
 *   body                                 an expression, evaluated when read
 *   a GNU Smalltalk bracket construct    `Object subclass: Animal [ ... ]`, `Animal extend [ ]`,
 *                                        `Animal class >> new [ ... ]`, `Eval [ ... ]` (brackets.ts)
 *
 * The grammar of bodies and expressions is syntax.ts's. Whole files in GNU Smalltalk's or the
 * chunk format, whose statements end with '.' or '!' rather than with a line, are read by
 * filein.ts.
 */
import type { AssemblyBody, Item, MethodDefinition, ParseResult, SmalltalkBody, SyntaxError } from './ast.ts';
import { bracketConstruct, parseBracketItem } from './brackets.ts';
import type { Header } from './header.ts';
import { splitItems, type ItemText } from './layout.ts';
import { SourceText, type SourceOptions } from './source.ts';
import { parseWith, TokenParser } from './syntax.ts';
import { RESERVED_NAMES, type Token } from './tokens.ts';

export { needsMoreInput } from './layout.ts';

/**
 * Parse a whole source text: what the REPL has read, or a file (named, for its errors; an
 * excerpt of one says which line it starts on).
 */
export function parse(text: string, options: SourceOptions = {}): ParseResult {
  return parseSource(new SourceText(text, options));
}

export function parseSource(source: SourceText): ParseResult {
  const items: Item[] = [];
  for (const extent of splitItems(source)) {
    const result = parseItem(source, extent);
    if (result.kind === 'error') return { ok: false, error: result.error, items };
    items.push(result);
  }
  return { ok: true, items };
}

function parseItem(source: SourceText, extent: ItemText): Item | { kind: 'error'; error: SyntaxError } {
  return parseWith(source, extent.start, () => {
    if (extent.header === undefined && bracketConstruct(extent.tokens) !== null) return parseBracketItem(source, extent.tokens, extent.start, extent.end);
    const p = new TokenParser(source, extent.tokens, { arrowError: (parser, arrow) => arrowCheck(parser, extent, arrow) });
    return extent.header !== undefined ? method(p, source, extent, extent.header) : doIt(p, source, extent);
  });
}

function doIt(p: TokenParser, source: SourceText, extent: ItemText): Item {
  const temps = p.temporaries();
  const statements = p.statements(undefined);
  const { start, end } = extent;
  return { kind: 'doit', temps, statements, span: p.span(start, end), source: source.text.slice(start, end), origin: source };
}

function method(p: TokenParser, source: SourceText, extent: ItemText, h: Header): MethodDefinition {
  if (RESERVED_NAMES.has(h.target.text)) p.fail(`'${h.target.text}' is not the name of a behaviour`, h.target.start);
  const params: MethodDefinition['params'][number][] = [];
  for (const t of h.params) p.declare(params, t, 'parameter');
  const arrow = p.tokens[h.arrow];
  let body: AssemblyBody | SmalltalkBody;
  let pragmas: MethodDefinition['pragmas'] = [];
  const asm = extent.assembly;
  if (asm !== undefined) {
    if (asm.unterminatedComment !== undefined) {
      p.fail(`expected a closing " for the comment started at ${p.where(asm.unterminatedComment)}`, asm.unterminatedComment);
    }
    body = { kind: 'assembly', text: source.text.slice(asm.start, asm.end), span: p.span(asm.start, asm.end) };
  } else {
    p.pos = h.arrow + 1;
    const first = p.peek();
    if (first === undefined) p.fail("expected the method body after '->'", arrow.end);
    pragmas = p.pragmas();
    const temps = p.temporaries();
    pragmas = [...pragmas, ...p.pragmas()];
    const statements = p.statements(undefined);
    body = { kind: 'smalltalk', temps, statements, span: p.span(first.start, extent.end) };
  }
  const { start, end } = extent;
  return {
    kind: 'method',
    target: p.variable(h.target),
    classSide: h.classSide,
    selector: h.selector,
    params,
    body,
    pragmas,
    arrow: arrow.start,
    source: source.text.slice(start, end),
    span: p.span(start, end),
    origin: source,
  };
}

/**
 * '->' is a binary operator (it makes an Association), except at the top level of an item that
 * is not a definition where what comes before it looks like a method header (a capitalized
 * name, then only names, keywords and operators): that is a header gone wrong, and this says how.
 */
function arrowCheck(p: TokenParser, extent: ItemText, arrow: Token): void {
  if (extent.header !== undefined || !looksLikeHeader(extent, arrow)) return;
  arrowError(p, extent, arrow);
}

function looksLikeHeader(extent: ItemText, arrow: Token): boolean {
  const toks = extent.tokens;
  const at = toks.findIndex((x) => x.start === arrow.start);
  if (at < 2 || toks[0].kind !== 'identifier' || !/^\p{Lu}/u.test(toks[0].text)) return false;
  return toks.slice(1, at).every((x) => x.kind === 'identifier' || x.kind === 'keyword' || x.kind === 'binary');
}

/** '->' where it cannot be a message: say what is wrong with the header, if it looks like one. */
function arrowError(p: TokenParser, extent: ItemText, arrow: Token): never {
  const generic = "'->' at the top level of an item begins a method definition (Target selector -> body); for the binary message '->', write (a -> b)";
  const toks = extent.tokens;
  const at = toks.findIndex((t) => t.start === arrow.start);
  if (extent.header !== undefined || toks[0].kind !== 'identifier') p.fail(generic, arrow.start);
  let i = toks[1]?.kind === 'identifier' && toks[1].text === 'class' && at > 2 ? 2 : 1;
  const t = toks[i];
  const headerSoFar = (n: number): string => toks.slice(0, n).map((x) => x.text).join(' ');
  if (i === at || t === undefined) p.fail(generic, arrow.start);
  if (t.kind === 'identifier') p.failAt(toks[i + 1], `expected '->' after the method header '${headerSoFar(i + 1)}'`);
  if (t.kind === 'binary') {
    const q = toks[i + 1];
    if (q?.kind !== 'identifier') p.failAt(q, `expected a parameter name after '${t.text}' in the method header`);
    p.failAt(toks[i + 2], `expected '->' after the method header '${headerSoFar(i + 2)}'`);
  }
  if (t.kind !== 'keyword') p.fail(generic, arrow.start);
  for (;;) {
    const k = toks[i];
    const q = toks[i + 1];
    if (q?.kind !== 'identifier') p.failAt(q, `expected a parameter name after '${k.text}' in the method header`);
    i += 2;
    if (toks[i]?.kind !== 'keyword') p.failAt(toks[i], `expected a keyword or '->' after the parameter '${q.text}' in the method header`);
  }
}
