/*
 * Running the same code on both tiers and comparing everything a program can see: the
 * registers and their tags, the flags, the fault (kind, offset, instruction, message), the
 * instructions counted, and memory (cells and tags). The interpreter is the reference.
 */
import { Machine, type MachineOptions, type RunResult } from '../../kernel/machine/machine.ts';
import { REG64 } from '../../kernel/machine/x86/table.ts';
import type { Fault } from '../../kernel/machine/faults.ts';

export interface Snapshot {
  readonly fault: Fault | null;
  readonly steps: number;
  readonly registers: readonly string[];
  readonly flags: string;
  readonly memory: string | null;
}

export function snapshot(m: Machine, r: RunResult, withMemory: readonly [number, number] | null): Snapshot {
  const registers = REG64.map((name, i) => `${name}=${m.register(i)}/${m.registerTag(i)}`);
  const f = m.flags();
  let memory: string | null = null;
  if (withMemory) {
    const [lo, hi] = withMemory;
    const parts: string[] = [];
    for (let c = lo; c < hi; c++) {
      const v = m.store.cells[c], t = m.store.tags[c];
      if (v !== 0n || t !== 0) parts.push(`${c}:${v}/${t}`);
    }
    memory = parts.join(' ');
  }
  return { fault: r.fault, steps: r.steps, registers, flags: `C${f.CF} Z${f.ZF} S${f.SF} O${f.OF} P${f.PF}`, memory };
}

/** The differences between two snapshots, or [] when they agree. */
export function differences(a: Snapshot, b: Snapshot): string[] {
  const out: string[] = [];
  const fa = a.fault ? `${a.fault.kind} at ${a.fault.code}+${a.fault.offset} (${a.fault.instruction}): ${a.fault.message}` : 'none';
  const fb = b.fault ? `${b.fault.kind} at ${b.fault.code}+${b.fault.offset} (${b.fault.instruction}): ${b.fault.message}` : 'none';
  if (fa !== fb) out.push(`fault: interpreter ${fa}; translated ${fb}`);
  if (a.steps !== b.steps) out.push(`steps: interpreter ${a.steps}; translated ${b.steps}`);
  a.registers.forEach((r, i) => { if (r !== b.registers[i]) out.push(`register: interpreter ${r}; translated ${b.registers[i]}`); });
  if (a.flags !== b.flags) out.push(`flags: interpreter ${a.flags}; translated ${b.flags}`);
  if (a.memory !== b.memory) out.push(`memory differs:\n  interpreter ${a.memory?.slice(0, 600)}\n  translated  ${b.memory?.slice(0, 600)}`);
  return out;
}

/** A machine on each tier, made alike. */
export function machinePair(options: MachineOptions = {}): [Machine, Machine] {
  return [new Machine({ ...options, tier: 'interpret' }), new Machine({ ...options, tier: 'translate' })];
}

/** Translate the code objects at `addresses` as one module (as the tier batches); how many it took. */
export function translateAll(m: Machine, addresses: readonly number[]): number {
  const codes = addresses.map((a) => m.cacheOf(a)!).filter((c) => c !== undefined);
  m.tier!.translate(codes);
  if (m.tier!.lastError) throw new Error(`the engine refused a module: ${m.tier!.lastError}`);
  return codes.filter((c) => c.translation !== null).length;
}
