/*
 * Running Forth text from the command line (bedrock run FILE.fs, --lang forth): the program's
 * output goes to stdout line by line as it is made, each error (gforth's words, the file and
 * line, the line with the word marked) to stderr when it happens.
 */
import { Forth } from '../forth/forth.ts';
import type { Bedrock } from '../system/bedrock.ts';
import type { Output } from './commands.ts';

/** The names gforth gives Forth source files. */
export const FORTH_EXTENSIONS: readonly string[] = Object.freeze(['.fs', '.fth', '.fr', '.4th', '.forth']);

export function isForthFile(file: string): boolean {
  const lower = file.toLowerCase();
  return FORTH_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** Interpret `text` as Forth in `bedrock`; answers whether it ran without an error. */
export function runForthText(bedrock: Bedrock, text: string, name: string, io: Output): boolean {
  const f = Forth.of(bedrock);
  if (typeof f === 'string') { io.err(`bedrock: the Forth system could not be made: ${f}`); return false; }
  let pending = '';
  const flush = (): void => { if (pending !== '') { io.out(pending); pending = ''; } };
  f.sink = (t) => {
    pending += t;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) io.out(l);
  };
  f.errorSink = (e) => {
    flush();
    for (const l of e.split('\n')) io.err(l);
  };
  try {
    const r = f.interpret(text, name, 'file');
    flush();
    return r.ok;
  } finally {
    f.sink = null;
    f.errorSink = null;
  }
}
