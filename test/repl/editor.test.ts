/*
 * The line editor as a pure reducer: typing, pasting, Enter's continuation rule, history,
 * Ctrl-R, Tab completion, the Emacs keys, Ctrl-C and Ctrl-D; and keys.ts's reading of Ink's
 * key records (Backspace arrives as `delete`).
 */
import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import {
  commonPrefix, completionsAt, editorReducer, enterContinues, initialEditor,
  type EditorAction, type EditorState, type Vocabulary,
} from '../../src/repl/editor.ts';
import { meaningOf } from '../../src/repl/keys.ts';

const run = (actions: readonly EditorAction[], state: EditorState = initialEditor()): EditorState =>
  actions.reduce(editorReducer, state);
const type = (text: string): EditorAction[] => [...text].map((c) => ({ type: 'insert', text: c }));
const submitted = (s: EditorState): string[] => s.effects.flatMap((e) => (e.type === 'submit' ? [e.text] : []));
const enter: EditorAction = { type: 'enter' };

const vocabulary: Vocabulary = {
  globals: ['Object', 'OrderedCollection', 'Point', 'Smalltalk'],
  selectors: ['printString', 'printOn:', 'inject:into:', 'inject:', 'into:', 'factorial', 'x', 'y'],
  commands: ['.help', '.save', '.saveas', '.see', '.quit'],
};

describe('typing and pasting', () => {
  it('types character by character and submits on Enter', () => {
    const s = run([...type('3 + 4'), enter]);
    expect(submitted(s)).toEqual(['3 + 4']);
    expect(s.text).toBe('');
    expect(s.history).toEqual(['3 + 4']);
  });

  it('a pasted chunk is the same as typing it; each line break is an Enter', () => {
    const pasted = run([{ type: 'insert', text: '3 + 4\r5 * 6\r' }]);
    const typed = run([...type('3 + 4'), enter, ...type('5 * 6'), enter]);
    expect(submitted(pasted)).toEqual(['3 + 4', '5 * 6']);
    expect(submitted(typed)).toEqual(submitted(pasted));
  });

  it('keeps every key of a fast burst (no key is lost between renders)', () => {
    const text = 'Object subclass: #Point3 instanceVariableNames: \'x y z\'';
    const s = run(type(text));
    expect(s.text).toBe(text);
    expect(s.cursor).toBe(text.length);
  });

  it('a definition typed ahead while busy (the keys arrive as one chunk) is the definition typing makes', () => {
    const typed = run([...type('Tty answer ->'), enter, ...type('^6 * 7'), enter, enter]);
    expect(submitted(typed)).toEqual(['Tty answer ->\n    ^6 * 7']);
    expect(submitted(run([{ type: 'insert', text: 'Tty answer ->\r^6 * 7\r\r' }]))).toEqual(submitted(typed));
    // The header and its Enter in one chunk, the body typed after it.
    expect(submitted(run([{ type: 'insert', text: 'Tty answer ->\r' }, ...type('^6 * 7'), enter, enter]))).toEqual(submitted(typed));
  });

  it('drops control characters from pasted text but keeps tabs', () => {
    expect(run([{ type: 'insert', text: 'a\x07b\tc' }]).text).toBe('ab\tc');
  });
});

describe('Enter: submit or continue', () => {
  it('continues while a bracket is open', () => {
    const s = run([...type('#(1 2'), enter]);
    expect(submitted(s)).toEqual([]);
    expect(s.text).toBe('#(1 2\n');
    expect(submitted(run([...type('3)'), enter], s))).toEqual(['#(1 2\n3)']);
  });

  it('continues after a definition\'s arrow, indenting the body; a blank line ends it', () => {
    let s = run([...type('Point3 x ->'), enter]);
    expect(s.text).toBe('Point3 x ->\n    ');
    s = run([...type('| a |'), enter], s);
    expect(s.text).toBe('Point3 x ->\n    | a |\n    ');
    s = run([...type('^x'), enter, enter], s);
    expect(submitted(s)).toEqual(['Point3 x ->\n    | a |\n    ^x']);
  });

  it('a pasted definition keeps its own indentation', () => {
    const s = run([{ type: 'insert', text: 'Foo bar ->\n    ^42\nFoo new bar\n' }]);
    expect(submitted(s)).toEqual(['Foo bar ->\n    ^42\nFoo new bar']);
  });

  it('Alt-Enter always makes a new line', () => {
    const s = run([...type('3 + 4'), { type: 'newline' }]);
    expect(s.text).toBe('3 + 4\n');
    expect(submitted(s)).toEqual([]);
  });

  it('a dot-command never continues; an unfinished string does', () => {
    expect(enterContinues('.see Foo>>bar', true)).toBe(false);
    expect(enterContinues("'abc", true)).toBe(true);
    expect(enterContinues('"a comment', true)).toBe(true);
    expect(enterContinues('3 + 4', true)).toBe(false);
  });

  it('an empty Enter submits nothing into history', () => {
    const s = run([enter]);
    expect(submitted(s)).toEqual(['']);
    expect(s.history).toEqual([]);
  });
});

describe('editing keys', () => {
  it('moves and deletes (Backspace, Ctrl-D forward, Ctrl-A/E)', () => {
    let s = run([...type('3 + 4'), { type: 'line-start' }, { type: 'delete-forward' }]);
    expect(s.text).toBe(' + 4');
    s = run([{ type: 'insert', text: '9' }, { type: 'line-end' }, { type: 'backspace' }, ...type('5')], s);
    expect(s.text).toBe('9 + 5');
  });

  it('Ctrl-U, Ctrl-K and Ctrl-W cut; Ctrl-Y puts back', () => {
    let s = run([...type('foo bar baz'), { type: 'kill-word' }]);
    expect(s.text).toBe('foo bar ');
    s = run([{ type: 'yank' }], s);
    expect(s.text).toBe('foo bar baz');
    s = run([{ type: 'word-left' }, { type: 'kill-after' }], s);
    expect(s.text).toBe('foo bar ');
    s = run([{ type: 'kill-before' }], s);
    expect(s.text).toBe('');
    expect(s.cut).toBe('foo bar ');
  });

  it('Ctrl-C clears the line, and on an empty line says how to leave', () => {
    let s = run([...type('3 +'), { type: 'interrupt' }]);
    expect(s.text).toBe('');
    s = run([{ type: 'interrupt' }], s);
    expect(s.hint).toMatch(/Ctrl-D/);
  });

  it('Ctrl-D quits on an empty line, deletes forward otherwise; Ctrl-L asks to clear', () => {
    expect(run([{ type: 'eof' }]).effects).toEqual([{ type: 'quit' }]);
    const s = run([...type('ab'), { type: 'left' }, { type: 'eof' }]);
    expect(s.text).toBe('a');
    expect(run([{ type: 'clear-screen' }]).effects).toEqual([{ type: 'clear-screen' }]);
  });

  it('take removes effects the host has handled, in order', () => {
    const s = run([...type('1'), enter, ...type('2'), enter]);
    const after = editorReducer(s, { type: 'take', count: 1 });
    expect(submitted(after)).toEqual(['2']);
  });
});

describe('history', () => {
  const past = initialEditor(['1 + 1', 'Foo bar ->\n    ^42', '3 factorial']);

  it('Up and Down browse, keeping the new entry aside', () => {
    let s = run([...type('dra'), { type: 'up' }], past);
    expect(s.text).toBe('3 factorial');
    s = run([{ type: 'up' }], s);
    expect(s.text).toBe('Foo bar ->\n    ^42');
    // Up inside a multi-line entry first moves up a line.
    s = run([{ type: 'up' }], s);
    expect(s.text).toBe('Foo bar ->\n    ^42');
    expect(s.cursor).toBeLessThan(s.text.indexOf('\n') + 1);
    s = run([{ type: 'up' }], s);
    expect(s.text).toBe('1 + 1');
    s = run([{ type: 'down' }, { type: 'down' }, { type: 'down' }, { type: 'down' }], s);
    expect(s.text).toBe('dra');
  });

  it('a recalled entry submits as it is; repeats are kept once', () => {
    const s = run([{ type: 'up' }, enter], past);
    expect(submitted(s)).toEqual(['3 factorial']);
    expect(s.history).toEqual(['1 + 1', 'Foo bar ->\n    ^42', '3 factorial']);
  });

  it('Ctrl-R searches backwards; again for older; Enter runs the match; Escape restores', () => {
    let s = run([{ type: 'search' }, ...type('1')], past);
    expect(s.search?.match).toBe(0);
    s = run([{ type: 'search' }, { type: 'backspace' }, ...type('fact')], initialEditor(['3 factorial', '4 factorial', 'x']));
    expect(s.search?.match).toBe(1);
    s = run([{ type: 'search' }], s);
    expect(s.search?.match).toBe(0);
    const ran = run([enter], s);
    expect(submitted(ran)).toEqual(['3 factorial']);
    const cancelled = run([{ type: 'cancel' }], run([...type('keep'), { type: 'search' }, ...type('4')], initialEditor(['4 factorial'])));
    expect(cancelled.text).toBe('keep');
    expect(cancelled.search).toBeNull();
  });
});

describe('Tab completion', () => {
  const complete: EditorAction = { type: 'complete', vocabulary };

  it('completes a unique selector or global', () => {
    expect(run([...type('5 facto'), complete]).text).toBe('5 factorial');
    expect(run([...type('Sma'), complete]).text).toBe('Smalltalk');
  });

  it('completes to the common prefix, then lists the choices', () => {
    let s = run([...type('3 pri'), complete]);
    expect(s.text).toBe('3 print');
    s = run([complete], s);
    expect(s.choices).toEqual(['printOn:', 'printString']);
    expect(s.text).toBe('3 print');
    // The list goes with the next key.
    expect(run([...type('S')], s).choices).toBeNull();
  });

  it('completes keywords of keyword selectors, and dot-commands', () => {
    expect(run([...type('#(1 2) inj'), complete]).text).toBe('#(1 2) inject:');
    expect(run([...type('.sa'), complete]).text).toBe('.save');
    expect(run([...type('.sa'), complete, complete]).choices).toEqual(['.save', '.saveas']);
    expect(run([...type('.he'), complete]).text).toBe('.help ');
    expect(completionsAt('.see Point>>x', 13, vocabulary).candidates).toEqual([]);
    expect(completionsAt('.see Point>>pri', 15, vocabulary).candidates).toEqual(['printOn:', 'printString']);
  });

  it('Tab in a line\'s indentation indents', () => {
    const s = run([...type('Foo bar ->'), enter, { type: 'kill-before' }, complete]);
    expect(s.text).toBe('Foo bar ->\n    ');
  });

  it('commonPrefix', () => {
    expect(commonPrefix(['inject:', 'into:', 'in'])).toBe('in');
    expect(commonPrefix([])).toBe('');
  });
});

describe('keys', () => {
  const key = (k: Partial<Key>): Key => ({
    upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false,
    end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false,
    meta: false, super: false, hyper: false, capsLock: false, numLock: false, ...k,
  });

  it('reads Backspace (reported as delete), Enter, Alt-Enter, Tab, Ctrl keys and text', () => {
    expect(meaningOf('', key({ delete: true }))).toEqual({ kind: 'edit', action: { type: 'backspace' } });
    expect(meaningOf('', key({ backspace: true }))).toEqual({ kind: 'edit', action: { type: 'backspace' } });
    expect(meaningOf('', key({ delete: true, meta: true }))).toEqual({ kind: 'edit', action: { type: 'kill-word' } });
    expect(meaningOf('\r', key({ return: true }))).toEqual({ kind: 'edit', action: { type: 'enter' } });
    expect(meaningOf('\r', key({ return: true, meta: true }))).toEqual({ kind: 'edit', action: { type: 'newline' } });
    expect(meaningOf('', key({ tab: true }))).toEqual({ kind: 'complete' });
    expect(meaningOf('c', key({ ctrl: true }))).toEqual({ kind: 'interrupt' });
    expect(meaningOf('d', key({ ctrl: true }))).toEqual({ kind: 'eof' });
    expect(meaningOf('a', key({ ctrl: true }))).toEqual({ kind: 'edit', action: { type: 'line-start' } });
    expect(meaningOf('r', key({ ctrl: true }))).toEqual({ kind: 'edit', action: { type: 'search' } });
    expect(meaningOf('b', key({ meta: true }))).toEqual({ kind: 'edit', action: { type: 'word-left' } });
    expect(meaningOf('3 + 4', key({}))).toEqual({ kind: 'edit', action: { type: 'insert', text: '3 + 4' } });
    expect(meaningOf('', key({ upArrow: true }))).toEqual({ kind: 'edit', action: { type: 'up' } });
  });
});
