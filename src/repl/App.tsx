/*
 * The interactive REPL: the transcript (printed once, above), then the inspector or a question
 * when one is open, the entry being edited, and the status line.
 *
 * Keys go to the line editor (a pure reducer); what it submits goes to the runner, which
 * evaluates entries in order and in slices (so Ctrl-C and typing ahead work while something
 * runs), and reports each outcome to the transcript. Dot-commands that need the screen (quit,
 * load, inspect) come back here as promises the runner waits on.
 */
import { Box, Static, useApp, useStdout } from 'ink';
import { useEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { Value } from '../../kernel/objects/globals.ts';
import { COMMAND_NAMES, type CommandResult } from '../session/dot-commands.ts';
import { appendHistory, historyPath, loadHistory } from '../session/history.ts';
import { Inspection } from '../session/inspection.ts';
import { Inspector } from './Inspector.tsx';
import { Prompt, CONTINUATION, promptOf } from './Prompt.tsx';
import { Question, type Ask } from './Question.tsx';
import { line, type Line } from '../session/report.ts';
import type { RunnerOptions } from '../session/runner.ts';
import { StatusLine, type Status } from './StatusLine.tsx';
import { TranscriptLines } from './TranscriptLines.tsx';
import { useEditor } from './use-editor.ts';
import { useKeys, type KeyMode } from './use-keys.ts';
import { useRunner } from './use-runner.ts';
import { useTranscript } from './use-transcript.ts';
import { vocabularyOf } from '../session/vocabulary.ts';
import type { DebuggerMode, Workspace } from '../session/workspace.ts';
import type { DebugSession } from '../session/debugging.ts';
import { Debugger } from './Debugger.tsx';
import { useDebugger } from './use-debugger.ts';

export interface AppProps {
  readonly workspace: Workspace;
  /** Keep history in a file beside the image (off in tests that have no image). */
  readonly keepHistory?: boolean;
  /** Open another image (`.load`): the new workspace, or why it could not be opened. */
  readonly open?: (path: string) => Workspace | string;
  readonly banner?: readonly Line[];
  readonly runner?: RunnerOptions;
  /** At an error nothing handles: ask to open the debugger, open it, or just show the error (the default; .debugger changes it). */
  readonly debugger?: DebuggerMode;
}

type Command = Exclude<CommandResult, { kind: 'lines' } | { kind: 'evaluate' }>;

/** An entry as the transcript echoes it, with its prompt. */
function echo(text: string, prompt: string): Line[] {
  return text.split('\n').map((l, i) => line('input', (i === 0 ? prompt : CONTINUATION) + l));
}

function historyFileOf(ws: Workspace, keep: boolean): string | null {
  return keep && ws.path !== null ? historyPath(ws.path) : null;
}

export function App(props: AppProps) {
  const { exit } = useApp();
  const { write } = useStdout();
  const keep = props.keepHistory ?? false;
  const [ws, setWorkspace] = useState(props.workspace);
  const current = useRef(ws);
  // History is kept beside the image (it follows .saveas and .load), until writing it fails.
  const historyWorks = useRef(true);
  const historyFile = (): string | null => (historyWorks.current ? historyFileOf(current.current, keep) : null);
  const [editor, dispatch] = useEditor(useMemo(() => { const f = historyFile(); return f ? loadHistory(f) : []; }, []));
  const [entries, append] = useTranscript(props.banner);
  // What has the keys: a ref read at each key (use-keys.ts), and the same as state to draw it.
  const keyMode = useRef<KeyMode>({ kind: 'edit' });
  const [mode, setModeState] = useState<KeyMode>(keyMode.current);
  const setMode = (m: KeyMode): void => { keyMode.current = m; setModeState(m); };
  const [tick, refresh] = useReducer((n: number) => n + 1, 0);
  // The debugging session open now (an evaluation stopped at an error), and the debugger's view of it.
  const [session, setSession] = useState<DebugSession | null>(null);
  const [debuggerState, dispatchDebugger] = useDebugger(session);
  const debuggerDispatch = useRef(dispatchDebugger);
  debuggerDispatch.current = dispatchDebugger;
  useEffect(() => {
    if (props.debugger) current.current.debugger = props.debugger;
  }, []);

  const leave = (): void => {
    current.current.close();
    exit();
  };

  const askUser = (text: string, answers: Ask['answers']): Promise<void> =>
    new Promise((resolve) => {
      setMode({ kind: 'ask', ask: { text, answers: answers.map((a) => ({ ...a, run: () => { setMode({ kind: 'edit' }); a.run(); resolve(); } })) } });
    });

  const unsavedQuestion = (n: number, what: string): string =>
    `${current.current.label} has ${n} unsaved change${n === 1 ? '' : 's'}. Save before ${what}?`;

  const switchTo = (path: string): void => {
    const opened = props.open ? props.open(path) : 'opening another image is not available here';
    if (typeof opened === 'string') { append([line('error', opened)]); return; }
    opened.debugger = current.current.debugger;
    current.current.close();
    current.current = opened;
    setWorkspace(opened);
    const f = historyFile();
    dispatch({ type: 'set-history', history: f ? loadHistory(f) : [] });
    append([line('info', `opened ${opened.label}`)]);
    refresh();
  };

  const command = (result: Command, value?: Value): Promise<void> => {
    const w = current.current;
    switch (result.kind) {
      case 'quit': {
        const n = w.unsavedChanges();
        if (n === 0) { leave(); return Promise.resolve(); }
        return askUser(unsavedQuestion(n, 'leaving'), [
          { key: 'y', label: 'yes', run: () => { const e = w.save(); if (e) append([line('error', e)]); else leave(); } },
          { key: 'n', label: 'no', run: leave },
          { key: 'c', label: 'cancel', run: () => undefined },
        ]);
      }
      case 'load': {
        const n = w.unsavedChanges();
        if (n === 0) { switchTo(result.path); return Promise.resolve(); }
        return askUser(unsavedQuestion(n, 'opening ' + result.path), [
          { key: 'y', label: 'yes', run: () => { const e = w.save(); if (e) append([line('error', e)]); else switchTo(result.path); } },
          { key: 'n', label: 'no', run: () => switchTo(result.path) },
          { key: 'c', label: 'cancel', run: () => undefined },
        ]);
      }
      case 'debug': {
        const session = result.session;
        return new Promise((resolve) => {
          const open = (): void => {
            debuggerDispatch.current({ type: 'open', title: session.message, frames: session.frames });
            setSession(session);
            setMode({ kind: 'debug', dispatch: debuggerDispatch.current });
          };
          session.onResolved = () => { setSession(null); setMode({ kind: 'edit' }); resolve(); };
          // After a step the debugger opens again at once, wherever the step ended.
          if (w.debugger === 'open' || session.stepped) { open(); return; }
          setMode({
            kind: 'ask',
            ask: {
              text: `${session.message.split('\n')[0]}. Open the debugger?`,
              answers: [
                { key: 'd', label: 'debug', run: open },
                { key: 'a', label: 'abandon', run: () => session.abandon() },
              ],
              // The next line typed (or pasted) abandons and goes to the editor: nothing typed is lost.
              otherwise: 'a',
            },
          });
        });
      }
      case 'inspect': {
        if (!value) return Promise.resolve();
        const inspection = new Inspection(w.bedrock.kernel, value);
        return new Promise((resolve) => {
          setMode({
            kind: 'inspect', inspection, changed: refresh,
            close: () => { inspection.release(); setMode({ kind: 'edit' }); resolve(); },
          });
        });
      }
    }
  };

  const { runner, busy } = useRunner({
    workspace: () => current.current,
    output: (lines) => { append(lines); refresh(); },
    started: (entry) => append(echo(entry, promptOf(current.current.language))),
    command,
  }, props.runner);

  useKeys({
    mode: keyMode,
    dispatch,
    interrupt: () => runner.interrupt(),
    vocabulary: () => vocabularyOf(current.current.bedrock.kernel, COMMAND_NAMES),
  });

  // The language of entries (.forth, .smalltalk): the prompt says it, and the editor reads by it.
  const language = current.current.language;
  useEffect(() => { dispatch({ type: 'language', forth: language === 'forth' }); }, [language]);

  // What the editor asks for, in order: each taken once.
  useEffect(() => {
    const effects = editor.effects;
    if (effects.length === 0) return;
    dispatch({ type: 'take', count: effects.length });
    for (const e of effects) {
      if (e.type === 'submit') {
        const f = historyFile();
        if (f && e.text.trim() !== '') {
          const problem = appendHistory(f, e.text, editor.history);
          if (problem) { append([line('warning', problem)]); historyWorks.current = false; }
        }
        runner.submit(e.text);
      } else if (e.type === 'quit') {
        runner.submit('.quit');
      } else if (e.type === 'clear-screen') {
        write('\x1b[2J\x1b[3J\x1b[H');
      }
    }
  }, [editor.effects]);

  const status: Status = useMemo(() => {
    const heap = ws.heapUse();
    return {
      image: ws.label, unsaved: ws.unsavedChanges(), heapUsed: heap.used, heapSize: heap.size,
      marks: ws.marks().length, backend: ws.bedrock.backend,
    };
  }, [ws, tick, busy]);

  return (
    <Box flexDirection="column">
      <Static items={[...entries]}>{(e) => <TranscriptLines key={e.id} lines={e.lines} />}</Static>
      {mode.kind === 'inspect' && <Inspector inspection={mode.inspection} version={tick} />}
      {mode.kind === 'debug' && <Debugger state={debuggerState} />}
      {mode.kind === 'ask' && <Question ask={mode.ask} />}
      {mode.kind === 'edit' && <Prompt editor={editor} busy={busy} prompt={promptOf(language)} />}
      <StatusLine status={status} busy={busy && mode.kind === 'edit'} />
    </Box>
  );
}
