/*
 * The REPL's dot-commands (.help .save .saveas .load .see .fileout .filein .mark .forget
 * .marks .inspect .changes .recover .quit): each parses its argument and answers what the host should do,
 * as a value, so the Ink screen and piped mode share them. Those that change the system
 * (mark, forget) are evaluated as messages in the language when the image understands them,
 * so the journal records them as source like any other change (system-messages.ts).
 */
import { line, lines, type Line } from './report.ts';
import { seeMethod } from './see.ts';
import { forgetSource, markSource, systemMarks } from './system-messages.ts';
import type { DebuggerMode, Workspace } from './workspace.ts';
import type { DebugSession } from '../system/debug-session.ts';
import { Forth } from '../forth/forth.ts';

export type CommandResult =
  /** Lines to show; `failed` makes piped mode's exit status non-zero. */
  | { readonly kind: 'lines'; readonly lines: readonly Line[]; readonly failed?: boolean }
  /** Evaluate this source as an entry (a change the journal must see); `done` is said instead of its value. */
  | { readonly kind: 'evaluate'; readonly source: string; readonly done?: string }
  /** Evaluate EXPR and inspect its value. */
  | { readonly kind: 'inspect'; readonly source: string }
  /** Open another image in place of this one. */
  | { readonly kind: 'load'; readonly path: string }
  /** Leave (the host asks first when there are unsaved changes). */
  | { readonly kind: 'quit' }
  /** An evaluation stopped at an error nothing handled: the debugger decides (never from a command). */
  | { readonly kind: 'debug'; readonly session: DebugSession };

export interface DotCommand {
  readonly name: string;
  readonly args: string;
  readonly summary: string;
  readonly run: (arg: string, ws: Workspace) => CommandResult;
}

const say = (...ls: Line[]): CommandResult => ({ kind: 'lines', lines: ls });
const fail = (text: string): CommandResult => ({ kind: 'lines', lines: [line('error', text)], failed: true });

export const DOT_COMMANDS: readonly DotCommand[] = [
  { name: '.help', args: '', summary: 'this list, and the keys', run: () => say(...helpLines()) },
  {
    name: '.save', args: '', summary: 'save the image (changes journalled since are then part of it)',
    run: (_, ws) => {
      const n = ws.unsavedChanges();
      const made = !ws.hasImage;
      const error = ws.save();
      if (error) return fail(error);
      return say(line('info', made ? `saved a new image, ${ws.label}` : `saved ${ws.label} (${n} change${n === 1 ? '' : 's'})`));
    },
  },
  {
    name: '.saveas', args: 'FILE', summary: 'save the image as FILE, and go on with FILE',
    run: (arg, ws) => {
      if (arg === '') return fail('.saveas needs a file name, e.g. .saveas work.image');
      const error = ws.save(arg);
      return error ? fail(error) : say(line('info', `saved ${arg}`));
    },
  },
  {
    name: '.load', args: 'FILE', summary: 'open another image in place of this one',
    run: (arg) => (arg === '' ? fail('.load needs a file name, e.g. .load work.image') : { kind: 'load', path: arg }),
  },
  {
    name: '.see', args: 'Class>>selector', summary: "a method's source, threaded code and native code",
    run: (arg, ws) => {
      const r = seeMethod(ws.bedrock.kernel, arg);
      return r.ok ? say(...r.lines) : fail(r.error);
    },
  },
  {
    name: '.fileout', args: 'Class [FILE]', summary: 'write a class in the chunk format (to Class.st, or FILE)',
    run: (arg, ws) => {
      const [cls, file] = arg.split(/\s+/);
      if (cls === undefined || !/^[A-Z][A-Za-z0-9_]*$/.test(cls)) return fail('.fileout needs the name of a class, e.g. .fileout Point3 (and a file, if not Point3.st)');
      if (ws.bedrock.kernel.behaviourNamed(cls) < 0) return fail(`there is no class named ${cls}`);
      const target = file ?? `${cls}.st`;
      return { kind: 'evaluate', source: `${cls} fileOut: ${stringLiteral(target)}`, done: `wrote ${cls} to ${target}` };
    },
  },
  {
    name: '.filein', args: 'FILE', summary: "read a file of source (Bedrock's, GNU Smalltalk's or the chunk format)",
    run: (arg) => (arg === '' ? fail('.filein needs a file name, e.g. .filein animals.st') : { kind: 'evaluate', source: `Smalltalk fileIn: ${stringLiteral(arg)}`, done: `read ${arg}` }),
  },
  {
    name: '.mark', args: 'NAME', summary: 'mark the system as it is now (Forth MARKER)',
    run: (arg, ws) => {
      if (!validName(arg)) return fail('.mark needs a name of letters and digits, e.g. .mark before-points');
      const source = markSource(ws, arg);
      if (source !== null) return { kind: 'evaluate', source, done: `marked ${arg}` };
      const error = ws.mark(arg);
      return error !== null ? fail(error) : say(line('info', `marked ${arg}`));
    },
  },
  {
    name: '.forget', args: 'NAME', summary: 'return everything to mark NAME (newer marks go too)',
    run: (arg, ws) => {
      if (!validName(arg)) return fail('.forget needs the name of a mark (see .marks)');
      if (!ws.marks().includes(arg)) return fail(`there is no mark named '${arg}'${ws.marks().length ? ` (marks: ${ws.marks().join(', ')})` : ' (there are no marks)'}`);
      const source = forgetSource(ws, arg);
      if (source !== null) return { kind: 'evaluate', source, done: `forgot everything since ${arg}` };
      const error = ws.forget(arg);
      return error !== null ? fail(error) : say(line('info', `forgot everything since ${arg}`));
    },
  },
  {
    name: '.marks', args: '', summary: 'the marks, newest first',
    run: (_, ws) => {
      const marks = systemMarks(ws);
      return marks.length === 0 ? say(line('info', 'no marks')) : say(...marks.map((m, i) => line('value', `${String(marks.length - i).padStart(3)}  ${m}`)));
    },
  },
  {
    name: '.inspect', args: 'EXPR', summary: 'the slots of a value (Up/Down, Enter to go in, Esc to go back)',
    run: (arg) => (arg === '' ? fail('.inspect needs an expression, e.g. .inspect 3 @ 4') : { kind: 'inspect', source: arg }),
  },
  {
    name: '.changes', args: '', summary: 'the changes made since the image was saved',
    run: (_, ws) => {
      if (!ws.hasImage) return say(line('info', 'no image: changes are not journalled'));
      const changes = ws.changes();
      if (changes.length === 0) return say(line('info', 'no unsaved changes'));
      return say(...changes.flatMap((c, i) => c.split('\n').map((l, j) => line('listing', `${j === 0 ? String(i + 1).padStart(3) + '  ' : '     '}${l}`))));
    },
  },
  {
    name: '.recover', args: '', summary: 'replay the changes journalled after the last save (after a crash)',
    run: (_, ws) => {
      const r = ws.recover();
      return { kind: 'lines', lines: r.lines.map((l) => line(r.failed ? 'error' : 'info', l)), failed: r.failed };
    },
  },
  {
    name: '.debugger', args: 'ask|open|off', summary: 'at an error nothing handles: ask to open the debugger, open it, or show the error',
    run: (arg, ws) => {
      if (arg === '') return say(line('info', `debugger: ${ws.debugger}`));
      if (!['ask', 'open', 'off'].includes(arg)) return fail('.debugger takes ask, open or off');
      ws.debugger = arg as DebuggerMode;
      return say(line('info', `debugger: ${arg}`));
    },
  },
  {
    name: '.forth', args: '', summary: 'read entries as Forth from now on (the prompt says forth)',
    run: (_, ws) => {
      const f = Forth.of(ws.bedrock);
      if (typeof f === 'string') return fail(`the Forth system could not be made: ${f}`);
      ws.language = 'forth';
      return say(line('info', 'Forth: words are methods of the class Forth; .smalltalk goes back'));
    },
  },
  {
    name: '.smalltalk', args: '', summary: 'read entries as Smalltalk again',
    run: (_, ws) => { ws.language = 'smalltalk'; return say(line('info', 'Smalltalk')); },
  },
  { name: '.quit', args: '', summary: 'leave (asks first when there are unsaved changes)', run: () => ({ kind: 'quit' }) },
];

export const COMMAND_NAMES: readonly string[] = DOT_COMMANDS.map((c) => c.name);

const stringLiteral = (s: string): string => `'${s.replaceAll("'", "''")}'`;

const validName = (s: string): boolean => /^[A-Za-z0-9_.-]+$/.test(s);

/** Is this entry a dot-command? (A line starting with '.' then a letter.) */
export function isDotCommand(entry: string): boolean {
  return /^\s*\.[a-z]/.test(entry) && !entry.trim().includes('\n');
}

export function runDotCommand(entry: string, ws: Workspace): CommandResult {
  const text = entry.trim();
  const space = text.search(/\s/);
  const name = space < 0 ? text : text.slice(0, space);
  const arg = space < 0 ? '' : text.slice(space + 1).trim();
  const command = DOT_COMMANDS.find((c) => c.name === name);
  if (!command) {
    const near = DOT_COMMANDS.filter((c) => c.name.startsWith(name.slice(0, 3)));
    return fail(`unknown command ${name}${near.length ? ` (did you mean ${near.map((c) => c.name).join(' or ')}?)` : ''}; .help lists them`);
  }
  return command.run(arg, ws);
}

export const KEYS: readonly (readonly [string, string])[] = [
  ['Enter', 'evaluate (continues while brackets or a definition are open; a blank line ends a body)'],
  ['Alt-Enter', 'a new line without evaluating'],
  ['Up / Down', 'move between lines, then through history'],
  ['Ctrl-R', 'search history (again for older; Enter runs; Esc cancels)'],
  ['Tab', 'complete a global, a selector or a command'],
  ['Ctrl-A / Ctrl-E', 'start / end of the line'],
  ['Ctrl-U / Ctrl-K', 'cut to the start / end of the line (Ctrl-Y puts it back)'],
  ['Ctrl-W', 'cut the word before the cursor'],
  ['Ctrl-L', 'clear the screen'],
  ['Ctrl-C', 'interrupt what is running, else clear the line'],
  ['Ctrl-D', 'on an empty line: leave'],
];

export function helpLines(): Line[] {
  const out: Line[] = [line('info', 'Type an expression to see its value, or a definition (Class selector -> body) to make it.')];
  out.push(line('info', '`_` is the last value. Commands:'));
  for (const c of DOT_COMMANDS) out.push(line('listing', `  ${`${c.name} ${c.args}`.padEnd(24)} ${c.summary}`));
  out.push(line('info', 'Keys:'));
  for (const [k, what] of KEYS) out.push(line('listing', `  ${k.padEnd(24)} ${what}`));
  return out.concat(lines('info', "The same as messages: Smalltalk mark: 'name', Smalltalk forget: 'name', Smalltalk marks, Foo see: #bar, Image save."));
}
