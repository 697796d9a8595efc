/*
 * History per image, kept beside it: work.image's entries are in work.history, one JSON string
 * per line (so an entry of several lines stays one entry), oldest first, at most HISTORY_LIMIT.
 * A missing or unreadable file is an empty history; failing to write one is reported once and
 * otherwise ignored (history is a convenience, never a reason to stop).
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

/** The most entries a history keeps (the line editor's Up/Down reach as far). */
export const HISTORY_LIMIT = 1000;

/** Where the history of the image at `imagePath` lives. */
export function historyPath(imagePath: string): string {
  return imagePath.endsWith('.image') ? imagePath.slice(0, -'.image'.length) + '.history' : imagePath + '.history';
}

export function loadHistory(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const entries: string[] = [];
  for (const l of text.split('\n')) {
    if (l.trim() === '') continue;
    try {
      const e: unknown = JSON.parse(l);
      if (typeof e === 'string' && e.trim() !== '' && entries[entries.length - 1] !== e) entries.push(e);
    } catch {
      // a damaged line is skipped
    }
  }
  return entries.slice(-HISTORY_LIMIT);
}

/** Add one entry; the file is rewritten only when it has grown well past the limit. */
export function appendHistory(path: string, entry: string, all: readonly string[]): string | null {
  try {
    if (all.length >= HISTORY_LIMIT && lineCount(path) >= 2 * HISTORY_LIMIT) {
      writeFileSync(path, all.slice(-HISTORY_LIMIT).map((e) => JSON.stringify(e)).join('\n') + '\n');
    } else {
      appendFileSync(path, JSON.stringify(entry) + '\n');
    }
    return null;
  } catch (e) {
    return `history not saved to ${path}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function lineCount(path: string): number {
  try {
    return readFileSync(path, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}
