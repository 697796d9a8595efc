/*
 * The runner (runner.ts) in a component: made once, reporting through the latest handlers,
 * with its busy state as React state so the screen shows it.
 */
import { useRef, useState } from 'react';
import { Runner, type RunnerHost, type RunnerOptions } from '../session/runner.ts';

export type RunnerHandlers = Omit<RunnerHost, 'busy'>;

export function useRunner(handlers: RunnerHandlers, options?: RunnerOptions): { runner: Runner; busy: boolean } {
  const latest = useRef(handlers);
  latest.current = handlers;
  const [busy, setBusy] = useState(false);
  const [runner] = useState(() => new Runner({
    workspace: () => latest.current.workspace(),
    output: (lines, failed) => latest.current.output(lines, failed),
    started: (entry) => latest.current.started?.(entry),
    command: (result, value) => latest.current.command(result, value),
    busy: setBusy,
  }, options));
  return { runner, busy };
}
