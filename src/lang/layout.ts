/*
 * Layout: where each top-level item begins and ends, the same in a file and at the REPL.
 *
 * An item ends at the end of its line, unless a bracket ( [ { #( is still open or the next
 * line with something on it is indented. Precisely: a token starts a new item when no bracket
 * is open and it is the first token on a line whose first character is not whitespace (and
 * not inside a comment that began on an earlier line). So blank lines and comment lines
 * inside an indented continuation change nothing, and a comment at the start of a line does
 * not hide the item that follows it on that line.
 *
 *   Boolean ifTrue: aBlock ->          one item: the body is on the indented line
 *       CPU eq: true do: aBlock
 *   x := #(1 2                         one item: the literal array is still open
 *   3 4)
 *
 * An assembly body (see header.ts) is not lexed as message syntax: from its first word to the
 * end of the item the text is taken as it is, with "comments" skipped and ( [ { counted to
 * find where it ends, so `mov rax, [rdi*8]` and `mov r10, #doesNotUnderstand:` are safe.
 */
import { isArrow, matchHeader, startsAssembly, type Header } from './header.ts';
import { lexToken } from './lexer.ts';
import { SourceText } from './source.ts';
import { CLOSER_OF, CLOSERS, isWhitespace, type Token, type TokenKind } from './tokens.ts';

/** How many tokens after '->' decide whether a body is assembly. */
const LOOKAHEAD = 6;

export interface AssemblyExtent {
  /** From the first word of the body to the end of its last word (comments after it excluded). */
  readonly start: number;
  readonly end: number;
  /** Where a comment that never closes begins. */
  readonly unterminatedComment?: number;
  /** How many brackets are still open at the end. */
  readonly open: number;
}

export interface ItemText {
  /** The item's tokens; for a method with an assembly body, its header and '->'. */
  readonly tokens: readonly Token[];
  /** The item's text runs from its first token to the end of its last token or word. */
  readonly start: number;
  readonly end: number;
  /** When the item starts with a method header. */
  readonly header?: Header;
  readonly assembly?: AssemblyExtent;
  /** Brackets open at the end of the item, and whether some closer did not match its opener. */
  readonly open: readonly Token[];
  readonly mismatched: boolean;
}

/** Split a source into its top-level items. */
export function splitItems(source: SourceText): ItemText[] {
  const items: ItemText[] = [];
  let t = lexToken(source, 0);
  while (t.kind !== 'end') {
    const tokens: Token[] = [t];
    const open: Token[] = [];
    let mismatched = false;
    let header: Header | undefined;
    let assembly: AssemblyExtent | undefined;
    const track = (tok: Token): void => {
      if (CLOSER_OF[tok.kind] !== undefined) open.push(tok);
      else if (CLOSERS.has(tok.kind)) {
        const opener = open.pop();
        if (opener === undefined || CLOSER_OF[opener.kind] !== tok.kind) mismatched = true;
      }
    };
    track(t);
    let next: Token;
    for (;;) {
      const last = tokens[tokens.length - 1];
      if (header === undefined && open.length === 0 && isArrow(last)) {
        header = matchHeader(tokens);
        if (header !== undefined) {
          const ahead = lookahead(source, last.end);
          if (startsAssembly(ahead)) {
            const scanned = scanAssembly(source, ahead[0].start);
            assembly = scanned.extent;
            next = lexToken(source, scanned.next);
            break;
          }
        }
      }
      next = lexToken(source, last.end);
      if (next.kind === 'end' || (next.margin && open.length === 0)) break;
      tokens.push(next);
      track(next);
    }
    const end = assembly !== undefined ? assembly.end : tokens[tokens.length - 1].end;
    items.push({ tokens, start: tokens[0].start, end, open, mismatched, ...(header && { header }), ...(assembly && { assembly }) });
    t = next;
  }
  return items;
}

/** The next few tokens of the same item after `offset`. */
function lookahead(source: SourceText, offset: number): Token[] {
  const out: Token[] = [];
  let at = offset;
  while (out.length < LOOKAHEAD) {
    const t = lexToken(source, at);
    if (t.kind === 'end' || t.margin) break;
    out.push(t);
    at = t.end;
  }
  return out;
}

/**
 * An assembly body from its first word: where it ends, and where the next item begins (the
 * first character, outside comments and brackets, at the start of an unindented line).
 */
function scanAssembly(source: SourceText, from: number): { extent: AssemblyExtent; next: number } {
  const text = source.text;
  let depth = 0;
  let contentEnd = from;
  /** The start of the current line when it began outside a comment; else -1. */
  let lineStart = -1;
  let i = from;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) return { extent: { start: from, end: contentEnd, unterminatedComment: i, open: depth }, next: text.length };
      if (text.slice(i, close).includes('\n')) lineStart = -1;
      i = close + 1;
      continue;
    }
    if (ch === '\n') { lineStart = i + 1; i++; continue; }
    if (isWhitespace(ch)) { i++; continue; }
    if (depth === 0 && lineStart > contentEnd && !isWhitespace(text[lineStart])) {
      return { extent: { start: from, end: contentEnd, open: 0 }, next: i };
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if ((ch === ')' || ch === ']' || ch === '}') && depth > 0) depth--;
    contentEnd = i + 1;
    i++;
  }
  return { extent: { start: from, end: contentEnd, open: depth }, next: text.length };
}

/**
 * Is this source unfinished, so that a REPL should read another line before parsing it? True
 * when its last item has a bracket still open, a string, quoted symbol or comment that does not
 * end, or a method header with '->' and no body yet.
 */
export function needsMoreInput(text: string): boolean {
  return lastItem(text).more;
}

/**
 * needsMoreInput, and `start`: where the text's last item begins when another item comes
 * before it (so at the start of an unindented line, outside any comment), else 0. Text added
 * after the end cannot change the items before the last, so a reader that goes on adding lines
 * need only look again from there (piped.ts EntrySplitter).
 */
export function lastItem(text: string): { readonly more: boolean; readonly start: number; readonly open?: readonly TokenKind[]; readonly state?: ItemState } {
  const items = splitItems(new SourceText(text));
  const last = items[items.length - 1];
  if (last === undefined) return { more: false, start: 0 };
  const start = items.length > 1 ? last.start : 0;
  if (last.assembly !== undefined) return { more: last.assembly.unterminatedComment !== undefined || last.assembly.open > 0, start };
  const final = last.tokens[last.tokens.length - 1];
  if (final.problem?.incomplete === true) {
    // A string, quoted symbol or comment the end of the text cut: what a reader adding lines
    // needs to go on from here (itemStateAfter).
    const quote = final.text.startsWith('"') ? '"' : "'";
    return { more: true, start, ...(!last.mismatched && { state: { open: last.open.map((t) => t.kind), quote } }) };
  }
  if (last.open.length > 0 && !last.mismatched) {
    const open = last.open.map((t) => t.kind);
    return { more: true, start, open, state: { open } };
  }
  return { more: last.header !== undefined && last.header.arrow === last.tokens.length - 1, start };
}

/**
 * An item whose brackets `open` (lastItem's) are still open, with `line` added after it: the
 * brackets still open then, or null when that cannot be told from the line alone (a bracket
 * closed them all by the end of the line, or one closed the wrong one, or a token does not end
 * on the line, as a string, a comment or `$` at its end do): then look at the whole item again
 * (lastItem). Inside an open
 * bracket no line starts an item, so the line's tokens are the item's, and lexing the line
 * alone finds them: a reader adding line after line inside a bracket does work linear in them.
 */
export function stillOpenAfter(open: readonly TokenKind[], line: string): TokenKind[] | null {
  const source = new SourceText(line);
  const now = [...open];
  for (let t = lexToken(source, 0); t.kind !== 'end'; t = lexToken(source, t.end)) {
    if (t.problem !== undefined) return null;
    if (CLOSER_OF[t.kind] !== undefined) now.push(t.kind);
    else if (CLOSERS.has(t.kind)) {
      const opener = now.pop();
      if (opener === undefined || CLOSER_OF[opener] !== t.kind) return null;
    }
  }
  return now.length === 0 ? null : now;
}

/**
 * What keeps an item open at the end of a line, as far as a reader adding line after line
 * needs it: the brackets open, and the quote of a string, quoted symbol (') or comment (")
 * the line break is inside.
 */
export interface ItemState {
  readonly open: readonly TokenKind[];
  readonly quote?: '"' | "'";
}

/**
 * The state of an item (lastItem's `state`) with `line` added after it, or null when that
 * cannot be told from the line alone, or nothing is open any more (then look at the whole
 * item again, with lastItem). Inside a string or comment only its closing quote is looked for
 * (a doubled ' is one inside a string), so a reader adding the lines of a long string or
 * comment does work linear in them; after it, the line goes on as stillOpenAfter says.
 */
export function itemStateAfter(state: ItemState, line: string): ItemState | null {
  let from = 0;
  if (state.quote !== undefined) {
    const close = closingQuote(line, state.quote);
    if (close < 0) return state;
    from = close + 1;
  }
  const source = new SourceText(line);
  const now = [...state.open];
  for (let t = lexToken(source, from); t.kind !== 'end'; t = lexToken(source, t.end)) {
    if (t.problem !== undefined) {
      // A string or comment that the end of the line cuts, where nothing else went wrong.
      if (t.problem.incomplete && t.end === line.length) return { open: now, quote: t.text.startsWith('"') ? '"' : "'" };
      return null;
    }
    if (CLOSER_OF[t.kind] !== undefined) now.push(t.kind);
    else if (CLOSERS.has(t.kind)) {
      const opener = now.pop();
      if (opener === undefined || CLOSER_OF[opener] !== t.kind) return null;
    }
  }
  return now.length === 0 ? null : { open: now };
}

/** Where in `line` the string (') or comment (") open before it closes, or -1. */
function closingQuote(line: string, quote: '"' | "'"): number {
  for (let i = line.indexOf(quote); i >= 0; i = line.indexOf(quote, i + 2)) {
    if (quote === '"' || line[i + 1] !== "'") return i;
  }
  return -1;
}
