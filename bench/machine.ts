/*
 * Machine benchmarks: millions of x86 instructions per second, per tier of the machine, on a
 * register loop and a memory loop, each beside the same loop in plain JavaScript.
 *
 *   register loop:   lp: add rax, rcx / dec rbx / jnz lp         (3 instructions a turn)
 *   memory loop:     lp: mov rax, [rdi*8] / add rdx, rax / add rdi, 1 / cmp rdi, rcx / jb lp
 *                                                                  (5 instructions a turn)
 *
 * Tiers: the interpreter, and the translator (kernel/machine/wasm), which turns the loop's code
 * object into a WebAssembly function at its first call (--tier translate); the translation's
 * cost is in the first run, which the warm-up takes. The JavaScript baselines do the same work a
 * turn (with numbers, or reading a typed array), counted in the same unit: the loop's x86
 * instructions.
 */
import { assemble } from '../kernel/machine/x86/assembler.ts';
import { Machine } from '../kernel/machine/machine.ts';
import { Heap } from '../kernel/memory/heap.ts';
import { timed, type Benchmark } from './harness.ts';

export interface MachineSizes {
  /** Turns of the register loop. */
  readonly registerTurns: number;
  /** Cells the memory loop reads, and passes over them. */
  readonly memoryCells: number;
  readonly memoryPasses: number;
}

export const MACHINE_SIZES: MachineSizes = { registerTurns: 20_000_000, memoryCells: 1 << 20, memoryPasses: 8 };

export interface Tier {
  readonly name: string;
  /** A machine of this tier with the given number of cells. */
  readonly machine: (cells: number, lowCells?: number) => Machine;
}

/** The machine's tiers, as far as they exist. */
export const TIERS: readonly Tier[] = [
  { name: 'interpreter', machine: (cells, lowCells) => withHeap(new Machine({ cells, lowCells, tier: 'interpret' })) },
  { name: 'translated', machine: (cells, lowCells) => withHeap(new Machine({ cells, lowCells, tier: 'translate' })) },
];

/** The machine, with a heap made over it (its code objects live in the heap's fixed space). */
function withHeap(m: Machine): Machine {
  new Heap(m);
  return m;
}

export const TIER_NOTE = 'tiers: the interpreter, and the translator to WebAssembly (kernel/machine/wasm)';

const LOW_CELLS = 4096;

function machineLoop(tier: Tier, source: string, setup: (m: Machine) => void, cells: number, lowCells?: number): () => number {
  const r = assemble(source);
  if (!r.ok) throw new Error(`benchmark source does not assemble: ${r.error.message}`);
  const m = tier.machine(cells, lowCells);
  const code = m.loadCode(r.bytes);
  return () => {
    setup(m);
    const result = m.call(code, { steps: Number.MAX_SAFE_INTEGER });
    if (result.fault) throw new Error(`benchmark faulted: ${result.fault.message}`);
    return result.steps;
  };
}

function registerLoop(tier: Tier, turns: number): () => number {
  return machineLoop(tier, 'lp: add rax, rcx\ndec rbx\njnz lp\nret', (m) => {
    m.setRegister(0, 0n);
    m.setRegister(1, 3n);
    m.setRegister(3, BigInt(turns));
  }, 1 << 21);
}

function memoryLoop(tier: Tier, cells: number, passes: number): () => number {
  return machineLoop(tier, `mov r8, ${passes}
pass: mov rdi, ${LOW_CELLS}
lp: mov rax, [rdi*8]
add rdx, rax
add rdi, 1
cmp rdi, rcx
jb lp
dec r8
jnz pass
ret`,
  (m) => {
    m.setRegister(1, BigInt(LOW_CELLS + cells));
    m.setRegister(2, 0n);
  },
  // The cells read are low memory (all a number reaches: the Memory capability), with room
  // after them for the machine's fixed space (stack and code).
  Math.max(1 << 21, LOW_CELLS + cells + (1 << 17) + (1 << 16) + 64), Math.ceil((LOW_CELLS + cells) / 64) * 64);
}

/** Keep results alive so the JIT cannot drop the loops. */
export let sink = 0;

function jsRegisterLoop(turns: number): number {
  let rax = 0, rbx = turns;
  const rcx = 3;
  do { rax = (rax + rcx) | 0; rbx--; } while (rbx !== 0);
  sink ^= rax;
  return turns * 3;
}

function jsMemoryLoop(memory: Float64Array, passes: number): number {
  let rdx = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (let rdi = 0; rdi < memory.length; rdi++) rdx += memory[rdi];
  }
  sink ^= rdx;
  return memory.length * passes * 5;
}

/** Instructions executed, as the work of a timed run. */
function lazyLoop(make: () => () => number): () => ReturnType<typeof timed> {
  let loop: (() => number) | null = null;
  return () => {
    const l = (loop ??= make());
    let steps = 0;
    const m = timed(() => (steps = l()));
    return { ...m, instructions: steps };
  };
}

export function makeMachineBenchmarks(s: MachineSizes = MACHINE_SIZES): Benchmark[] {
  let jsMemory: Float64Array | null = null;
  const perTier = TIERS.flatMap((tier): Benchmark[] => [
    {
      name: `machine.register-loop.${tier.name}`, unit: 'instructions/s', size: `${s.registerTurns * 3} instructions`,
      about: `add/dec/jnz on registers, ${tier.name} tier`, baseline: 'js.register-loop',
      run: lazyLoop(() => registerLoop(tier, s.registerTurns)),
    },
    {
      name: `machine.memory-loop.${tier.name}`, unit: 'instructions/s', size: `${s.memoryCells * s.memoryPasses * 5} instructions`,
      about: `loads through the Memory capability, summed, ${tier.name} tier`, baseline: 'js.memory-loop',
      run: lazyLoop(() => memoryLoop(tier, s.memoryCells, s.memoryPasses)),
    },
  ]);
  return [
    ...perTier.filter((b) => b.name.startsWith('machine.register-loop')),
    { name: 'js.register-loop', unit: 'instructions/s', size: `${s.registerTurns} turns`, about: 'the register loop in plain JavaScript', run: () => timed(() => jsRegisterLoop(s.registerTurns)) },
    ...perTier.filter((b) => b.name.startsWith('machine.memory-loop')),
    {
      name: 'js.memory-loop', unit: 'instructions/s', size: `${s.memoryCells * s.memoryPasses} reads`, about: 'the memory loop in plain JavaScript, over a Float64Array',
      run: () => timed(() => jsMemoryLoop(jsMemory ??= new Float64Array(s.memoryCells).map((_, i) => i & 0xff), s.memoryPasses)),
    },
  ];
}

/** The benchmarks at their full sizes (the interpreter's register loop first). */
export const machineBenchmarks: readonly Benchmark[] = makeMachineBenchmarks();
