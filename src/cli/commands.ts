/*
 * The command table of the `bedrock` command line, and the one function that runs a row.
 * Commands write through an Output, so tests can run them in-process and read what they say.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { projectVersion } from '../../bootstrap/project-files.ts';
import { assemble, formatAsmError, hexBytes } from '../../kernel/machine/x86/assembler.ts';
import { TAG_NAMES } from '../../kernel/machine/cells.ts';
import { Machine } from '../../kernel/machine/machine.ts';
import { Heap } from '../../kernel/memory/heap.ts';
import { disassemble } from '../../kernel/machine/x86/disassembler.ts';
import { REG64 } from '../../kernel/machine/x86/table.ts';
import { TIER_MODES } from '../../kernel/machine/wasm/tier.ts';

export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** Text to stdout as it is, with no newline added (a program's own output). */
  write?(text: string): void;
  /**
   * Run `f`, writing what it says (out, err, write) when it ends, in the order said, with a
   * write to a descriptor for each run of lines to it, not one a line (piped mode shows a
   * batch's outcomes so, after its sync).
   */
  batch?(f: () => void): void;
}

/** Bad input: reported as one line on stderr, exit status 2. */
export class UsageError {
  constructor(readonly message: string) {}
}

/**
 * Is the file at `path` input that cannot be read at all (exit status 2, as for bad
 * arguments): absent (when it must exist), not a regular file, or not readable?
 */
export function unreadable(path: string, mustExist: boolean): boolean {
  let st;
  try { st = statSync(path); } catch (e) { return mustExist || (e as { code?: string }).code !== 'ENOENT'; }
  if (!st.isFile()) return true;
  try { accessSync(path, constants.R_OK); return false; } catch { return true; }
}

/** The command could not do its work (an image that does not open ...): one line on stderr, exit status 1. */
export class CommandFailure {
  constructor(readonly message: string) {}
}

interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  /** More about it, for `bedrock COMMAND --help`. */
  readonly details?: readonly string[];
  readonly run: (args: string[], io: Output) => number | Promise<number>;
}

export const EXIT_OK = 0, EXIT_FAULT = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 70;

/** Bytes from hex text: "48 89 c7", "4889c7" or several arguments. */
export function parseHex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  const bad = /[^0-9a-fA-F]/.exec(digits);
  if (bad) throw new UsageError(`'${bad[0]}' is not a hex digit (expected bytes such as 48 89 c7)`);
  if (digits.length % 2 !== 0) throw new UsageError(`odd number of hex digits (${digits.length}): each byte takes two`);
  if (digits.length === 0) throw new UsageError('no bytes given (expected hex such as 48 89 c7)');
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A decimal or 0x number, possibly negative, as a 64-bit two's complement value. */
function parseValue(text: string, what: string): bigint {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|[0-9]+)$/.exec(text.trim());
  if (!m) throw new UsageError(`${what}: '${text}' is not a number (expected decimal or 0x hex)`);
  const v = BigInt(m[2]) * (m[1] === '-' ? -1n : 1n);
  if (v < -(2n ** 63n) || v >= 2n ** 64n) throw new UsageError(`${what}: ${text} does not fit in 64 bits`);
  return BigInt.asIntN(64, v);
}

function asm(args: string[], io: Output): number {
  if (args.length === 0) throw new UsageError("asm needs assembly text, e.g. bedrock asm 'mov rdi, rax; ret'");
  const r = assemble(args.join('\n'));
  if (!r.ok) throw new UsageError(formatAsmError(r.error));
  io.out(hexBytes(r.bytes));
  return EXIT_OK;
}

function disasm(args: string[], io: Output): number {
  const bytes = parseHex(args.join(' '));
  const lines = disassemble(bytes);
  const width = Math.max(2, ...lines.map((l) => l.offset.toString(16).length));
  for (const l of lines) {
    const note = l.error ? `   # ${l.error}` : '';
    io.out(`${l.offset.toString(16).padStart(width, '0')}: ${l.text}${note}`);
  }
  return EXIT_OK;
}

function exec(args: string[], io: Output): number {
  const hexParts: string[] = [];
  const regs: [number, bigint][] = [];
  let steps: number | undefined;
  let showTags = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--reg' || a.startsWith('--reg=')) {
      const spec = a === '--reg' ? args[++i] : a.slice('--reg='.length);
      if (spec === undefined) throw new UsageError('--reg needs NAME=VALUE');
      const eq = spec.indexOf('=');
      if (eq < 0) throw new UsageError(`--reg ${spec}: expected NAME=VALUE`);
      const name = spec.slice(0, eq).trim().toLowerCase();
      const r = Machine.registerNumber(name);
      if (r < 0) throw new UsageError(`--reg: unknown register '${spec.slice(0, eq)}' (expected one of ${REG64.join(' ')})`);
      if (r === 4) throw new UsageError('--reg: rsp is the machine\'s stack pointer and cannot be set');
      regs.push([r, parseValue(spec.slice(eq + 1), `--reg ${name}`)]);
    } else if (a === '--steps' || a.startsWith('--steps=')) {
      const v = a === '--steps' ? args[++i] : a.slice('--steps='.length);
      if (v === undefined || !/^[0-9]+$/.test(v)) throw new UsageError(`--steps needs a whole number, found '${v ?? ''}'`);
      steps = Number(v);
    } else if (a === '--tags') {
      showTags = true;
    } else if (a.startsWith('--')) {
      throw new UsageError(`unknown option '${a}' (expected --reg NAME=VALUE, --steps N or --tags)`);
    } else {
      hexParts.push(a);
    }
  }
  const bytes = parseHex(hexParts.join(' '));
  const m = new Machine();
  new Heap(m);
  const code = m.loadCode(bytes);
  for (const [r, v] of regs) m.setRegister(r, v);
  const result = m.call(code, steps === undefined ? {} : { steps });
  const registers: Record<string, string> = {};
  REG64.forEach((name, r) => { registers[name] = m.register(r).toString(); });
  const tags: Record<string, string> = {};
  REG64.forEach((name, r) => { tags[name] = TAG_NAMES[m.registerTag(r)]; });
  const f = m.flags();
  const fault = result.fault
    ? { kind: result.fault.kind, offset: result.fault.offset, instruction: result.fault.instruction, message: result.fault.message }
    : null;
  const report = { registers, flags: { CF: f.CF, ZF: f.ZF, SF: f.SF, OF: f.OF }, fault, steps: result.steps };
  io.out(JSON.stringify(showTags ? { ...report, tags } : report));
  return result.fault ? EXIT_FAULT : EXIT_OK;
}

function help(_args: string[], io: Output): number {
  io.out('usage: bedrock [IMAGE] [--backend native|threaded] [--tier interpret|translate|auto]');
  io.out('       bedrock COMMAND [ARGS]');
  io.out('');
  io.out(`  ${'[IMAGE]'.padEnd(52)} the REPL on IMAGE (default ${'bedrock.image'}, made when absent);`);
  io.out(`  ${''.padEnd(52)} with stdin or stdout not a terminal, read source from stdin;`);
  io.out(`  ${''.padEnd(52)} --lang forth reads entries as Forth from the start (as .forth)`);
  for (const c of commands) io.out(`  ${c.usage.padEnd(52)} ${c.summary}`);
  io.out('');
  io.out('--tier chooses what runs machine code, on every command that runs it (BEDROCK_TIER says the same):');
  io.out('the interpreter only, every code object translated to WebAssembly, or hot ones (auto, the default).');
  io.out('bedrock COMMAND --help says more about each; bedrock --version says which Bedrock this is.');
  io.out('Exit status: 0 ok, 1 something failed, 2 bad arguments.');
  return EXIT_OK;
}

/** The session commands, loaded when one runs (they load the image code; the REPL loads Ink). */
const sessions = () => import('./session-commands.ts');

export const commands: readonly Command[] = [
  {
    name: 'eval', usage: "eval 'SOURCE' [--image F]", summary: 'evaluate source; print each value (errors on stderr)',
    details: [
      'Evaluates in the image F, else bedrock.image in the current directory when there is one, else a fresh',
      'system. The image and its journal are not changed (use run --save to change an image).',
      '--backend native|threaded  compile with that back end',
    ],
    run: async (args, io) => (await sessions()).evalCommand(args, io),
  },
  {
    name: 'run', usage: 'run FILE [--image F] [--save] [--quiet]', summary: 'evaluate a file of source (- for stdin) as piped mode does',
    details: [
      'Definitions, expressions and dot-commands (.mark NAME, .see ...), entry by entry, as piped mode reads them.',
      '--quiet prints only what the program prints (its Transcript) and its errors, as gst FILE does.',
      'Without --save nothing is kept. With --save the file runs in the image F (default bedrock.image, made',
      'when absent) and the image is saved afterwards, unless something failed.',
    ],
    run: async (args, io) => (await sessions()).runFileCommand(args, io),
  },
  {
    name: 'see', usage: "see 'Class>>selector' [--image F]", summary: "a method's source, threaded code and native code",
    run: async (args, io) => (await sessions()).seeCommand(args, io),
  },
  {
    name: 'image', usage: 'image info FILE', summary: "an image's header, sizes and journal, and whether it opens",
    run: async (args, io) => (await import('./image-commands.ts')).imageCommand(args, io),
  },
  {
    name: 'bench', usage: 'bench [NAME ...] [--json] [--runs N]', summary: 'the benchmarks (as npm run bench)',
    run: async (args, io) => (await sessions()).benchCommand(args, io),
  },
  { name: 'asm', usage: "asm 'TEXT'", summary: 'assemble x86-64 text; print the bytes in hex', run: asm },
  { name: 'disasm', usage: 'disasm HEX', summary: 'disassemble bytes; one instruction per line', run: disasm },
  { name: 'exec', usage: 'exec HEX [--reg NAME=VALUE ...] [--steps N]', summary: 'run bytes on a fresh machine; print registers, flags and any fault as JSON (--tags adds register tags)', run: exec },
  { name: 'help', usage: 'help', summary: 'this list', run: help },
];

function failure(command: Command | undefined, e: unknown, io: Output): number {
  const who = `bedrock${command ? ' ' + command.name : ''}`;
  if (e instanceof UsageError) {
    io.err(`${who}: ${e.message}`);
    return EXIT_USAGE;
  }
  if (e instanceof CommandFailure) {
    io.err(`${who}: ${e.message}`);
    return EXIT_FAULT;
  }
  // A bug of ours, not the user's: still one line, never a stack trace.
  io.err(`${who}: internal error: ${e instanceof Error ? e.message : String(e)}`);
  return EXIT_INTERNAL;
}

function commandHelp(command: Command, io: Output): number {
  io.out(`usage: bedrock ${command.usage}`);
  io.out(command.summary);
  for (const d of command.details ?? []) io.out(d);
  return EXIT_OK;
}

/** Run the command named by args[0], if it answers at once (the machine's commands); returns the exit status. */
export function runCommand(args: string[], io: Output): number {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') return help(rest, io);
  const command = commands.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command '${name}' (expected one of ${commands.map((c) => c.name).join(', ')})`);
    if (rest[0] === '--help') return commandHelp(command, io);
    const status = command.run(rest, io);
    if (typeof status !== 'number') throw new Error(`${name} does not answer at once: run it with execute()`);
    return status;
  } catch (e) {
    return failure(command, e, io);
  }
}

/** Is this argument a command's name (rather than an image)? */
export function isCommand(name: string | undefined): boolean {
  return name !== undefined && commands.some((c) => c.name === name);
}

/**
 * The whole command line: a command, or else the session (`bedrock [IMAGE]`: the REPL, or
 * piped mode). Returns the exit status; never throws.
 */
export async function execute(args: string[], io: Output): Promise<number> {
  // --tier interpret|translate|auto, wherever it stands: which tier runs code (kernel/machine/wasm),
  // for every machine this process makes (as BEDROCK_TIER says it).
  const tierAt = args.indexOf('--tier');
  if (tierAt >= 0) {
    const mode = args[tierAt + 1];
    if (!(TIER_MODES as readonly string[]).includes(mode)) {
      return failure(undefined, new UsageError(`expected --tier ${TIER_MODES.join('|')}, found ${mode === undefined ? 'nothing' : `'${mode}'`}`), io);
    }
    process.env.BEDROCK_TIER = mode;
    args = [...args.slice(0, tierAt), ...args.slice(tierAt + 2)];
  }
  const [name, ...rest] = args;
  if (name === '--help' || name === '-h') return help(rest, io);
  if (name === '--version' || name === '-V') {
    io.out(`bedrock ${projectVersion()} (Node ${process.version})`);
    return EXIT_OK;
  }
  const command = commands.find((c) => c.name === name);
  try {
    if (command) {
      if (rest[0] === '--help') return commandHelp(command, io);
      return await command.run(rest, io);
    }
    if (name !== undefined && !name.startsWith('-') && !name.endsWith('.image') && !existsSync(name)) {
      throw new UsageError(`unknown command '${name}' (expected one of ${commands.map((c) => c.name).join(', ')}; an image's name ends in .image)`);
    }
    return await (await sessions()).sessionCommand(args, io);
  } catch (e) {
    return failure(command, e, io);
  }
}
