/*
 * Running tables of cases against a booted system in both back ends. Each backend boots once
 * per test file; the cases run in it in order (a class one case defines stays defined), each
 * case's source item by item, and each item's printed result (or error text) is compared with
 * the expected string, or matched against the expected RegExp.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import type { Backend } from '../../src/compiler/compiler.ts';

export type Expected = string | RegExp;
export type Case = readonly [name: string, source: string, expected: readonly Expected[]];

export const BACKENDS: readonly Backend[] = ['native', 'threaded'];

export function boot(backend: Backend): Bedrock {
  const b = bootSystem({ backend });
  if (typeof b === 'string') throw new Error(b);
  return b;
}

/** Check one case's outputs, naming the item that differs. */
export function check(b: Bedrock, source: string, expected: readonly Expected[]): void {
  const out = b.run(source);
  const items = source.split('\n').filter((l) => l.length > 0 && !/^\s/.test(l));
  expect(out.length, `${source}\n=> ${out.join('\n=> ')}`).toBe(expected.length);
  expected.forEach((e, i) => {
    const what = items[i] ?? source;
    if (typeof e === 'string') expect(out[i], what).toBe(e); else expect(out[i], what).toMatch(e);
  });
}

/** A describe block per backend, one test per case, all in one system per backend. */
export function describeCases(title: string, cases: readonly Case[]): void {
  describe.each(BACKENDS)(`${title} (%s)`, (backend) => {
    let b: Bedrock;
    beforeAll(() => { b = boot(backend); });
    for (const [name, source, expected] of cases) it(name, () => check(b, source, expected));
  });
}
