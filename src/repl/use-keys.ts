/*
 * Every key, routed by what has the keys now: the line editor (each key an editor action, see
 * keys.ts; Ctrl-C interrupts a running evaluation when there is one; Tab completes from the
 * image's words as they are now), a question (which may answer and pass the key on to the
 * editor), the debugger, or the inspector. There is one subscription for
 * the REPL's whole life and the route is read from a ref at each key, so no key is lost when
 * the screen changes from one to another.
 */
import { useInput, type Key } from 'ink';
import { useCallback, useRef, type Dispatch } from 'react';
import type { EditorAction, Vocabulary } from './editor.ts';
import type { Inspection } from '../session/inspection.ts';
import { meaningOf } from './keys.ts';
import { answerFor, type Ask } from './Question.tsx';
import type { DebuggerAction } from './debugger-state.ts';

export type KeyMode =
  | { readonly kind: 'edit' }
  | { readonly kind: 'ask'; readonly ask: Ask }
  | { readonly kind: 'inspect'; readonly inspection: Inspection; readonly close: () => void; readonly changed: () => void }
  | { readonly kind: 'debug'; readonly dispatch: Dispatch<DebuggerAction> };

export interface KeyRoutes {
  /** What has the keys (a ref, so a change takes effect at the very next key). */
  readonly mode: { readonly current: KeyMode };
  readonly dispatch: Dispatch<EditorAction>;
  /** Ctrl-C: true when it stopped a running evaluation (else it clears the line). */
  readonly interrupt: () => boolean;
  readonly vocabulary: () => Vocabulary;
}

function editorKey(routes: KeyRoutes, input: string, key: Key): void {
  const meaning = meaningOf(input, key);
  switch (meaning.kind) {
    case 'interrupt':
      if (!routes.interrupt()) routes.dispatch({ type: 'interrupt' });
      return;
    case 'eof': routes.dispatch({ type: 'eof' }); return;
    case 'complete': routes.dispatch({ type: 'complete', vocabulary: routes.vocabulary() }); return;
    case 'edit': routes.dispatch(meaning.action); return;
    case 'none': return;
  }
}

function inspectorKey(mode: KeyMode & { kind: 'inspect' }, input: string, key: Key): void {
  const i = mode.inspection;
  if (input === 'q' || (key.ctrl && input === 'c')) { mode.close(); return; }
  if (key.upArrow) i.up();
  else if (key.downArrow) i.down();
  else if (key.return || key.rightArrow) i.enter();
  else if (key.escape || key.leftArrow || key.backspace || key.delete) { if (!i.back()) { mode.close(); return; } }
  else return;
  mode.changed();
}

function debuggerKey(mode: KeyMode & { kind: 'debug' }, input: string, key: Key): void {
  const d = mode.dispatch;
  if (key.ctrl && input === 'c') d({ type: 'escape' });
  else if (key.upArrow) d({ type: 'up' });
  else if (key.downArrow) d({ type: 'down' });
  else if (key.return) d({ type: 'enter' });
  else if (key.rightArrow) d({ type: 'step', kind: 'over' });
  else if (key.tab) d({ type: 'step', kind: 'into' });
  else if (key.leftArrow) d({ type: 'step', kind: 'out' });
  else if (key.escape) d({ type: 'escape' });
  else if (key.backspace || key.delete) d({ type: 'backspace' });
  else if (!key.ctrl && !key.meta && input !== '') d({ type: 'type', text: input });
}

/** Questions already answered: keys that reach one before the screen changes go to the editor. */
const answered = new WeakSet<Ask>();

function askKey(routes: KeyRoutes, ask: Ask, input: string, key: Key): void {
  if (answered.has(ask)) { editorKey(routes, input, key); return; }
  // An answer is chosen by its letter alone: Ctrl-D at "Open the debugger?" is the end of input
  // (the question is abandoned and the key goes on to the editor), not [d]ebug.
  const answer = answerFor(ask, key.ctrl || key.meta ? '' : input, key.escape || (key.ctrl && input === 'c'));
  if (answer) { answered.add(ask); answer.run(); return; }
  const otherwise = ask.otherwise === undefined ? undefined : ask.answers.find((a) => a.key === ask.otherwise);
  if (!otherwise) return;
  answered.add(ask);
  otherwise.run();
  editorKey(routes, input, key);
}

export function useKeys(routes: KeyRoutes): void {
  const latest = useRef(routes);
  latest.current = routes;
  const route = useCallback((input: string, key: Key) => {
    const r = latest.current;
    const mode = r.mode.current;
    if (mode.kind === 'edit') editorKey(r, input, key);
    else if (mode.kind === 'ask') askKey(r, mode.ask, input, key);
    else if (mode.kind === 'debug') debuggerKey(mode, input, key);
    else inspectorKey(mode, input, key);
  }, []);
  useInput(route);
}
