/*
 * The command table of the `bedrock` command line, and the one function that runs a row.
 * Commands write through an Output, so tests can run them in-process and read what they say.
 */
import { assemble, formatAsmError, hexBytes } from '../../bootstrap/assembler.ts';
import { TAG_NAMES } from '../../kernel/machine/cells.ts';
import { Machine } from '../../kernel/machine/machine.ts';
import { disassemble } from '../../kernel/machine/x86/disassembler.ts';
import { REG64 } from '../../kernel/machine/x86/table.ts';

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** Bad input: reported as one line on stderr, exit status 2. */
class UsageError {
  constructor(readonly message: string) {}
}

interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly run: (args: string[], io: Output) => number;
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
  io.out('usage: bedrock COMMAND [ARGS]');
  io.out('');
  for (const c of commands) io.out(`  ${c.usage.padEnd(52)} ${c.summary}`);
  return EXIT_OK;
}

export const commands: readonly Command[] = [
  { name: 'asm', usage: "asm 'TEXT'", summary: 'assemble x86-64 text; print the bytes in hex', run: asm },
  { name: 'disasm', usage: 'disasm HEX', summary: 'disassemble bytes; one instruction per line', run: disasm },
  { name: 'exec', usage: 'exec HEX [--reg NAME=VALUE ...] [--steps N]', summary: 'run bytes on a fresh machine; print registers, flags and any fault as JSON (--tags adds register tags)', run: exec },
  { name: 'help', usage: 'help', summary: 'this list', run: help },
];

/** Run the command named by args[0]; returns the exit status. */
export function runCommand(args: string[], io: Output): number {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') return help(rest, io);
  const command = commands.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command '${name}' (expected one of ${commands.map((c) => c.name).join(', ')})`);
    if (rest[0] === '--help') { io.out(`usage: bedrock ${command.usage}`); io.out(command.summary); return EXIT_OK; }
    return command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`bedrock${command ? ' ' + command.name : ''}: ${e.message}`);
      return EXIT_USAGE;
    }
    // A bug of ours, not the user's: still one line, never a stack trace.
    io.err(`bedrock${command ? ' ' + command.name : ''}: internal error: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_INTERNAL;
  }
}
