/*
 * The corpus: small programs in test/corpus/*.bedrock, each with the results it must print in
 * comments (`3 + 4   "expect: 7"`), run item by item through both back ends. Each expected
 * result is compared with the first line of what the REPL would print for its item, and a
 * `"prints: …"` comment with what the item wrote to the Transcript (`\n` a new line, `\t` a tab);
 * every item must print the same in both back ends; and an item without an expectation must
 * not fail (a definition, a class, a statement run for its effect).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/lang/parser.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import type { Backend } from '../../src/compiler/compiler.ts';

const DIR = new URL('../corpus/', import.meta.url);
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.bedrock')).sort();
const BACKENDS: readonly Backend[] = ['native', 'threaded'];

interface Expectation { readonly item: number; readonly text: string; readonly line: number }

/** Each `"KIND: …"` comment (expect, prints), with the index of the item it follows. */
function expectations(source: string, kind = 'expect'): { items: number; expected: Expectation[] } {
  const parsed = parse(source);
  if (!parsed.ok) throw new Error(`syntax error in the corpus: ${parsed.error.message}`);
  const starts = parsed.items.map((item) => item.span.start.offset);
  const expected: Expectation[] = [];
  for (const m of source.matchAll(new RegExp(`"${kind}: ([^"]*)"`, 'g'))) {
    const at = m.index ?? 0;
    let item = -1;
    starts.forEach((s, i) => { if (s < at) item = i; });
    expected.push({ item, text: m[1], line: source.slice(0, at).split('\n').length });
  }
  return { items: parsed.items.length, expected };
}

function run(backend: Backend, source: string): { printed: string[]; written: string[] } {
  const b = bootSystem({ backend });
  if (typeof b === 'string') throw new Error(b);
  const outcomes = b.evaluate(source);
  return {
    printed: outcomes.map((o) => `${o.kind === 'error' ? '!' : ''}${o.text.split('\n')[0]}`),
    written: outcomes.map((o) => o.output ?? ''),
  };
}

describe.each(FILES)('corpus %s', (file) => {
  const source = readFileSync(new URL(file, DIR), 'utf8');
  it('prints what its comments expect, the same in both back ends', () => {
    const { items, expected } = expectations(source);
    const [nativeRun, threadedRun] = BACKENDS.map((backend) => run(backend, source));
    const native = nativeRun.printed;
    expect(native).toHaveLength(items);
    expect(threadedRun, 'the threaded back end prints and writes what the native one does').toEqual(nativeRun);
    for (const e of expectations(source, 'prints').expected) {
      expect(nativeRun.written[e.item], `${file}:${e.line} (Transcript)`).toBe(e.text.replaceAll('\\n', '\n').replaceAll('\\t', '\t'));
    }
    const expectedAt = new Map(expected.map((e) => [e.item, e]));
    native.forEach((printed, i) => {
      const e = expectedAt.get(i);
      if (e) expect(printed.replace(/^!/, ''), `${file}:${e.line}`).toBe(e.text);
      else expect(printed.startsWith('!'), `${file}: item ${i + 1} failed: ${printed}`).toBe(false);
    });
  });
});
