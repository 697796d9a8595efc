/*
 * Machine benchmarks: the interpreter's instructions per second on a register loop and on a
 * memory loop, each beside the same loop written in plain JavaScript in this process.
 *
 *   register loop:   lp: add rax, rcx / dec rbx / jnz lp         (3 instructions a turn)
 *   memory loop:     lp: mov rax, [rdi*8] / add rdx, rax / add rdi, 1 / cmp rdi, rcx / jb lp
 *                                                                  (5 instructions a turn)
 *
 * The JavaScript baselines do the same work a turn (with numbers, or reading a typed array),
 * and are counted in the same unit: the loop's x86 instructions per second.
 */
import { assemble } from '../bootstrap/assembler.ts';
import { Machine } from '../kernel/machine/machine.ts';
import { timed, type Benchmark } from './harness.ts';

const REGISTER_TURNS = 20_000_000;
const MEMORY_CELLS = 1 << 20;
const MEMORY_PASSES = 8;

function machineLoop(source: string, setup: (m: Machine) => void, cells = 1 << 21): () => number {
  const r = assemble(source);
  if (!r.ok) throw new Error(`benchmark source does not assemble: ${r.error.message}`);
  const m = new Machine({ cells });
  const code = m.loadCode(r.bytes);
  return () => {
    setup(m);
    const result = m.call(code, { steps: Number.MAX_SAFE_INTEGER });
    if (result.fault) throw new Error(`benchmark faulted: ${result.fault.message}`);
    return result.steps;
  };
}

const registerLoop = machineLoop('lp: add rax, rcx\ndec rbx\njnz lp\nret', (m) => {
  m.setRegister(0, 0n);
  m.setRegister(1, 3n);
  m.setRegister(3, BigInt(REGISTER_TURNS));
});

const memoryLoop = machineLoop(
  `mov r8, ${MEMORY_PASSES}
pass: mov rdi, 4096
lp: mov rax, [rdi*8]
add rdx, rax
add rdi, 1
cmp rdi, rcx
jb lp
dec r8
jnz pass
ret`,
  (m) => {
    m.setRegister(1, BigInt(4096 + MEMORY_CELLS));
    m.setRegister(2, 0n);
  },
  4096 + MEMORY_CELLS + (1 << 17) + (1 << 16) + 64,
);

/** Keep results alive so the JIT cannot drop the loops. */
export let sink = 0;

function jsRegisterLoop(): number {
  let rax = 0, rbx = REGISTER_TURNS;
  const rcx = 3;
  do { rax = (rax + rcx) | 0; rbx--; } while (rbx !== 0);
  sink ^= rax;
  return REGISTER_TURNS * 3;
}

const jsMemory = new Float64Array(MEMORY_CELLS).map((_, i) => i & 0xff);
function jsMemoryLoop(): number {
  let rdx = 0;
  for (let pass = 0; pass < MEMORY_PASSES; pass++) {
    for (let rdi = 0; rdi < MEMORY_CELLS; rdi++) rdx += jsMemory[rdi];
  }
  sink ^= rdx;
  return MEMORY_CELLS * MEMORY_PASSES * 5;
}

export const machineBenchmarks: readonly Benchmark[] = [
  { name: 'machine.register-loop', unit: 'instructions/s', baseline: 'js.register-loop', run: () => timed(registerLoop) },
  { name: 'js.register-loop', unit: 'instructions/s', run: () => timed(jsRegisterLoop) },
  { name: 'machine.memory-loop', unit: 'instructions/s', baseline: 'js.memory-loop', run: () => timed(memoryLoop) },
  { name: 'js.memory-loop', unit: 'instructions/s', run: () => timed(jsMemoryLoop) },
];
