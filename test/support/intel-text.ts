/*
 * A canonical form for one line of Intel-syntax disassembly, so that our disassembler's text
 * and objdump's (-M intel) can be compared operand by operand.
 *
 * The two differ in spelling only: objdump writes `QWORD PTR`, `+0x0`, `ds:0x10` for an
 * absolute address, `[rax+riz*4]` for a SIB with no index, hex immediates as 64-bit
 * patterns (0xffffffffffffff80), `movabs`, `rex.W` for a REX prefix that changes nothing,
 * branch targets as absolute addresses with `<label>` and rip-relative targets in a `#`
 * comment; we write `qword ptr` only where the size is ambiguous, decimal small numbers,
 * pseudo-prefixes `{load}` ... and `.byte ... # text`. The canonical form keeps what the
 * instruction means: mnemonic (condition aliases folded to the table's first name), registers,
 * base/index/scale/displacement, immediates and targets as 64-bit values; the memory size
 * is kept apart, since each side prints it in different places.
 */
import { CONDITIONS, REG16, REG64, REG8, XMM } from '../../kernel/machine/x86/table.ts';
import { conditionOf } from './random-instructions.ts';

export interface CanonicalLine {
  /** e.g. `mov rax, [rbx+rcx*4-128]`, `jne ->0x1c`, `add rax, $0xffffffffffffff80`. */
  readonly text: string;
  /** The memory operand's printed size: 'byte', 'qword', or '' when none was printed or there is none. */
  readonly memorySize: string;
}

const REGISTERS = new Set([...REG64, ...REG8, ...XMM]);
const BRANCH = /^(jmp|call|j[a-z]+)$/;

function parseNumber(text: string): bigint | null {
  const m = /^([-+]?)(0x[0-9a-f]+|[0-9]+)$/.exec(text.trim());
  if (!m) return null;
  const v = BigInt(m[2]);
  return m[1] === '-' ? -v : v;
}

/** objdump spellings: `movabs` is mov's imm64 form; older binutils add a `q` to some in Intel syntax too. */
const SPELLINGS: Readonly<Record<string, string>> = { movabs: 'mov', sal: 'shl', retq: 'ret', callq: 'call', jmpq: 'jmp', pushq: 'push', popq: 'pop' };

function mnemonicOf(raw: string): string {
  const known = SPELLINGS[raw];
  if (known !== undefined) return known;
  const c = conditionOf(raw);
  return c ? c.prefix + CONDITIONS[c.cc].names[0] : raw;
}

/** `[rbx+rcx*4-0x80]` or `ds:0x10` to `[rbx+rcx*4-128]`; null if it is not an address. */
function canonicalMemory(text: string): string | null {
  let inner: string;
  const abs = /^ds:(.+)$/.exec(text);
  if (abs) inner = abs[1];
  else {
    const m = /^\[(.*)\]$/.exec(text);
    if (!m) return null;
    inner = m[1];
  }
  let base = '', index = '', scale = 1, disp = 0n;
  for (const term of inner.replace(/\s+/g, '').replace(/-/g, '+-').split('+').filter((t) => t !== '')) {
    const scaled = /^([a-z0-9]+)\*([1248])$/.exec(term);
    if (scaled) {
      if (scaled[1] !== 'riz') { index = scaled[1]; scale = Number(scaled[2]); }
      continue;
    }
    if (REGISTERS.has(term) || term === 'rip') {
      if (base === '') base = term; else index = term;
      continue;
    }
    const n = parseNumber(term);
    if (n === null) return null;
    disp += n;
  }
  disp = BigInt.asIntN(64, disp);
  const parts = [base, index ? `${index}*${scale}` : ''].filter((p) => p !== '');
  const d = disp === 0n ? '' : disp < 0n ? `-${-disp}` : (parts.length ? '+' : '') + disp;
  return `[${parts.join('+')}${d || (parts.length ? '' : '0')}]`;
}

/**
 * The canonical form of one disassembly line, ours or objdump's; null if it cannot be read
 * (which a test reports as a mismatch).
 */
export function canonicalLine(line: string): CanonicalLine | null {
  let text = line.trim().toLowerCase();
  // Ours, for bytes no text pins down: `.byte 0x48, ... # add rax, 5`.
  const bytes = /^\.byte [^#]*#(.*)$/.exec(text);
  if (bytes) text = bytes[1].trim();
  else text = text.replace(/#.*$/, '');
  text = text
    .replace(/<[^>]*>/g, '') // objdump's symbolic target
    .replace(/\{[a-z0-9]+\}\s*/g, '') // our pseudo-prefixes
    .replace(/^(rex(\.[wrxb]+)?\s+)+/, '') // objdump's REX with no effect
    .trim();
  const m = /^(\S+)\s*(.*)$/.exec(text);
  if (!m) return null;
  const mnemonic = mnemonicOf(m[1]);
  let memorySize = '';
  const operands: string[] = [];
  for (let op of m[2] === '' ? [] : m[2].split(',')) {
    op = op.trim();
    const sized = /^(byte|word|qword|xmmword) ptr\s*(.*)$/.exec(op);
    if (sized) { memorySize = sized[1]; op = sized[2]; }
    // lar's source is a 16-bit register: GNU as wants `si`, objdump prints `rsi`.
    if (REG16.includes(op)) { operands.push(REG64[REG16.indexOf(op)]); continue; }
    if (REGISTERS.has(op)) { operands.push(op); continue; }
    const mem = canonicalMemory(op);
    if (mem !== null) { operands.push(mem); continue; }
    const n = parseNumber(op);
    if (n === null) return null;
    const value = '0x' + BigInt.asUintN(64, n).toString(16);
    operands.push(BRANCH.test(mnemonic) ? `->${value}` : `$${value}`);
  }
  return { text: mnemonic + (operands.length ? ' ' + operands.join(', ') : ''), memorySize };
}
