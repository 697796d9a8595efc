/*
 * The transcript: what the session has said, as entries appended in order and never changed
 * (the screen prints each once, above the prompt, with Ink's Static).
 */
import { useCallback, useState } from 'react';
import type { Line } from '../session/report.ts';

export interface TranscriptEntry {
  readonly id: number;
  readonly lines: readonly Line[];
}

export function useTranscript(initial: readonly Line[] = []): [readonly TranscriptEntry[], (lines: readonly Line[]) => void] {
  const [entries, setEntries] = useState<readonly TranscriptEntry[]>(() => (initial.length ? [{ id: 0, lines: initial }] : []));
  const append = useCallback((lines: readonly Line[]) => {
    if (lines.length === 0) return;
    setEntries((es) => [...es, { id: es.length, lines }]);
  }, []);
  return [entries, append];
}
