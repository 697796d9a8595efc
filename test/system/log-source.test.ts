/*
 * A definition's log entry keeps its source in the String its method keeps (methods.ts
 * sourceKept), not in a copy: the base image held every method's source twice. What the log
 * and the method say is unchanged: each reads back as the text defined, and a method whose
 * source String is not the text (or is a wide one) gets a log entry of its own text.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { slotPointer, textOf } from '../../kernel/objects/access.ts';
import { lookupFrom } from '../../kernel/objects/classes.ts';
import { findBinding, bindingValue } from '../../kernel/objects/globals.ts';
import { LOG, METHOD, ROOTS } from '../../kernel/objects/layout.ts';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

describe('a definition\'s log entry and its method', () => {
  let b: Bedrock;
  beforeAll(() => {
    b = bootSystem();
    const out = b.run("Object subclass: #LogProbe instanceVariableNames: 'x'");
    expect(out.join('\n')).not.toMatch(/error/i);
  }, 600_000);

  /** The newest log entry, and the method LogProbe>>selector answers now. */
  function define(source: string, selector: string): { entry: number; method: number } {
    const out = b.run(source);
    expect(out.join('\n')).not.toMatch(/error|expected/i);
    const k = b.kernel, m = k.machine;
    const cls = Number(bindingValue(k, findBinding(k, 'LogProbe')).value);
    const method = lookupFrom(k, cls, k.symbols.intern(selector));
    expect(method).toBeGreaterThan(0);
    return { entry: slotPointer(m, k.roots, ROOTS.LOG), method };
  }

  it('share one String of the source', () => {
    const k = b.kernel, m = k.machine;
    const { entry, method } = define('LogProbe probe -> ^x', 'probe');
    const logged = slotPointer(m, entry, LOG.SOURCE), kept = slotPointer(m, method, METHOD.SOURCE);
    expect(textOf(m, logged)).toMatch(/probe -> \^x/);
    expect(logged).toBe(kept);
    expect(b.run('(LogProbe >> #probe) printString').join('')).toMatch(/probe/);
  });

  it('a new definition of the same selector has its own source, shared with its own method', () => {
    const k = b.kernel, m = k.machine;
    const first = define('LogProbe probe2 -> ^1', 'probe2');
    const second = define('LogProbe probe2 -> ^2', 'probe2');
    expect(slotPointer(m, second.entry, LOG.SOURCE)).toBe(slotPointer(m, second.method, METHOD.SOURCE));
    expect(slotPointer(m, second.entry, LOG.SOURCE)).not.toBe(slotPointer(m, first.entry, LOG.SOURCE));
    expect(textOf(m, slotPointer(m, first.entry, LOG.SOURCE))).toMatch(/\^1/);
    expect(textOf(m, slotPointer(m, second.entry, LOG.SOURCE))).toMatch(/\^2/);
    expect(b.run('LogProbe new probe2')).toEqual(['2']);
  });
});
