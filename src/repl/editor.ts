/*
 * The REPL's line editor as a pure reducer: (state, action) -> state. Nothing here touches the
 * terminal or the image; keys become actions (keys.ts), and what the host must do (evaluate an
 * entry, quit, clear the screen) comes out as effects queued in the state, which the host takes
 * in order. Because every keystroke is an action applied to the latest state, none is lost when
 * keys arrive faster than the screen is drawn, and a paste is one `insert` of many characters.
 *
 *   text     the whole entry, possibly several lines; cursor is an index into it
 *   history  entries submitted before, oldest first; Up/Down browse it, Ctrl-R searches it
 *   effects  submit TEXT | quit | clear-screen, waiting for the host (taken with `take`)
 *
 * When Enter submits and when it continues the entry on a new line is `enterContinues`.
 */
import { needsMoreInput } from '../lang/parser.ts';
import { HISTORY_LIMIT } from '../session/history.ts';
import type { Vocabulary } from '../session/vocabulary.ts';

export type { Vocabulary };

export type Effect =
  | { readonly type: 'submit'; readonly text: string }
  | { readonly type: 'quit' }
  | { readonly type: 'clear-screen' };

export interface Search {
  readonly query: string;
  /** Index in history of the entry shown, or -1 when nothing matches. */
  readonly match: number;
  /** The text and cursor before the search began (Escape puts them back). */
  readonly before: { readonly text: string; readonly cursor: number };
}


export interface EditorState {
  readonly text: string;
  readonly cursor: number;
  readonly history: readonly string[];
  /** Index in history being shown by Up/Down, or null when editing a new entry. */
  readonly browsing: number | null;
  /** The new entry put aside while browsing history. */
  readonly draft: string;
  readonly search: Search | null;
  /** Completions offered by the last Tab when it could not choose, else null. */
  readonly choices: readonly string[] | null;
  /** The text cut last (Ctrl-U, Ctrl-K, Ctrl-W), which Ctrl-Y puts back. */
  readonly cut: string;
  /** A one-line hint shown under the prompt until the next key. */
  readonly hint: string | null;
  readonly effects: readonly Effect[];
  /** Entries are Forth (.forth): Enter always submits, a line at a time, as gforth reads them. */
  readonly forth?: boolean;
}

export type EditorAction =
  /** Typed or pasted text; line breaks in it act as Enter does, without indenting. */
  | { readonly type: 'insert'; readonly text: string }
  /** Enter: submit the entry, or continue it on a new line. */
  | { readonly type: 'enter' }
  /** Alt-Enter: always a new line. */
  | { readonly type: 'newline' }
  | { readonly type: 'backspace' }
  | { readonly type: 'delete-forward' }
  | { readonly type: 'left' } | { readonly type: 'right' }
  | { readonly type: 'word-left' } | { readonly type: 'word-right' }
  | { readonly type: 'line-start' } | { readonly type: 'line-end' }
  | { readonly type: 'up' } | { readonly type: 'down' }
  | { readonly type: 'kill-before' } | { readonly type: 'kill-after' }
  | { readonly type: 'kill-word' } | { readonly type: 'yank' }
  | { readonly type: 'search' }
  | { readonly type: 'cancel' }
  | { readonly type: 'complete'; readonly vocabulary: Vocabulary }
  | { readonly type: 'clear-screen' }
  /** Ctrl-C while nothing runs: drop the entry. */
  | { readonly type: 'interrupt' }
  /** Ctrl-D: quit on an empty entry, else delete forward. */
  | { readonly type: 'eof' }
  /** Put the entry back as given (the host's `.quit` cancelled, or a test). */
  | { readonly type: 'set-text'; readonly text: string }
  | { readonly type: 'set-history'; readonly history: readonly string[] }
  /** The host has taken the first `count` effects. */
  | { readonly type: 'take'; readonly count: number }
  /** The language of entries changed (.forth, .smalltalk). */
  | { readonly type: 'language'; readonly forth: boolean };

const INDENT = '    ';

export function initialEditor(history: readonly string[] = []): EditorState {
  return {
    text: '', cursor: 0, history: history.slice(-HISTORY_LIMIT), browsing: null, draft: '',
    search: null, choices: null, cut: '', hint: null, effects: [],
  };
}

export function editorReducer(state: EditorState, action: EditorAction): EditorState {
  if (action.type === 'take') return { ...state, effects: state.effects.slice(action.count) };
  if (action.type === 'set-history') return { ...state, history: action.history.slice(-HISTORY_LIMIT) };
  if (action.type === 'language') return state.forth === action.forth ? state : { ...state, forth: action.forth };
  const s: EditorState = state.hint !== null || state.choices !== null ? { ...state, hint: null, choices: null } : state;
  if (s.search !== null) return searching(s, s.search, action);
  return editing(s, action);
}

function editing(s: EditorState, action: EditorAction): EditorState {
  const { text, cursor } = s;
  switch (action.type) {
    case 'insert': return insertText(s, action.text);
    case 'enter': return enter(s, true);
    case 'newline': return edit(s, text.slice(0, cursor) + '\n' + text.slice(cursor), cursor + 1);
    case 'backspace':
      return cursor === 0 ? s : edit(s, text.slice(0, cursor - 1) + text.slice(cursor), cursor - 1);
    case 'delete-forward':
      return cursor >= text.length ? s : edit(s, text.slice(0, cursor) + text.slice(cursor + 1), cursor);
    case 'left': return move(s, Math.max(0, cursor - 1));
    case 'right': return move(s, Math.min(text.length, cursor + 1));
    case 'word-left': return move(s, wordStartBefore(text, cursor));
    case 'word-right': return move(s, wordEndAfter(text, cursor));
    case 'line-start': return move(s, lineStart(text, cursor));
    case 'line-end': return move(s, lineEnd(text, cursor));
    case 'up': return up(s);
    case 'down': return down(s);
    case 'kill-before': {
      const from = lineStart(text, cursor);
      if (from === cursor) return s;
      return { ...edit(s, text.slice(0, from) + text.slice(cursor), from), cut: text.slice(from, cursor) };
    }
    case 'kill-after': {
      const to = lineEnd(text, cursor);
      if (to === cursor) return s;
      return { ...edit(s, text.slice(0, cursor) + text.slice(to), cursor), cut: text.slice(cursor, to) };
    }
    case 'kill-word': {
      let from = cursor;
      while (from > 0 && /\s/.test(text[from - 1])) from--;
      while (from > 0 && !/\s/.test(text[from - 1])) from--;
      if (from === cursor) return s;
      return { ...edit(s, text.slice(0, from) + text.slice(cursor), from), cut: text.slice(from, cursor) };
    }
    case 'yank': return s.cut === '' ? s : edit(s, text.slice(0, cursor) + s.cut + text.slice(cursor), cursor + s.cut.length);
    case 'search':
      return { ...s, search: { query: '', match: -1, before: { text, cursor } } };
    case 'cancel': return s;
    case 'complete': return complete(s, action.vocabulary);
    case 'clear-screen': return { ...s, effects: [...s.effects, { type: 'clear-screen' }] };
    case 'interrupt':
      if (text === '') return { ...s, hint: '(To leave, press Ctrl-D or type .quit)' };
      return { ...s, text: '', cursor: 0, browsing: null, draft: '' };
    case 'eof':
      if (text === '') return { ...s, effects: [...s.effects, { type: 'quit' }] };
      return editing(s, { type: 'delete-forward' });
    case 'set-text': return { ...s, text: action.text, cursor: action.text.length, browsing: null };
    default: return s;
  }
}

// ---- text and cursor -------------------------------------------------------------------

/** A change to the text: history browsing ends (the edited entry is a new one). */
function edit(s: EditorState, text: string, cursor: number): EditorState {
  return { ...s, text, cursor, browsing: null };
}

function move(s: EditorState, cursor: number): EditorState {
  return cursor === s.cursor ? s : { ...s, cursor };
}

export function lineStart(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

export function lineEnd(text: string, at: number): number {
  const nl = text.indexOf('\n', at);
  return nl < 0 ? text.length : nl;
}

const isWordChar = (ch: string | undefined): boolean => ch !== undefined && /[A-Za-z0-9_]/.test(ch);

function wordStartBefore(text: string, at: number): number {
  let i = at;
  while (i > 0 && !isWordChar(text[i - 1])) i--;
  while (i > 0 && isWordChar(text[i - 1])) i--;
  return i;
}

function wordEndAfter(text: string, at: number): number {
  let i = at;
  while (i < text.length && !isWordChar(text[i])) i++;
  while (i < text.length && isWordChar(text[i])) i++;
  return i;
}

/**
 * Typed or pasted text. Control characters other than line breaks and tabs are dropped;
 * each line break is an Enter (so a pasted session runs entry by entry), but the lines that
 * follow keep their own indentation.
 */
function insertText(s: EditorState, raw: string): EditorState {
  const clean = raw.replace(/\r\n?/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
  const lines = clean.split('\n');
  let state = s;
  lines.forEach((line, i) => {
    // Keys typed while the screen is busy arrive as one chunk, like a paste. A line break
    // that ends the chunk is taken as typed (indented after `->`), and a line that follows a
    // definition's bare header is its body, indented if it is not (as typing would have).
    if (i > 0) state = enter(state, i === lines.length - 1 && line === '');
    let text = line;
    if (i > 0 && text !== '' && !/^\s/.test(text) && state.cursor === state.text.length && bodyBelowHeader(state.text)) text = INDENT + text;
    if (text !== '') state = edit(state, state.text.slice(0, state.cursor) + text + state.text.slice(state.cursor), state.cursor + text.length);
  });
  return state;
}

// ---- Enter -----------------------------------------------------------------------------

/**
 * Does Enter continue this entry on a new line? When a bracket, string or comment is open, or
 * a definition has its `->` but no body yet (the parser's needsMoreInput); and, with the
 * cursor at the end, while a definition's body is being typed on the lines below its header
 * and the last line is indented and not blank (a blank line ends it). A dot-command never
 * continues.
 */
export function enterContinues(text: string, cursorAtEnd: boolean): boolean {
  if (text.trim() === '' || text.trimStart().startsWith('.') && !text.includes('\n')) return false;
  if (needsMoreInput(text)) return true;
  if (!cursorAtEnd) return false;
  const lines = text.split('\n');
  const last = lines[lines.length - 1];
  return lines.length > 1 && DEFINITION_WITH_BODY_BELOW.test(lines[0]) && last.trim() !== '' && /^\s/.test(last);
}

/** Is this entry a definition's header alone, with the line for its body just begun? */
function bodyBelowHeader(text: string): boolean {
  const lines = text.split('\n');
  return lines.length === 2 && lines[1] === '' && DEFINITION_WITH_BODY_BELOW.test(lines[0]);
}

/** The first line of a definition whose body starts on the next line: `Foo bar: x ->`. */
const DEFINITION_WITH_BODY_BELOW = /^\S.*->\s*("[^"]*"\s*)?$/;

/** The indentation for the line after `line`: deeper after `->` or an opening bracket. */
function indentAfter(line: string): string {
  const own = /^\s*/.exec(line)![0];
  const end = line.replace(/"[^"]*"\s*$/, '').trimEnd();
  return /(->|[[({])$/.test(end) ? own + INDENT : own;
}

function enter(s: EditorState, typed: boolean): EditorState {
  const { text, cursor } = s;
  if (!s.forth && enterContinues(text, cursor === text.length)) {
    const lineAt = text.slice(lineStart(text, cursor), cursor);
    const indent = typed ? indentAfter(lineAt) : '';
    return edit(s, text.slice(0, cursor) + '\n' + indent + text.slice(cursor), cursor + 1 + indent.length);
  }
  return submit(s);
}

/** The entry goes to the host and into history (blank lines at its end dropped). */
function submit(s: EditorState): EditorState {
  const entry = s.text.replace(/(\n[ \t]*)+$/, '').replace(/[ \t]+$/, '');
  const history = entry.trim() === '' || s.history[s.history.length - 1] === entry
    ? s.history
    : [...s.history, entry].slice(-HISTORY_LIMIT);
  return {
    ...s, text: '', cursor: 0, history, browsing: null, draft: '',
    effects: [...s.effects, { type: 'submit', text: entry }],
  };
}

// ---- history ---------------------------------------------------------------------------

function up(s: EditorState): EditorState {
  const { text, cursor } = s;
  const start = lineStart(text, cursor);
  if (start > 0) {
    // Up a line within the entry, keeping the column where it can.
    const prevStart = lineStart(text, start - 1);
    return move(s, Math.min(prevStart + (cursor - start), start - 1));
  }
  if (s.history.length === 0) return s;
  const at = s.browsing === null ? s.history.length - 1 : s.browsing - 1;
  if (at < 0) return s;
  const entry = s.history[at];
  return { ...s, text: entry, cursor: entry.length, browsing: at, draft: s.browsing === null ? text : s.draft };
}

function down(s: EditorState): EditorState {
  const { text, cursor } = s;
  const end = lineEnd(text, cursor);
  if (end < text.length) {
    const start = lineStart(text, cursor);
    const nextEnd = lineEnd(text, end + 1);
    return move(s, Math.min(end + 1 + (cursor - start), nextEnd));
  }
  if (s.browsing === null) return s;
  const at = s.browsing + 1;
  if (at >= s.history.length) return { ...s, text: s.draft, cursor: s.draft.length, browsing: null, draft: '' };
  const entry = s.history[at];
  return { ...s, text: entry, cursor: entry.length, browsing: at };
}

// ---- Ctrl-R: reverse incremental search -------------------------------------------------

/** The newest history entry at or before `from` that contains `query`, or -1. */
export function findInHistory(history: readonly string[], query: string, from: number): number {
  for (let i = Math.min(from, history.length - 1); i >= 0; i--) if (history[i].includes(query)) return i;
  return -1;
}

function searching(s: EditorState, search: Search, action: EditorAction): EditorState {
  const found = (query: string, from: number): EditorState => {
    const match = query === '' ? -1 : findInHistory(s.history, query, from);
    return { ...s, search: { ...search, query, match } };
  };
  switch (action.type) {
    case 'insert': {
      const typed = action.text.replace(/[\x00-\x1f\x7f]/g, '');
      return found(search.query + typed, search.match >= 0 ? search.match : s.history.length - 1);
    }
    case 'backspace': return found(search.query.slice(0, -1), s.history.length - 1);
    case 'search':
      // Ctrl-R again: the next older match.
      if (search.match < 0) return s;
      { const older = findInHistory(s.history, search.query, search.match - 1); return older < 0 ? s : { ...s, search: { ...search, match: older } }; }
    case 'cancel': case 'interrupt':
      return { ...s, search: null, text: search.before.text, cursor: search.before.cursor };
    case 'take': case 'set-history': return s;
    default: {
      // Any other key takes the match into the entry and then does what it does.
      const text = search.match >= 0 ? s.history[search.match] : search.before.text;
      const accepted: EditorState = { ...s, search: null, text, cursor: text.length, browsing: null };
      return editing(accepted, action);
    }
  }
}

// ---- Tab: completion --------------------------------------------------------------------

/** Longest common prefix of some words. */
export function commonPrefix(words: readonly string[]): string {
  if (words.length === 0) return '';
  let p = words[0];
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/** What Tab offers for the word that ends at `cursor`: the word's start and the candidates. */
export function completionsAt(text: string, cursor: number, vocabulary: Vocabulary): { start: number; candidates: string[] } {
  let start = cursor;
  while (start > 0 && /[A-Za-z0-9_:]/.test(text[start - 1])) start--;
  const before = text.slice(0, start);
  const prefix = text.slice(start, cursor);
  // A dot-command: the first word of an entry that starts with '.'.
  if (before === '.' && !text.slice(0, cursor).includes('\n')) {
    return { start: 0, candidates: vocabulary.commands.filter((c) => c.startsWith('.' + prefix)).sort() };
  }
  if (prefix === '') return { start, candidates: [] };
  // After `>>` (as in `.see Foo>>`) only selectors make sense; a capital starts a global.
  const pool = /[A-Z]/.test(prefix[0]) ? vocabulary.globals : before.endsWith('>>') ? vocabulary.selectors : [...vocabulary.selectors, ...vocabulary.globals];
  const candidates = [...new Set(pool.filter((w) => w.startsWith(prefix) && w !== prefix))].sort();
  return { start, candidates };
}

function complete(s: EditorState, vocabulary: Vocabulary): EditorState {
  const { text, cursor } = s;
  const lineBefore = text.slice(lineStart(text, cursor), cursor);
  // Tab in the indentation of a line indents it.
  if (lineBefore.trim() === '' && text.trim() !== '') return edit(s, text.slice(0, cursor) + INDENT + text.slice(cursor), cursor + INDENT.length);
  const { start, candidates } = completionsAt(text, cursor, vocabulary);
  if (candidates.length === 0) return s;
  const chosen = candidates.length === 1 ? candidates[0] : commonPrefix(candidates);
  const current = text.slice(start, cursor);
  if (chosen.length > current.length) {
    const after = candidates.length === 1 && start === 0 && chosen.startsWith('.') ? ' ' : '';
    return edit(s, text.slice(0, start) + chosen + after + text.slice(cursor), start + chosen.length + after.length);
  }
  return { ...s, choices: candidates };
}
