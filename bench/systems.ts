/*
 * Running Bedrock programs for the benchmarks: one booted system per engine (a back end, and
 * the tier that runs its machine code: auto as a user gets it, or the interpreter alone), made on first
 * use and kept for the whole run (boot takes seconds and is never timed), definitions made
 * once each, and timed evaluation of an expression that checks its answer and counts the
 * machine instructions it took.
 */
import type { Backend } from '../src/compiler/compiler.ts';
import type { TierMode } from '../kernel/machine/wasm/tier.ts';
import { Bedrock } from '../src/system/bedrock.ts';
import type { Measurement } from './harness.ts';

export const BACKENDS: readonly Backend[] = ['native', 'threaded'];

/** A back end and a tier; its label names the benchmarks (native, native.interpreted, ...). */
export interface Engine {
  readonly backend: Backend;
  readonly tier: TierMode;
  readonly label: string;
}

/** Each back end with the tiers as a user gets them (auto) and the interpreter alone. */
export const ENGINES: readonly Engine[] = BACKENDS.flatMap((backend): Engine[] => [
  { backend, tier: 'auto', label: backend },
  { backend, tier: 'interpret', label: `${backend}.interpreted` },
]);

interface System {
  readonly bedrock: Bedrock;
  readonly bootSeconds: number;
  readonly defined: Set<string>;
}

const systems = new Map<string, System>();

function system(engine: Engine): System {
  let s = systems.get(engine.label);
  if (!s) {
    const t0 = performance.now();
    const b = Bedrock.boot({ backend: engine.backend, machine: { tier: engine.tier } });
    if (typeof b === 'string') throw new Error(`Bedrock did not boot (${engine.label}): ${b}`);
    s = { bedrock: b, bootSeconds: (performance.now() - t0) / 1000, defined: new Set() };
    systems.set(engine.label, s);
  }
  return s;
}

/** The booted system of an engine (made on first use), for benchmarks of other front ends (bench/forth.ts). */
export function bedrockOf(engine: Engine): Bedrock {
  return system(engine).bedrock;
}

/** Seconds each engine took to boot, and what its translator did (boot included), for those booted so far. */
export function bootTimes(): { engine: string; seconds: number; translation: string | null }[] {
  return [...systems].map(([engine, s]) => {
    const t = s.bedrock.kernel.machine.tier?.stats;
    const translation = t && t.functions > 0
      ? `${t.functions} code objects translated in ${t.modules} modules, ${(t.micros / 1000).toFixed(0)} ms in all, ${(t.micros / t.functions).toFixed(0)} us a code object`
      : null;
    return { engine, seconds: s.bootSeconds, translation };
  });
}

/** Evaluate source and fail on the first error; the outcomes' texts. */
function evaluate(b: Bedrock, source: string): string[] {
  const out = b.evaluate(source, { steps: Number.MAX_SAFE_INTEGER });
  const bad = out.find((o) => o.kind === 'error');
  if (bad) throw new Error(`${bad.text}\n  in: ${bad.source.split('\n')[0]}`);
  return out.map((o) => o.text);
}

/** Make the definitions of `program` (once per back end), named `key`. */
export function define(engine: Engine, key: string, program: string): void {
  const s = system(engine);
  if (s.defined.has(key)) return;
  evaluate(s.bedrock, program);
  s.defined.add(key);
}

/**
 * Evaluate one expression, timed; it must answer `expect`. The work is given by the caller
 * (in the benchmark's unit); the instructions are those the machine executed meanwhile.
 */
export function timedEval(engine: Engine, expression: string, expect: string, work: number): Measurement {
  const b = system(engine).bedrock;
  const machine = b.kernel.machine;
  const steps0 = machine.totalSteps;
  const t0 = process.hrtime.bigint();
  const texts = evaluate(b, expression);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const instructions = machine.totalSteps - steps0;
  const answer = texts[texts.length - 1];
  if (answer !== expect) throw new Error(`${expression} answered ${answer}, not ${expect}`);
  return { work, seconds, instructions };
}
