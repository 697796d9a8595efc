/*
 * The batch commands on a running system: `eval`, `run`, `see`, `image info`, `bench`, and the
 * session itself (`bedrock [IMAGE]`: the REPL on a terminal, piped mode otherwise). Loaded by
 * the command table only when one of them runs, so `bedrock asm` does not load images, and Ink
 * is loaded only for the REPL.
 *
 * Values and definitions go to stdout, errors to stderr; the exit status is 1 when anything
 * failed, 2 for bad arguments (a UsageError).
 */
import { existsSync, readFileSync } from 'node:fs';
import { projectFile } from '../../bootstrap/project-files.ts';
import { fileFormat, isSomFile, readSourceFile, type FileRead } from '../lang/filein.ts';
import type { Backend } from '../compiler/compiler.ts';
import { outcomeLines, outputParts } from '../session/report.ts';
import { seeMethod } from '../session/see.ts';
import type { Workspace } from '../session/workspace.ts';
import { evaluation, itemsOfFile } from '../session/items.ts';
import { CommandFailure, EXIT_FAULT, EXIT_OK, unreadable, UsageError, type Output } from './commands.ts';
import { baseImagePath, DEFAULT_IMAGE, openReadOnly, openScratch, openSession, type Opened } from '../session/open.ts';
import { PipedSession, pump, runPiped } from './piped.ts';
import { isForthFile, runForthText } from './forth-run.ts';
import { readClassPath, runSomProgram } from './som-run.ts';
import { cachedClassPath, classPathKey, rememberClassPath } from './class-path-cache.ts';
import { dirname } from 'node:path';
import { startupOver } from './startup.ts';

export interface Options {
  readonly positional: string[];
  readonly image?: string;
  readonly save: boolean;
  /** --quiet (run): only what the program prints, and its errors. */
  readonly quiet?: boolean;
  readonly backend?: Backend;
  /** --lang forth|smalltalk: how to read a file (else by its name: .fs .fth .fr .4th are Forth). */
  readonly lang?: 'forth' | 'smalltalk';
  /** --steps N: at most N instructions an evaluation. */
  readonly steps?: number;
  /** --timeout SECONDS: at most that long an evaluation. */
  readonly timeout?: number;
}

/** The limits the options set on each evaluation (none unless given). */
function applyLimits(ws: Workspace, o: Options): void {
  if (o.steps !== undefined) ws.bedrock.steps = o.steps;
  if (o.timeout !== undefined) ws.bedrock.timeoutMs = o.timeout * 1000;
}

/** The options that limit evaluations, for the commands that evaluate. */
const LIMITS = ['--steps', '--timeout'];

/** --image F, --save, --backend native|threaded, and the rest. */
export function parseOptions(args: readonly string[], allowed: readonly string[]): Options {
  const positional: string[] = [];
  let image: string | undefined, backend: Backend | undefined, save = false, quiet = false, lang: 'forth' | 'smalltalk' | undefined;
  let steps: number | undefined, timeout: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (a === '--') { positional.push(...args.slice(i + 1)); break; }
    if (!flag.startsWith('--') || flag === '-') { positional.push(a); continue; }
    if (!allowed.includes(flag)) throw new UsageError(`unknown option '${flag}' (expected ${allowed.length ? allowed.join(', ') : 'none'})`);
    if (flag === '--image') image = value();
    else if (flag === '--save') save = true;
    else if (flag === '--quiet') quiet = true;
    else if (flag === '--backend') {
      const b = value();
      if (b !== 'native' && b !== 'threaded') throw new UsageError(`--backend is native or threaded, not '${b}'`);
      backend = b;
    } else if (flag === '--lang') {
      const l = value();
      if (l !== 'forth' && l !== 'smalltalk') throw new UsageError(`--lang is forth or smalltalk, not '${l}'`);
      lang = l;
    } else if (flag === '--steps') {
      const v = value();
      if (!/^[1-9][0-9]*$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UsageError(`--steps needs a whole number of instructions, found '${v}'`);
      steps = Number(v);
    } else if (flag === '--timeout') {
      const v = value();
      if (!/^([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(v) || !(Number(v) > 0)) throw new UsageError(`--timeout needs a number of seconds, found '${v}'`);
      timeout = Number(v);
    }
  }
  return { positional, image, save, backend, ...(quiet && { quiet }), ...(lang && { lang }), ...(steps !== undefined && { steps }), ...(timeout !== undefined && { timeout }) };
}

/**
 * A system opened, or the command fails: with status 2 when the image named (`image`) could not
 * be read at all (there is none where one must be, it is a directory, it may not be read), as
 * for any unreadable input; else with status 1 (an image that does not pass its checks).
 */
function opened(r: Opened | string, image?: { readonly path: string; readonly mustExist: boolean }): Opened {
  startupOver();
  if (typeof r !== 'string') return r;
  if (image !== undefined && unreadable(image.path, image.mustExist)) throw new UsageError(r);
  throw new CommandFailure(r);
}

/** The image a looking command names (--image F), for opened(). */
const named = (o: Options): { path: string; mustExist: boolean } | undefined => (o.image === undefined ? undefined : { path: o.image, mustExist: true });

/** Print each outcome; answers the exit status (`Smalltalk exit: N` ends it with N, printing only what ran before). */
function printOutcomes(ws: Workspace, source: string, io: Output): number {
  let ok = true;
  for (const o of ws.evaluate(source)) {
    if (ws.bedrock.exitStatus !== null) {
      if (o.output) for (const l of o.output.replace(/\n$/, '').split('\n')) io.out(l);
      return ws.bedrock.exitStatus;
    }
    for (const l of outcomeLines(o)) (o.kind === 'error' ? io.err : io.out)(l.text);
    if (o.kind === 'error') ok = false;
  }
  return ok ? EXIT_OK : EXIT_FAULT;
}

/** bedrock eval 'EXPR' [--image F] [--backend B] */
export function evalCommand(args: string[], io: Output): number {
  const o = parseOptions(args, ['--image', '--backend', ...LIMITS]);
  if (o.positional.length === 0) throw new UsageError("eval needs source, e.g. bedrock eval '3 + 4'");
  const { workspace } = opened(openReadOnly(o.image ?? null, { backend: o.backend }), named(o));
  applyLimits(workspace, o);
  try {
    return printOutcomes(workspace, o.positional.join('\n'), io);
  } finally {
    workspace.close();
  }
}

/**
 * Run the items of a file in Smalltalk's form (filein.ts) as GNU Smalltalk runs a file: what
 * the program writes to the Transcript is printed, and errors (with the file and line), but
 * not the value of each statement or the definitions. Answers whether everything succeeded.
 */
export function runSmalltalkFile(ws: Workspace, read: FileRead, io: Output): boolean {
  const printing = ws.bedrock.printValues;
  // No value is shown, as gst shows none: none is printed (printString is not run for them).
  ws.bedrock.printValues = false;
  try {
    return runItems(ws, read, io);
  } finally {
    ws.bedrock.printValues = printing;
  }
}

function runItems(ws: Workspace, read: FileRead, io: Output): boolean {
  let ok = true;
  // The one item loop (src/session/items.ts); a stop for a debugger is abandoned, as no one is here.
  for (const step of evaluation((item) => ws.start(item), itemsOfFile(read))) {
    if (step.kind === 'slice') {
      if (ws.bedrock.paused && ws.bedrock.paused.resolution === null) ws.bedrock.paused.abandon();
      continue;
    }
    if (step.kind !== 'outcomes') continue;
    if (ws.bedrock.exitStatus !== null) {
      // Smalltalk exit: N: what the item printed before it, and nothing more is run.
      for (const o of step.outcomes) if (o.output) for (const l of o.output.replace(/\n$/, '').split('\n')) io.out(l);
      return ws.bedrock.exitStatus === 0;
    }
    for (const o of step.outcomes) {
      if (o.kind === 'error') ok = false;
      // What the program wrote, byte for byte as gst writes it (no newline added after a
      // statement whose output does not end in one), where the output takes text as it is.
      const raw = io.write !== undefined && o.output !== undefined && o.output !== '';
      const { before, after } = outputParts(o);
      if (raw && before) io.write!(before);
      for (const l of outcomeLines(raw ? { ...o, output: '' } : o)) {
        if (l.tone === 'value' || l.tone === 'defined' || l.tone === 'warning') continue;
        (l.tone === 'listing' ? io.out : io.err)(l.text);
      }
      if (raw && after) io.write!(after);
    }
  }
  return ok;
}

/** A file's text, or a usage error. */
function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new UsageError(code === 'ENOENT' ? `${file}: no such file` : code === 'EISDIR' ? `${file} is a directory` : `${file}: ${(e as Error).message}`);
  }
}

/**
 * bedrock run FILE [ARG ...] [--image F] [--save] [--backend B]; FILE '-' is stdin (Bedrock's
 * syntax). A file in GNU Smalltalk's or the chunk format (filein.ts says which) is read as
 * GNU Smalltalk reads it. `Smalltalk arguments` answers the ARGs.
 */
export async function runFileCommand(args: string[], io: Output): Promise<number> {
  const o = parseOptions(args, ['--image', '--save', '--quiet', '--backend', '--lang', ...LIMITS]);
  if (o.positional.length === 0) throw new UsageError('run needs a file of source, e.g. bedrock run points.bedrock (or - for stdin), and then its arguments');
  const [file, ...scriptArguments] = o.positional;
  if (o.lang === 'forth' || (o.lang === undefined && isForthFile(file))) return runForthCommand(o, file, scriptArguments, io);
  const text = file === '-' ? null : readText(file);
  const read = text === null || fileFormat(text, file) === 'bedrock' ? null : readSourceFile(text, file, 'smalltalk');
  const input = (): AsyncIterable<string | Buffer> => (text === null ? process.stdin : (async function* () { yield text; })());
  const name = file === '-' ? undefined : file;
  if (!o.save && isSomFile(file)) return runSomCommand(o, file, scriptArguments, io);
  if (!o.save) {
    const { workspace } = opened(openReadOnly(o.image ?? null, { backend: o.backend }), named(o));
    applyLimits(workspace, o);
    workspace.bedrock.arguments = scriptArguments;
    if (read !== null) {
      const ok = runSmalltalkFile(workspace, read, io);
      const exit = workspace.bedrock.exitStatus;
      workspace.close();
      return exit !== null ? exit : ok ? EXIT_OK : EXIT_FAULT;
    }
    return runPiped(workspace, input(), io, { quiet: o.quiet === true }, name);
  }
  // --save: run it as a session on the image, and save only if everything succeeded.
  const target = o.image ?? DEFAULT_IMAGE;
  const { workspace, notes } = opened(openSession(target, { backend: o.backend }), { path: target, mustExist: false });
  applyLimits(workspace, o);
  workspace.bedrock.arguments = scriptArguments;
  for (const n of notes) io.err(`bedrock: ${n}`);
  const session = new PipedSession(workspace, io, { quiet: o.quiet === true });
  if (read !== null) { if (!runSmalltalkFile(workspace, read, io)) session.failed = true; } else await pump(session, input(), name);
  if (session.failed) {
    io.err(`bedrock run: not saved, because something failed (the changes that succeeded are in ${target}'s journal)`);
    session.finish();
    return EXIT_FAULT;
  }
  const error = session.workspace.save();
  session.workspace.close();
  if (error) { io.err(`bedrock run: ${error}`); return EXIT_FAULT; }
  return EXIT_OK;
}

/**
 * bedrock run FILE.som [ARG ...]: the class path compiled, or opened compiled from the cache
 * (class-path-cache.ts) when the run is on the base image (no --image, no bedrock.image here).
 */
function runSomCommand(o: Options, file: string, scriptArguments: string[], io: Output): number {
  const classPath = readClassPath(file);
  const base = o.image === undefined && !existsSync(DEFAULT_IMAGE) ? baseImagePath() : null;
  const key = base === null ? null : classPathKey(base, o.backend ?? 'native', dirname(file), classPath);
  const cached = key === null ? null : cachedClassPath(key);
  // A cached image that does not open (damaged since) is passed over: the class path is compiled again.
  const fromCache = cached === null ? null : openReadOnly(cached, { backend: o.backend });
  const { workspace } = fromCache !== null && typeof fromCache !== 'string' ? fromCache : opened(openReadOnly(o.image ?? null, { backend: o.backend }), named(o));
  startupOver();
  const loaded = fromCache !== null && typeof fromCache !== 'string';
  applyLimits(workspace, o);
  workspace.bedrock.arguments = scriptArguments;
  const status = runSomProgram(workspace, file, classPath, scriptArguments, io, (r, out) => runSmalltalkFile(workspace, r, out), {
    loaded,
    ...(key !== null && !loaded && { loadedCleanly: () => rememberClassPath(workspace.bedrock, key) }),
  });
  workspace.close();
  return status;
}

/**
 * bedrock run FILE.fs (or --lang forth): the file is Forth, interpreted as gforth would; what
 * it prints goes to stdout, errors (gforth's words, with the file and line) to stderr.
 */
async function runForthCommand(o: Options, file: string, scriptArguments: string[], io: Output): Promise<number> {
  const text = file === '-' ? await readStdin() : readText(file);
  const name = file === '-' ? '(stdin)' : file;
  if (!o.save) {
    const { workspace } = opened(openReadOnly(o.image ?? null, { backend: o.backend }), named(o));
    applyLimits(workspace, o);
  workspace.bedrock.arguments = scriptArguments;
    const ok = runForthText(workspace.bedrock, text, name, io);
    workspace.close();
    return ok ? EXIT_OK : EXIT_FAULT;
  }
  const target = o.image ?? DEFAULT_IMAGE;
  const { workspace, notes } = opened(openSession(target, { backend: o.backend }), { path: target, mustExist: false });
  applyLimits(workspace, o);
  workspace.bedrock.arguments = scriptArguments;
  for (const n of notes) io.err(`bedrock: ${n}`);
  const ok = runForthText(workspace.bedrock, text, name, io);
  if (!ok) {
    io.err('bedrock run: not saved, because something failed');
    workspace.close();
    return EXIT_FAULT;
  }
  const error = workspace.save();
  workspace.close();
  if (error) { io.err(`bedrock run: ${error}`); return EXIT_FAULT; }
  return EXIT_OK;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('latin1');
}

/** bedrock see 'Class>>selector' [--image F] */
export function seeCommand(args: string[], io: Output): number {
  const o = parseOptions(args, ['--image', '--backend']);
  if (o.positional.length !== 1) throw new UsageError("see needs one method, e.g. bedrock see 'Integer>>factorial'");
  const { workspace } = opened(openReadOnly(o.image ?? null, { backend: o.backend }), named(o));
  try {
    const r = seeMethod(workspace.bedrock.kernel, o.positional[0]);
    if (!r.ok) { io.err(`bedrock see: ${r.error}`); return EXIT_FAULT; }
    for (const l of r.lines) io.out(l.text);
    return EXIT_OK;
  } finally {
    workspace.close();
  }
}

/**
 * bedrock bench [NAME ...] [--json] [--runs N] ...: the benchmarks, a program of their own
 * (bin/bench.mjs runs bench/main.ts), started as a child process: the benchmarks sit above the
 * system they measure, so nothing here imports them. What it prints is passed on as it comes.
 */
export function benchCommand(args: string[], io: Output): Promise<number> {
  return new Promise((done) => {
    // child_process is loaded here, not with this module: it costs every `bedrock eval` ~5 ms to load.
    const { spawn } = process.getBuiltinModule('node:child_process');
    const child = spawn(process.execPath, [projectFile('bin/bench.mjs'), ...args], { stdio: ['inherit', 'pipe', 'pipe'] });
    const pass = (stream: NodeJS.ReadableStream, to: (line: string) => void): void => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop()!;
        for (const l of parts) to(l);
      });
      stream.on('end', () => { if (rest !== '') to(rest); });
    };
    pass(child.stdout!, (l) => io.out(l));
    pass(child.stderr!, (l) => io.err(l));
    child.on('error', (e) => { io.err(`bedrock bench: cannot start the benchmarks: ${e.message}`); done(EXIT_FAULT); });
    child.on('close', (code, signal) => done(code ?? (signal === 'SIGINT' ? 130 : EXIT_FAULT)));
  });
}

/**
 * bedrock [IMAGE] [--backend B] [--lang forth|smalltalk]: the REPL when stdin and stdout are
 * terminals, piped mode otherwise.
 */
export async function sessionCommand(args: string[], io: Output): Promise<number> {
  const o = parseOptions(args, ['--backend', '--image', '--lang', ...LIMITS]);
  if (o.positional.length > 1) throw new UsageError(`one image at a time (given ${o.positional.join(', ')})`);
  // --lang forth: entries are read as Forth from the start, as after `.forth`.
  const language = (ws: Workspace): void => { if (o.lang !== undefined) ws.language = o.lang; };
  const target = o.positional[0] ?? o.image ?? DEFAULT_IMAGE;
  const reopen = (path: string): Workspace | string => {
    const r = openSession(path, { backend: o.backend, create: false });
    if (typeof r !== 'string') applyLimits(r.workspace, o);
    return typeof r === 'string' ? r : r.workspace;
  };
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const named = o.positional[0] !== undefined || o.image !== undefined;
  if (!interactive && !named && !existsSync(DEFAULT_IMAGE)) {
    // Piped, with no image named or here: the base image, and no files unless asked to save.
    const scratch = opened(openScratch({ backend: o.backend }));
    applyLimits(scratch.workspace, o);
    language(scratch.workspace);
    return runPiped(scratch.workspace, process.stdin, io, { open: reopen });
  }
  const r = opened(openSession(target, { backend: o.backend }), { path: target, mustExist: false });
  applyLimits(r.workspace, o);
  language(r.workspace);
  if (!interactive) {
    for (const n of r.notes) io.err(`bedrock: ${n}`);
    return runPiped(r.workspace, process.stdin, io, { open: reopen });
  }
  // Ink reads CI and CONTINUOUS_INTEGRATION once, when it loads, and in "CI mode" draws only
  // the last frame, on exit: a person at a terminal would see a blank REPL. Both ends are
  // terminals here, so whatever the environment says, someone is watching.
  delete process.env['CI'];
  delete process.env['CONTINUOUS_INTEGRATION'];
  const { runInteractive } = await import('../repl/interactive.tsx');
  return runInteractive(r, { open: reopen });
}
