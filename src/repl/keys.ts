/*
 * Keys to editor actions: what Ink's useInput reports (the input text and a Key record) turned
 * into the line editor's actions (editor.ts). Pure, so it is tested without a terminal.
 *
 * Ink 6 reports the Backspace key (DEL, 0x7f) as `delete`, and the Delete key (ESC [3~) too;
 * both erase backwards here, as in most REPLs, and Ctrl-D deletes forwards. Ctrl-C and Ctrl-D
 * come back as their own kinds, since what they do depends on whether something is running.
 */
import type { Key } from 'ink';
import type { EditorAction } from './editor.ts';

export type KeyMeaning =
  | { readonly kind: 'edit'; readonly action: EditorAction }
  | { readonly kind: 'interrupt' }
  | { readonly kind: 'eof' }
  | { readonly kind: 'complete' }
  | { readonly kind: 'none' };

const edit = (action: EditorAction): KeyMeaning => ({ kind: 'edit', action });

/** Ctrl-letter keys of the editor. */
const CONTROL: Readonly<Record<string, EditorAction>> = {
  a: { type: 'line-start' },
  e: { type: 'line-end' },
  b: { type: 'left' },
  f: { type: 'right' },
  u: { type: 'kill-before' },
  k: { type: 'kill-after' },
  w: { type: 'kill-word' },
  y: { type: 'yank' },
  l: { type: 'clear-screen' },
  r: { type: 'search' },
  g: { type: 'cancel' },
  p: { type: 'up' },
  n: { type: 'down' },
  h: { type: 'backspace' },
  j: { type: 'enter' },
};

export function meaningOf(input: string, key: Key): KeyMeaning {
  if (key.ctrl && input === 'c') return { kind: 'interrupt' };
  if (key.ctrl && input === 'd') return { kind: 'eof' };
  if (key.return) return edit(key.meta ? { type: 'newline' } : { type: 'enter' });
  if (key.tab && !key.shift) return { kind: 'complete' };
  if (key.backspace || key.delete) return edit(key.meta ? { type: 'kill-word' } : { type: 'backspace' });
  if (key.leftArrow) return edit(key.ctrl || key.meta ? { type: 'word-left' } : { type: 'left' });
  if (key.rightArrow) return edit(key.ctrl || key.meta ? { type: 'word-right' } : { type: 'right' });
  if (key.upArrow) return edit({ type: 'up' });
  if (key.downArrow) return edit({ type: 'down' });
  if (key.home) return edit({ type: 'line-start' });
  if (key.end) return edit({ type: 'line-end' });
  if (key.escape) return edit({ type: 'cancel' });
  if (key.ctrl) {
    const action = CONTROL[input];
    return action ? edit(action) : { kind: 'none' };
  }
  if (key.meta) {
    if (input === 'b') return edit({ type: 'word-left' });
    if (input === 'f') return edit({ type: 'word-right' });
    return { kind: 'none' };
  }
  if (input === '') return { kind: 'none' };
  // A lone line feed (Ctrl-J, or a terminal that sends LF for Enter) is Enter.
  if (input === '\n') return edit({ type: 'enter' });
  return edit({ type: 'insert', text: input });
}
