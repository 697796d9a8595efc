/*
 * GNU binutils as oracles: `as` to assemble Intel text, `objdump` to disassemble bytes.
 *
 * Each call works on a whole batch (one .s or one .bin file) so that a test run spawns a few
 * processes, not thousands. Units of a batch are delimited by local labels, whose addresses
 * `nm` reports, so an instruction gas encodes with a different length than ours cannot shift
 * the others.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export { haveTool } from './oracles.ts';

function run(tool: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function withTempDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'bedrock-gnu-'));
  try { return f(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

/** What gas made of one unit: its bytes, or the messages it gave for the unit's lines. */
export interface GasUnit {
  readonly bytes: Uint8Array | null;
  readonly messages: readonly string[];
}

const UNIT = 'bedrock_unit_';

/**
 * Assemble each unit (lines of Intel text) with `as --64`, all units in one file.
 * A unit gas rejects is reported with gas's messages and left out of a second run, so that
 * one bad line does not hide the rest of the batch.
 */
export function gasAssemble(units: readonly (readonly string[])[]): GasUnit[] {
  return withTempDir((dir) => {
    const rejected = new Map<number, string[]>(); // unit -> gas's errors, kept across attempts
    for (let attempt = 0; attempt < 4; attempt++) {
      const messages: string[][] = units.map(() => []);
      const lines = ['.intel_syntax noprefix', '.text'];
      const unitOfLine: number[] = [-1, -1];
      units.forEach((unit, u) => {
        lines.push(`${UNIT}${u}:`);
        unitOfLine.push(u);
        if (rejected.has(u)) return;
        for (const line of unit) { lines.push(line); unitOfLine.push(u); }
      });
      lines.push(`${UNIT}end:`);
      const src = join(dir, 'batch.s'), obj = join(dir, 'batch.o'), bin = join(dir, 'batch.bin');
      writeFileSync(src, lines.join('\n') + '\n');
      const as = run('as', ['--64', '-o', obj, src]);
      let newRejects = false;
      for (const m of as.stderr.matchAll(/^[^:\n]*:(\d+): (Error|Warning): (.*)$/gm)) {
        const u = unitOfLine[Number(m[1]) - 1];
        if (u === undefined || u < 0) throw new Error(`gas: ${m[0]}`);
        messages[u].push(`${m[2]}: ${m[3]} (in '${lines[Number(m[1]) - 1]}')`);
        if (m[2] === 'Error' && !rejected.has(u)) newRejects = true;
      }
      if (as.status !== 0) {
        if (!newRejects) throw new Error(`gas failed without a line message:\n${as.stderr}`);
        messages.forEach((list, u) => { if (list.some((t) => t.startsWith('Error'))) rejected.set(u, list); });
        continue;
      }
      const nm = run('nm', [obj]);
      const address = new Map<string, number>();
      for (const m of nm.stdout.matchAll(/^([0-9a-f]+) \w (\S+)$/gm)) address.set(m[2], parseInt(m[1], 16));
      const oc = run('objcopy', ['-O', 'binary', '-j', '.text', obj, bin]);
      if (oc.status !== 0) throw new Error(`objcopy failed: ${oc.stderr}`);
      const text = new Uint8Array(readFileSync(bin));
      return units.map((_, u): GasUnit => {
        const errors = rejected.get(u);
        if (errors) return { bytes: null, messages: errors };
        const start = address.get(`${UNIT}${u}`);
        const end = address.get(u + 1 < units.length ? `${UNIT}${u + 1}` : `${UNIT}end`);
        if (start === undefined || end === undefined) throw new Error(`nm did not list the labels of unit ${u}`);
        return { bytes: text.slice(start, end), messages: messages[u] };
      });
    }
    throw new Error('gas kept rejecting new lines of the batch');
  });
}

/** One instruction as objdump printed it. */
export interface ObjdumpLine {
  readonly offset: number;
  readonly length: number;
  /** The text after the bytes, e.g. `mov    rax,QWORD PTR [rbx+0x8]`. */
  readonly text: string;
}

/** `objdump -D -b binary -m i386:x86-64 -M intel` of `bytes`, one entry per instruction, by offset. */
export function objdumpBinary(bytes: Uint8Array): Map<number, ObjdumpLine> {
  return withTempDir((dir) => {
    const bin = join(dir, 'code.bin');
    writeFileSync(bin, bytes);
    const r = run('objdump', ['-D', '-z', '-b', 'binary', '-m', 'i386:x86-64', '-M', 'intel', bin]);
    if (r.status !== 0) throw new Error(`objdump failed: ${r.stderr}`);
    const out = new Map<number, ObjdumpLine>();
    let current: { offset: number; length: number; text: string } | null = null;
    for (const line of r.stdout.split('\n')) {
      const m = /^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*(?:\t(.*))?$/.exec(line);
      if (!m) continue;
      const count = m[2].trim().split(' ').length;
      if (m[3] === undefined && current) { current.length += count; continue; } // continuation of the bytes
      if (current) out.set(current.offset, current);
      current = { offset: parseInt(m[1], 16), length: count, text: (m[3] ?? '').trim() };
    }
    if (current) out.set(current.offset, current);
    return out;
  });
}
