/*
 * Reading a class definition is the library's own (behaviour.bedrock,
 * Behaviour>>define:instanceVariableNames:flags:): splitting and checking the instance
 * variable names, checking the class name, answering a class that exists with the same shape,
 * keeping the names and shape of one that exists when none are given; a new class is made
 * there too (makeSubclass:names:flags:). The host service RESHAPE only changes a class that
 * exists, from the names as an Array of Symbols.
 * Differential: random definitions, seeded, against the rules the host applied before the
 * move (a JavaScript model: the names split at /\s+/, each /^[a-z_][A-Za-z0-9_]*$/, none
 * twice; the class name /^[A-Z][A-Za-z0-9_]*$/), in both back ends; since names in source may
 * hold letters beyond ASCII, so may these (a Latin-1 lowercase letter starts an instance
 * variable's name, any Latin-1 letter continues one, as Unicode's Ll and L say).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';
import { bootSystem } from '../support/system.ts';

/** What the host answered before the move: the names, or the error's first line. */
function model(className: string, ivars: string): { names: string[] } | { error: string } {
  const names = ivars.split(/\s+/).filter(Boolean);
  const bad = names.find((n) => !/^[a-z_\p{Ll}][A-Za-z0-9_\p{L}]*$/u.test(n));
  if (bad) return { error: `'${bad}' cannot name an instance variable (it must start with a lowercase letter)` };
  if (!/^[A-Z][A-Za-z0-9_]*$/.test(className)) return { error: `a class name starts with a capital letter: '${className}'` };
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) return { error: `instance variable '${dup}' is named twice` };
  return { names };
}

/** Codes a name or a list of names is made of: letters, digits, _, white space (9-13, 32, 160) and a few others. */
const NAME_CODES = [...'abcxyz_ABZ09'].map((c) => c.charCodeAt(0));
const SPACE_CODES = [32, 32, 32, 9, 10, 11, 12, 13, 160];
const OTHER_CODES = [36, 45, 233, 133, 0, 127];

function randomIvars(r: Random): number[] {
  const codes: number[] = [];
  const words = r.below(5);
  for (let w = 0; w < words; w++) {
    if (w > 0 || r.chance(0.3)) for (let n = 1 + r.below(2); n > 0; n--) codes.push(r.pick(SPACE_CODES));
    // Few names from a small set, so some repeat.
    if (r.chance(0.5)) codes.push(...[...r.pick(['a', 'b', 'x1', '_y', 'aB'])].map((c) => c.charCodeAt(0)));
    else for (let n = 1 + r.below(4); n > 0; n--) codes.push(r.chance(0.9) ? r.pick(NAME_CODES) : r.pick(OTHER_CODES));
  }
  if (r.chance(0.3)) codes.push(r.pick(SPACE_CODES));
  return codes;
}

function randomClassName(r: Random, i: number): string {
  if (r.chance(0.85)) return `Def${i}`;
  const first = r.pick([...'Dd_9']);
  return `${first}ef${i}${r.chance(0.3) ? r.pick(['$', '-']) : ''}`;
}

const text = (codes: readonly number[]): string => String.fromCharCode(...codes);

describe.each(['native', 'threaded'] as const)('class definitions read by the library, %s', (backend) => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
    // Str value: #(codes): a String of those codes, whatever they are.
    expect(b.run('Str := [:codes | | s | s := String new: codes size. codes doWithIndex: [:c :i | s at: i put: (Character value: c)]. s]')).toHaveLength(1);
  }, 60_000);

  it('random definitions: the names, or the error, that the host gave before', () => {
    const seed = testSeed() + (backend === 'native' ? 0 : 1);
    const r = makeRandom(seed);
    console.log(`class definitions ${backend}: seed ${seed} (BEDROCK_SEED=${seed - (backend === 'native' ? 0 : 1)} replays)`);
    for (let i = 0; i < 60; i++) {
      const name = randomClassName(r, i);
      const codes = randomIvars(r);
      const source = `(Object subclass: #'${name}' instanceVariableNames: (Str value: #(${codes.join(' ')}))) instVarNames`;
      const want = model(name, text(codes));
      const [o] = b.evaluate(source);
      const where = `seed ${seed}, ${source}`;
      if ('error' in want) {
        expect(o.kind, where).toBe('error');
        expect(o.text.split('\n')[0], where).toBe(want.error);
      } else {
        expect(o.kind, `${where}: ${o.text}`).toBe('value');
        expect(o.text, where).toBe(`#(${want.names.map((n) => `#${n}`).join(' ')})`);
      }
    }
  });

  it('the same definition again answers the class as it is; another shape changes it in place', () => {
    expect(b.run("Object subclass: #Same instanceVariableNames: 'p q'\nS1 := Same new\n(Object subclass: #Same instanceVariableNames: ' p\tq ') == Same")).toEqual(['Same', 'a Same', 'true']);
    // Nothing was logged for the second: the class's log entry is still the newest definition of Same.
    expect(b.run("(Object subclass: #Same instanceVariableNames: 'q p') == Same\nSame instVarNames\nS1 class == Same")).toEqual(['true', '#(#q #p)', 'true']);
    expect(b.run("(Object variableSubclass: #Same instanceVariableNames: 'q p') == Same\nSame isVariable\n(Object variableSubclass: #Same instanceVariableNames: 'q p') == Same")).toEqual(['true', 'true', 'true']);
  });

  it('no names keeps those of a class that exists, and its shape (bytes, words, indexable); a new class has none', () => {
    expect(b.run("Object variableByteSubclass: #Keep instanceVariableNames: ''\nObject subclass: #Keep\nKeep isBytes\n(Keep new: 3) size")).toEqual(['Keep', 'Keep', 'true', '3']);
    expect(b.run("Object variableSubclass: #Keep2 instanceVariableNames: 'k'\nObject subclass: #Keep2\nKeep2 isVariable\nKeep2 instVarNames")).toEqual(['Keep2', 'Keep2', 'true', '#(#k)']);
    expect(b.run('Object subclass: #Fresh\nFresh instVarNames\nFresh isVariable')).toEqual(['Fresh', '#()', 'false']);
  });

  it('bad input is a clear error, and the definition the user wrote is where it happened', () => {
    for (const [source, message] of [
      ["Object subclass: 'Foo' instanceVariableNames: 'a'", 'subclass: needs a Symbol for the name (#Point)'],
      ['Object subclass: #Foo instanceVariableNames: 3', "instanceVariableNames: needs a String ('x y')"],
      ["Object variableByteSubclass: #Foo instanceVariableNames: 'a'", 'a word or byte class cannot have named instance variables'],
      ["Object variableWordSubclass: #Foo instanceVariableNames: 'a'", 'a word or byte class cannot have named instance variables'],
      ["Object subclass: #Foo instanceVariableNames: 'a b a'", "instance variable 'a' is named twice"],
    ] as const) {
      const [o] = b.evaluate(source);
      expect(o.kind, source).toBe('error');
      expect(o.kind === 'error' && o.text, source).toBe(message);
      // The machinery that read the definition is left out of the backtrace.
      expect(o.kind === 'error' && o.backtrace, source).toEqual([`Behaviour>>${source.split(' ')[1]}instanceVariableNames:`, 'a DoIt']);
    }
  });
});
