/*
 * The native side of the execution test: build harness.c and trampoline.S with gcc, and run
 * batches of cases through the result (the record layouts are described in harness.c).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLAG_LETTERS, type FlagBits } from './sequences.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** RFLAGS bit of each flag letter. */
const RFLAGS_BIT: Readonly<Record<string, number>> = { C: 0, P: 2, Z: 6, S: 7, O: 11 };

export const SIGFPE = 8;

/** A case as the harness takes it. */
export interface NativeCase {
  readonly registers: readonly bigint[];
  readonly flags: FlagBits;
  readonly bytes: Uint8Array;
}

export interface NativeResult {
  /** 0 when the code returned, else the signal it raised. */
  readonly signal: number;
  /** With a signal, the offset of the instruction that raised it. */
  readonly offset: number;
  /** rax .. r15 (signed), at the return or at the faulting instruction. */
  readonly registers: readonly bigint[];
  readonly flags: FlagBits;
}

/** Is gcc there to build the harness? */
export function haveGcc(): boolean {
  const r = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

/** Build the harness into `dir`; returns the executable's path, or throws with gcc's output. */
export function buildHarness(dir: string): string {
  const out = path.join(dir, 'harness');
  const r = spawnSync('gcc', ['-O2', '-Wall', '-o', out, path.join(HERE, 'harness.c'), path.join(HERE, 'trampoline.S')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc could not build the execution harness:\n${r.stderr}${r.stdout}`);
  return out;
}

function rflagsOf(f: FlagBits): bigint {
  let v = 0n;
  for (const letter of FLAG_LETTERS) if (f[letter]) v |= 1n << BigInt(RFLAGS_BIT[letter]);
  return v;
}

function flagsOf(rflags: bigint): FlagBits {
  const f = { C: 0, Z: 0, S: 0, O: 0, P: 0 };
  for (const letter of FLAG_LETTERS) f[letter] = Number((rflags >> BigInt(RFLAGS_BIT[letter])) & 1n);
  return f;
}

/** Run `cases` natively in one harness process. */
export function runNative(harness: string, cases: readonly NativeCase[]): NativeResult[] {
  let size = 4;
  for (const c of cases) size += 17 * 8 + 4 + c.bytes.length;
  const input = Buffer.alloc(size);
  let p = input.writeUInt32LE(cases.length, 0);
  for (const c of cases) {
    for (let r = 0; r < 16; r++) p = input.writeBigUInt64LE(BigInt.asUintN(64, c.registers[r]), p);
    p = input.writeBigUInt64LE(rflagsOf(c.flags), p);
    p = input.writeUInt32LE(c.bytes.length, p);
    input.set(c.bytes, p);
    p += c.bytes.length;
  }
  const RECORD = 8 + 17 * 8;
  const r = spawnSync(harness, [], { input, maxBuffer: cases.length * RECORD + 4096, timeout: 60_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`the harness exited with ${r.status ?? r.signal}: ${r.stderr.toString()}`);
  const out = r.stdout;
  if (out.length !== cases.length * RECORD) throw new Error(`the harness wrote ${out.length} bytes for ${cases.length} cases`);
  const results: NativeResult[] = [];
  for (let i = 0, q = 0; i < cases.length; i++, q += RECORD) {
    const registers: bigint[] = [];
    for (let k = 0; k < 16; k++) registers.push(out.readBigInt64LE(q + 8 + k * 8));
    results.push({
      signal: out.readUInt32LE(q),
      offset: out.readUInt32LE(q + 4),
      registers,
      flags: flagsOf(out.readBigUInt64LE(q + 8 + 16 * 8)),
    });
  }
  return results;
}
