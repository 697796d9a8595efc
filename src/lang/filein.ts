/*
 * Reading a whole file of source, in one of the forms code comes in:
 *
 *   bedrock     Bedrock's own: an item ends with its line unless a bracket is open or the next
 *               lines are indented (layout.ts); GNU Smalltalk bracket constructs are items too.
 *   smalltalk   as GNU Smalltalk, Pharo and Squeak write it: statements end with '.', classes
 *               in GNU Smalltalk's brackets (brackets.ts), and the chunk format they all export,
 *               where a '!' ends each chunk ('!!' stands for a '!' inside one):
 *
 *                 Object subclass: #Animal
 *                     instanceVariableNames: 'name'
 *                     classVariableNames: ''
 *                     package: 'Zoo'!
 *                 !Animal methodsFor: 'speaking'!
 *                 speak
 *                     ^name, ' makes a sound'! !
 *
 *               A chunk is statements (each run when read, as GNU Smalltalk runs them); a chunk
 *               that follows a lone '!' and says `Foo methodsFor: '...'` (or `Foo class
 *               methodsFor:`) begins methods, one a chunk, until an empty one; `Foo
 *               commentStamp: ...` is followed by the comment. Temporaries declared among the
 *               statements (`| a b |`) are globals, as GNU Smalltalk's are in a file.
 *
 * SOM's class syntax (`.som` files: `Name = Super ( fields methods ---- class side )`) is read
 * as the bracket syntax it rewrites to (som.ts).
 *
 * Which form a file is in: `.st` (and `.cs`, `.gst`) files are Smalltalk, `.bedrock` files
 * Bedrock; any other is Smalltalk when it has chunk separators or bracket class definitions,
 * and no Bedrock definition (`Foo bar -> ...`).
 *
 * Errors are values: the items read before the first syntax error, and that error, which names
 * the file, the line and the column as the file has them (a '!!' counts as two characters).
 */
import type { DoIt, Item, MethodDefinition, SyntaxError } from './ast.ts';
import { bracketConstruct, parseBracket } from './brackets.ts';
import { startsInstruction } from './header.ts';
import { splitItems } from './layout.ts';
import { somToSmalltalk } from './som.ts';
import { lexToken } from './lexer.ts';
import { parseSource } from './parser.ts';
import { SourceText } from './source.ts';
import { Failure, parseWith, syntaxError, TokenParser } from './syntax.ts';
import { isWhitespace, type Token } from './tokens.ts';

export type FileFormat = 'bedrock' | 'smalltalk';

export interface FileRead {
  readonly format: FileFormat;
  readonly items: readonly Item[];
  /** The error that stopped the reading: nothing after it was read. */
  readonly error?: SyntaxError;
  /**
   * Chunks that did not parse and were passed over (the chunk format goes on with the next
   * chunk, as GNU Smalltalk does), each with the index of the item it came before.
   */
  readonly skipped?: readonly { readonly before: number; readonly error: SyntaxError }[];
}

const SMALLTALK_EXTENSIONS = ['.st', '.cs', '.gst'];

/** A file in SOM's class syntax (som.ts): `.som`. */
export const isSomFile = (name?: string): boolean => name?.toLowerCase().endsWith('.som') ?? false;

/** Is this token a chunk separator ('!', or '!' doubled)? */
const isBang = (t: Token): boolean => t.kind === 'binary' && /^!+$/.test(t.text);

/** Does the text have chunk separators: a '!' outside strings, comments and characters? */
function hasChunks(text: string): boolean {
  if (!text.includes('!')) return false;
  const source = new SourceText(text);
  for (let t = lexToken(source, 0); t.kind !== 'end'; t = lexToken(source, t.end)) if (isBang(t)) return true;
  return false;
}

/** Which form a file is in (see the header). */
export function fileFormat(text: string, name?: string): FileFormat {
  const lower = name?.toLowerCase() ?? '';
  if (SMALLTALK_EXTENSIONS.some((e) => lower.endsWith(e)) || isSomFile(name)) return 'smalltalk';
  if (lower.endsWith('.bedrock')) return 'bedrock';
  if (hasChunks(text)) return 'smalltalk';
  const source = new SourceText(text);
  const items = splitItems(source);
  if (items.some((i) => i.header !== undefined)) return 'bedrock';
  return items.some((i) => { const c = bracketConstruct(i.tokens); return c === 'class' || c === 'extend'; }) ? 'smalltalk' : 'bedrock';
}

/** Read a file's items, in the form it is in (or the one given). */
export function readSourceFile(text: string, name?: string, format: FileFormat = fileFormat(text, name)): FileRead {
  if (format === 'bedrock') {
    const r = parseSource(new SourceText(text, { name }));
    return r.ok ? { format, items: r.items } : { format, items: r.items, error: r.error };
  }
  if (isSomFile(name)) {
    // SOM's class syntax, rewritten in place as bracket syntax (som.ts), lines kept.
    const som = somToSmalltalk(text);
    if (!som.ok) return { format, items: [], error: syntaxError(new SourceText(text, { name }), som.message, som.offset) };
    return new SmalltalkReader(som.text, name).read();
  }
  return new SmalltalkReader(text, name).read();
}

/**
 * One method in the chunk format's form (a pattern, then its body), as `compile:` takes it:
 * the definition of it in `target` (its class side when `classSide`), or the syntax error.
 */
export function parseMethodText(text: string, target: string, classSide: boolean): MethodDefinition | SyntaxError {
  const source = new SourceText(bracketBodyAsChunk(text));
  const r = parseWith(source, 0, () => methodFromChunk(source, target, classSide, 0, text.length));
  return r.kind === 'error' ? r.error : r;
}

/**
 * GNU Smalltalk's compile: takes a method in its bracket syntax too (`foo [ <category: 'x'> ^5 ]`):
 * when the pattern is followed by a '[' whose ']' ends the text, the two brackets become spaces
 * (the offsets stay, for errors) and the rest reads as the chunk format's method. A chunk-format
 * method whose whole body is one block would do nothing, so reading it so takes nothing away.
 */
function bracketBodyAsChunk(text: string): string {
  const source = new SourceText(text);
  const tokens = tokensIn(source, 0, text.length);
  const p = new TokenParser(source, tokens);
  let bodyAt: number;
  try { p.pattern(); bodyAt = p.pos; } catch { return text; }
  const open = tokens[bodyAt];
  const last = tokens[tokens.length - 1];
  if (open?.kind !== 'leftBracket' || last?.kind !== 'rightBracket' || last === open) return text;
  let depth = 0;
  for (let i = bodyAt; i < tokens.length; i++) {
    const kind = tokens[i].kind;
    if (kind === 'leftBracket' || kind === 'byteArray') depth++;
    else if (kind === 'rightBracket') depth--;
    if (depth === 0 && i < tokens.length - 1) return text;
  }
  if (depth !== 0) return text;
  return `${text.slice(0, open.start)} ${text.slice(open.end, last.start)} ${text.slice(last.end)}`;
}

/** The text with each '!!' read as '!', the places of the single '!'s that end chunks, and the source over it. */
function unbang(text: string, name?: string): { source: SourceText; terminators: number[] } {
  let out = '';
  const dropped: number[] = [];
  const terminators: number[] = [];
  let from = 0;
  for (let i = text.indexOf('!'); i >= 0; i = text.indexOf('!', from)) {
    out += text.slice(from, i + 1);
    if (text[i + 1] === '!') { dropped.push(out.length); from = i + 2; } else { terminators.push(out.length - 1); from = i + 1; }
  }
  out += text.slice(from);
  return { source: new SourceText(out, { name, original: { text, dropped } }), terminators };
}

class SmalltalkReader {
  private readonly source: SourceText;
  private readonly terminators: number[];
  private readonly items: Item[] = [];
  private readonly skipped: { before: number; error: SyntaxError }[] = [];
  /** Where the next chunk starts. */
  private pos = 0;
  private next = 0;

  constructor(text: string, name?: string) {
    if (hasChunks(text)) {
      const { source, terminators } = unbang(text, name);
      this.source = source;
      this.terminators = terminators;
    } else {
      // No chunk ends a '!' in a string of GNU Smalltalk's syntax: the file is one chunk.
      this.source = new SourceText(text, { name });
      this.terminators = [];
    }
  }

  read(): FileRead {
    const r = parseWith(this.source, this.pos, () => { this.chunks(); return null; });
    return { format: 'smalltalk', items: this.items, ...(r !== null && { error: r.error }), ...(this.skipped.length > 0 && { skipped: this.skipped }) };
  }

  /**
   * Read one chunk with `read`; in a file of chunks, the rest of a chunk that does not parse
   * is passed over (its error kept; the statements before it in the chunk stay, as GNU
   * Smalltalk runs them) and reading goes on with the next chunk.
   */
  private guarded(read: () => void): void {
    if (this.terminators.length === 0) { read(); return; }
    try {
      read();
    } catch (e) {
      if (!(e instanceof Failure)) throw e;
      this.skipped.push({ before: this.items.length, error: e.error });
    }
  }

  /** The next chunk: its extent (up to its '!', or the end), and whether a lone '!' came before it. */
  private chunk(skipBang: boolean): { start: number; end: number; bang: boolean } | null {
    const text = this.source.text;
    // Whitespace and comments before a '!' leave it lone ("a comment" !Foo methodsFor: 'x'!).
    let at = this.pos;
    for (;;) {
      while (at < text.length && isWhitespace(text[at])) at++;
      if (text[at] !== '"') break;
      const close = text.indexOf('"', at + 1);
      if (close < 0) break;
      at = close + 1;
    }
    if (skipBang && this.terminators[this.next] === at) this.pos = at;
    while (this.pos < text.length && isWhitespace(text[this.pos])) this.pos++;
    if (this.pos >= text.length) return null;
    let bang = false;
    if (skipBang && this.terminators[this.next] === this.pos) {
      bang = true;
      this.next++;
      this.pos++;
    }
    const start = this.pos;
    const end = this.next < this.terminators.length ? this.terminators[this.next++] : text.length;
    this.pos = end + 1;
    return { start, end, bang };
  }

  private chunks(): void {
    for (let c = this.chunk(true); c !== null; c = this.chunk(true)) {
      if (!c.bang) {
        // A chunk that is only `Foo methodsFor: 'x'` begins methods even after statements
        // (GNU Smalltalk's `Eval [ ... ]` then `!Foo methodsFor: 'x'!`).
        const head = this.onlyMethodsHead(c.start, c.end);
        if (head !== null) { this.methods(head.target, head.classSide, head.category); continue; }
        const { start, end } = c;
        this.guarded(() => this.statements(start, end));
        continue;
      }
      const tokens = this.tokens(c.start, c.end);
      const head = methodsHead(tokens);
      if (head !== null) { this.methods(head.target, head.classSide, head.category); continue; }
      const commented = commentHead(tokens);
      if (commented !== null) {
        const body = this.chunk(false);
        if (body !== null) this.generated(`${commented} comment: '${this.source.text.slice(body.start, body.end).replaceAll("'", "''")}'`, body.start, body.end);
        continue;
      }
      if (tokens.length === 2 && tokens[1].kind === 'identifier' && tokens[1].text === 'reorganize') { this.chunk(false); continue; }
      const { start, end } = c;
      this.guarded(() => this.statements(start, end));
    }
  }

  /** The chunk's methodsFor: head when that message is the whole of its last statement, else null. */
  private onlyMethodsHead(start: number, end: number): { target: string; classSide: boolean; category?: string } | null {
    let tokens: Token[];
    try { tokens = this.tokens(start, end); } catch { return null; }
    const lastPeriod = tokens.map((t) => t.kind).lastIndexOf('period');
    const tail = tokens.slice(lastPeriod + 1);
    const head = methodsHead(tail);
    if (head === null) return null;
    // Foo [class] methodsFor: 'x' [stamp: 'y']: nothing else.
    const n = (head.classSide ? 4 : 3);
    const rest = tail.slice(n);
    if (tail[n - 1]?.kind !== 'string') return null;
    if (!(rest.length === 0 || (rest.length === 2 && rest[0].kind === 'keyword' && rest[1].kind === 'string'))) return null;
    if (lastPeriod >= 0) this.guarded(() => this.statements(start, tokens[lastPeriod].end));
    return head;
  }

  private tokens(start: number, end: number): Token[] {
    return tokensIn(this.source, start, end);
  }

  /** Methods, one a chunk, until an empty chunk; each in the category methodsFor: named (its methodCategory). */
  private methods(target: string, classSide: boolean, category?: string): void {
    for (let c = this.chunk(false); c !== null; c = this.chunk(false)) {
      if (this.source.text.slice(c.start, c.end).trim() === '') return;
      const { start, end } = c;
      this.guarded(() => { this.items.push(this.method(target, classSide, start, end, category)); });
    }
  }

  private method(target: string, classSide: boolean, start: number, end: number, category?: string): MethodDefinition {
    return methodFromChunk(this.source, target, classSide, start, end, category);
  }

  /**
   * Statements (from `start` to `end`): each one an item, ended by '.'; bracket constructs
   * need no '.'; declared temporaries become globals (nil).
   */
  private statements(start: number, end: number): void {
    const tokens = this.tokens(start, end);
    const p = new TokenParser(this.source, tokens);
    const text = this.source.text;
    while (!p.atEnd) {
      const t = p.peek()!;
      if (t.kind === 'period') { p.pos++; continue; }
      if (bracketConstruct(tokens, p.pos) !== null) { this.items.push(parseBracket(p)); continue; }
      if (p.isBar(t)) {
        for (const v of p.temporaries()) this.generated(`${v.name} := nil`, v.span.start.offset, v.span.end.offset);
        continue;
      }
      const statement = p.statement();
      const last = p.tokens[p.pos - 1];
      const after = p.peek();
      if (after !== undefined && after.kind !== 'period') p.failAt(after, "expected '.' (or a chunk's '!') after the statement");
      const source = text.slice(t.start, last.end);
      const item: DoIt = { kind: 'doit', temps: [], statements: [statement], span: p.span(t.start, last.end), source, origin: this.source };
      this.items.push(replayable(item));
    }
  }

  /** A statement the reader makes (a comment, a global for a temporary), placed where its cause is. */
  private generated(source: string, start: number, end: number): void {
    const r = parseSource(new SourceText(source));
    if (!r.ok || r.items[0]?.kind !== 'doit') throw new Failure(syntaxError(this.source, `cannot read ${source}`, start));
    this.items.push({ ...r.items[0], span: this.source.span(start, end), origin: undefined });
  }
}

/** A method in chunk form (a pattern, then its body) from `start` to `end` of `source`. */
/**
 * A method from a chunk. `category` (its methodsFor: head's) becomes a `<category:>` pragma, in
 * the definition and in its source, unless the method has one of its own.
 */
function methodFromChunk(source: SourceText, target: string, classSide: boolean, start: number, end: number, category?: string): MethodDefinition {
  const text = source.text;
  const tokens = tokensIn(source, start, end);
  const p = new TokenParser(source, tokens);
  const pattern = p.pattern();
  const bodyEnd = start + text.slice(start, end).trimEnd().length;
  let body: MethodDefinition['body'];
  let pragmas: MethodDefinition['pragmas'] = [];
  if (startsInstruction(tokens.slice(p.pos, p.pos + 6))) {
    const first = tokens[p.pos].start;
    body = { kind: 'assembly', text: text.slice(first, bodyEnd), span: p.span(first, bodyEnd) };
  } else {
    const first = p.peek();
    pragmas = p.pragmas();
    const temps = p.temporaries();
    pragmas = [...pragmas, ...p.pragmas()];
    const statements = p.statements(undefined);
    body = { kind: 'smalltalk', temps, statements, span: p.span(first?.start ?? bodyEnd, bodyEnd) };
  }
  // The default category ('as yet unclassified', what a method with none answers) needs no pragma.
  const tagged = category !== undefined && category !== 'as yet unclassified' && body.kind === 'smalltalk' && !pragmas.some((x) => x.selector === 'category:');
  return {
    kind: 'method',
    target: { kind: 'variable', name: target, span: p.span(start, start) },
    classSide,
    selector: pattern.selector,
    params: pattern.params,
    body,
    pragmas: tagged ? [{ selector: 'category:', args: [{ type: 'string', value: category! }], span: p.span(start, start) }, ...pragmas] : pragmas,
    source: `${target}${classSide ? ' class' : ''} >> ${text.slice(pattern.start, pattern.end)} [${tagged ? ` <category: '${category!.replaceAll("'", "''")}'>` : ''}${text.slice(pattern.end, bodyEnd)}\n]`,
    span: p.span(pattern.start, bodyEnd),
    origin: source,
  };
}

/** The tokens from `start` to `end` (a chunk): a token may not run past the '!' that ends it. */
function tokensIn(source: SourceText, start: number, end: number): Token[] {
  const out: Token[] = [];
  for (let t = lexToken(source, start); t.kind !== 'end' && t.start < end; t = lexToken(source, t.end)) {
    if (t.end > end && t.kind === 'binary') {
      // `3 +!`: the '!' that ends the chunk is not part of the operator before it.
      out.push({ ...t, text: t.text.slice(0, end - t.start), end });
      break;
    }
    if (t.end > end) {
      const what = t.kind === 'string' ? 'string' : t.kind === 'error' ? 'text' : t.kind;
      throw new Failure(syntaxError(source, `this ${what} runs past the '!' that ends the chunk (write a '!' inside a chunk as '!!')`, t.start));
    }
    out.push(t);
  }
  return out;
}

/** A statement whose lines would not read back as one item of Bedrock's layout is kept (for the journal) as `Eval [ ... ]`. */
function replayable(item: DoIt): DoIt {
  const lines = item.source.split('\n');
  if (lines.slice(1).every((l) => l.trim() === '' || isWhitespace(l[0]))) return item;
  return { ...item, replay: `Eval [\n${item.source}\n]` };
}

/** `Foo methodsFor: 'x'` or `Foo class methodsFor: 'x' stamp: '...'`: the target and the category ('x'), or null. */
function methodsHead(tokens: readonly Token[]): { target: string; classSide: boolean; category?: string } | null {
  const t0 = tokens[0];
  if (t0?.kind !== 'identifier') return null;
  const classSide = tokens[1]?.kind === 'identifier' && tokens[1].text === 'class';
  const k = tokens[classSide ? 2 : 1];
  if (k?.kind !== 'keyword' || !/^(public|private)?[mM]ethodsFor:$/.test(k.text)) return null;
  const c = tokens[classSide ? 3 : 2];
  return { target: t0.text, classSide, ...(c?.kind === 'string' && typeof c.value === 'string' && { category: c.value }) };
}

/** `Foo commentStamp: '...' prior: 0` (Squeak's and Pharo's class comment): the class, or null. */
function commentHead(tokens: readonly Token[]): string | null {
  const t0 = tokens[0];
  return t0?.kind === 'identifier' && tokens[1]?.kind === 'keyword' && tokens[1].text === 'commentStamp:' ? t0.text : null;
}
