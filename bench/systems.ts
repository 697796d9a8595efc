/*
 * Running Bedrock programs for the benchmarks: one booted system per back end, made on first
 * use and kept for the whole run (boot takes seconds and is never timed), definitions made
 * once each, and timed evaluation of an expression that checks its answer and counts the
 * machine instructions it took.
 */
import type { Backend } from '../src/compiler/compiler.ts';
import { Bedrock } from '../src/system/bedrock.ts';
import type { Measurement } from './harness.ts';

export const BACKENDS: readonly Backend[] = ['native', 'threaded'];

interface System {
  readonly bedrock: Bedrock;
  readonly bootSeconds: number;
  readonly defined: Set<string>;
}

const systems = new Map<Backend, System>();

function system(backend: Backend): System {
  let s = systems.get(backend);
  if (!s) {
    const t0 = performance.now();
    const b = Bedrock.boot({ backend });
    if (typeof b === 'string') throw new Error(`Bedrock did not boot (${backend}): ${b}`);
    s = { bedrock: b, bootSeconds: (performance.now() - t0) / 1000, defined: new Set() };
    systems.set(backend, s);
  }
  return s;
}

/** Seconds each back end took to boot, for those booted so far. */
export function bootTimes(): { backend: Backend; seconds: number }[] {
  return [...systems].map(([backend, s]) => ({ backend, seconds: s.bootSeconds }));
}

/** Evaluate source and fail on the first error; the outcomes' texts. */
function evaluate(b: Bedrock, source: string): string[] {
  const out = b.evaluate(source, { steps: Number.MAX_SAFE_INTEGER });
  const bad = out.find((o) => o.kind === 'error');
  if (bad) throw new Error(`${bad.text}\n  in: ${bad.source.split('\n')[0]}`);
  return out.map((o) => o.text);
}

/** Make the definitions of `program` (once per back end), named `key`. */
export function define(backend: Backend, key: string, program: string): void {
  const s = system(backend);
  if (s.defined.has(key)) return;
  evaluate(s.bedrock, program);
  s.defined.add(key);
}

/**
 * Evaluate one expression, timed; it must answer `expect`. The work is given by the caller
 * (in the benchmark's unit); the instructions are those the machine executed meanwhile.
 */
export function timedEval(backend: Backend, expression: string, expect: string, work: number): Measurement {
  const b = system(backend).bedrock;
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
