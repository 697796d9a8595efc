/*
 * The debugger's state (debugger-state.ts) bound to a debugging session (whoever opens one
 * dispatches `open` with its frames first, so no key typed meanwhile is lost): the reducer's effects are carried out on the session
 * (evaluating in a frame, proceeding, abandoning), each taken once.
 */
import { useEffect, useReducer, type Dispatch } from 'react';
import type { DebugSession } from '../session/debugging.ts';
import { debuggerReducer, initialDebugger, type DebuggerAction, type DebuggerState } from './debugger-state.ts';

export function useDebugger(session: DebugSession | null): [DebuggerState, Dispatch<DebuggerAction>] {
  const [state, dispatch] = useReducer(debuggerReducer, undefined, () => initialDebugger());
  useEffect(() => {
    const effects = state.effects;
    if (effects.length === 0 || !session) return;
    dispatch({ type: 'take', count: effects.length });
    for (const e of effects) {
      if (e.type === 'evaluate') {
        const r = session.evaluate(e.source, e.frame);
        dispatch({ type: 'said', text: r.text, ok: r.ok });
      } else if (e.type === 'restart') {
        const why = session.restart(e.frame);
        if (why) dispatch({ type: 'said', text: why, ok: false });
      } else if (e.type === 'return') {
        const why = session.returnFrom(e.frame, e.source);
        if (why) dispatch({ type: 'said', text: why, ok: false });
      } else if (e.type === 'step') {
        const why = session.step(e.kind, e.frame);
        if (why) dispatch({ type: 'said', text: why, ok: false });
      } else if (e.type === 'proceed') {
        const why = e.source !== undefined ? session.proceedWith(e.source, e.frame ?? 0) : (session.proceed(), null);
        if (why) dispatch({ type: 'said', text: why, ok: false });
      } else {
        session.abandon();
      }
    }
  }, [state.effects, session]);
  return [state, dispatch];
}
