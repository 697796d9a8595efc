/*
 * Where a SOM program's x86 instructions go, method by method: `npx tsx bench/profile-som.ts
 * DIR/Harness.som ARG ...` loads the class path as `bedrock run` does, then runs the program on
 * the interpreter alone with a watch that counts every instruction against the code object it
 * belongs to (a method's native code, a block's, or kernel code such as send stubs), and prints
 * the top of the table with each unit's share and how often it was entered (calls). Counts, not times: they do not depend on the
 * machine's load. BEDROCK_PROFILE_TOP=N prints N rows (40); BEDROCK_PROFILE_INSNS=N also prints
 * the N most executed instructions with their disassembly.
 */
process.env.BEDROCK_TIER = 'interpret';
process.env.BEDROCK_CLASSPATH_CACHE = 'off';
const { openReadOnly } = await import('../src/session/open.ts');
const { readClassPath, runSomProgram } = await import('../src/cli/som-run.ts');
const { runSmalltalkFile } = await import('../src/cli/session-commands.ts');
const { CodeIndex, unitName } = await import('../src/system/frames.ts');
const { codeNames } = await import('../src/system/backtrace.ts');
const { formatInstruction } = await import('../kernel/machine/x86/disassembler.ts');

const [file, ...args] = process.argv.slice(2);
if (!file) { console.error('usage: npx tsx bench/profile-som.ts FILE.som ARG ...'); process.exit(2); }
const opened = openReadOnly(null, { backend: 'native' });
if (typeof opened === 'string') throw new Error(opened);
const ws = opened.workspace;
const k = ws.bedrock.kernel;
const m = k.machine;
const byCode = new Map<number, number>();
/** Entries of each code object (its instruction at offset 0 run): calls, for a method or a block. */
const calls = new Map<number, number>();
const byInsn = new Map<object, number>();
const wantInsns = Number(process.env.BEDROCK_PROFILE_INSNS ?? 0) > 0;
let counting = false;
const io = { out: (t: string) => console.log(t), err: (t: string) => console.error(t) };
m.watch = (ins) => {
  if (!counting) return false;
  const a = ins.code.addr;
  byCode.set(a, (byCode.get(a) ?? 0) + 1);
  if (ins.off === 0) calls.set(a, (calls.get(a) ?? 0) + 1);
  if (wantInsns) byInsn.set(ins, (byInsn.get(ins) ?? 0) + 1);
  return false;
};
const classPath = readClassPath(file);
let loaded = 0;
// Count from the moment the last class of the class path is defined: only the run itself.
const status = runSomProgram(ws, file, classPath, args, io, (r, out) => {
  const ok = runSmalltalkFile(ws, r, out);
  if (++loaded === classPath.length) counting = true;
  return ok;
});
m.watch = null;
const index = new CodeIndex(k, []);
// Primitives have no debug info (CodeIndex leaves them out): named by their method's code.
const names = codeNames(k);
const name = (addr: number): string => {
  const e = index.entries.get(addr);
  return e ? unitName(k, e) : names.get(addr) ?? `(code at ${addr})`;
};
let total = 0;
for (const n of byCode.values()) total += n;
const top = Number(process.env.BEDROCK_PROFILE_TOP ?? 40);
console.log(`\n${total} instructions counted (exit status ${status})`);
for (const [a, n] of [...byCode].sort((x, y) => y[1] - x[1]).slice(0, top)) {
  const c = calls.get(a) ?? 0;
  console.log(`${(100 * n / total).toFixed(1).padStart(5)}%  ${String(n).padStart(12)}  ${String(c).padStart(10)} calls  ${name(a)}`);
}
if (wantInsns) {
  console.log('\nmost executed instructions:');
  for (const [ins, n] of [...byInsn].sort((x, y) => y[1] - x[1]).slice(0, Number(process.env.BEDROCK_PROFILE_INSNS))) {
    const i = ins as { code: { addr: number }; off: number; decoded: Parameters<typeof formatInstruction>[0] | null };
    console.log(`${String(n).padStart(12)}  ${name(i.code.addr)} +${i.off}  ${i.decoded ? formatInstruction(i.decoded) : '?'}`);
  }
}
ws.close();
