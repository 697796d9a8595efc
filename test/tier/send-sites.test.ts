/*
 * Sends in machine code (kernel/objects/send.ts, Kernel>>send in bootstrap/kernel.bedrock):
 * each send site caches the receiver class it saw and the method found, a hit never enters
 * the host, and a definition, a forget or a class change reaches every site that cached what
 * changed. Both back ends, both tiers (the interpreter alone, and every code object
 * translated).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TAG_PTR } from '../../kernel/machine/cells.ts';
import type { TierMode } from '../../kernel/machine/wasm/tier.ts';
import { behaviourIndex, lookup } from '../../kernel/objects/classes.ts';
import { slotNumber, slotPointer } from '../../kernel/objects/access.ts';
import { CLASS, METHOD, SEND_SITE, SERVICE } from '../../kernel/objects/layout.ts';
import type { Backend } from '../../src/compiler/compiler.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

const CASES: readonly [Backend, TierMode][] = [['native', 'interpret'], ['native', 'translate'], ['threaded', 'interpret'], ['threaded', 'translate']];

function boot(backend: Backend, tier: TierMode): Bedrock {
  const b = bootSystem({ backend, machine: { tier } });
  if (typeof b === 'string') throw new Error(b);
  return b;
}

/** Count the host services `run` makes the machine enter. */
function servicesDuring(b: Bedrock, run: () => void): Map<number, number> {
  const m = b.kernel.machine;
  const saved = [...m.services];
  const counts = new Map<number, number>();
  saved.forEach((f, i) => {
    if (f) m.services[i] = (mm) => { counts.set(i, (counts.get(i) ?? 0) + 1); return f(mm); };
  });
  try { run(); } finally { saved.forEach((f, i) => { m.services[i] = f; }); }
  return counts;
}

/** The method `className` defines for `selector` (its newest). */
function methodOf(b: Bedrock, className: string, selector: string): number {
  const k = b.kernel;
  const method = lookup(k, behaviourIndex(k, k.behaviourNamed(className)), k.symbols.intern(selector));
  if (method < 0) throw new Error(`no ${className}>>${selector}`);
  return method;
}

/** The send sites in a method's literals. */
function sitesOf(b: Bedrock, className: string, selector: string): number[] {
  const k = b.kernel, m = k.machine;
  const method = methodOf(b, className, selector);
  const literals = slotPointer(m, method, METHOD.LITERALS);
  const sites: number[] = [];
  for (let i = 0; i < m.store.cells32[((literals >> 3) - 1) * 2]; i++) {
    if (m.cellTag(literals + 8 * i) !== TAG_PTR) continue;
    const p = slotPointer(m, literals, i);
    if (m.store.cells32[((p >> 3) - 1) * 2 + 1] >>> 15 === CLASS.SendSite) sites.push(p);
  }
  return sites;
}

describe.each(CASES)('send sites (%s back end, tier %s)', (backend, tier) => {
  let system: Bedrock;
  beforeAll(() => { system = boot(backend, tier); });
  it('a send that hits its site never enters the host', () => {
    const b = system;
    expect(b.run([
      'Object subclass: #Sender',
      'Sender ask: x -> ^x answer',
      'Integer answer -> ^self * 2',
      'Sender new ask: 21',
    ].join('\n'))).toEqual(['Sender', 'Sender>>ask:', 'Integer>>answer', '42']);
    const counts = servicesDuring(b, () => {
      expect(b.run('(1 to: 200) inject: 0 into: [:s :i | s + (Sender new ask: i)]')).toEqual([String(200 * 201)]);
    });
    // The loop's new sites miss once each; 200 sends of ask: and of answer do not ask the host.
    expect(counts.get(SERVICE.SEND_SITE) ?? 0).toBeLessThan(20);
    expect(counts.get(SERVICE.SEND) ?? 0).toBeLessThan(20);
  });

  it('after a definition, sites miss once and the global cache answers them in machine code', () => {
    const b = system;
    b.run('Object subclass: #Prober\nProber probe: x -> ^x probed\nInteger probed -> ^self + 1\n(1 to: 50) inject: 0 into: [:s :i | s + (Prober new probe: i)]');
    // A definition of another selector leaves these sites as they were; the sites of the
    // selector defined are emptied, and miss once, but the global cache still holds probe: and
    // probed, and Kernel>>send finds them there.
    const [site] = sitesOf(b, 'Prober', 'probe:');
    const key = slotNumber(b.kernel.machine, site, SEND_SITE.KEY);
    expect(key).toBeGreaterThan(0);
    b.run('Object unrelatedSelectorForTheTest -> ^0');
    expect(slotNumber(b.kernel.machine, site, SEND_SITE.KEY)).toBe(key);
    b.run('Object probed -> ^0');
    expect(slotNumber(b.kernel.machine, site, SEND_SITE.KEY)).toBe(0);
    expect(slotPointer(b.kernel.machine, site, SEND_SITE.ENTRY)).toBe(b.kernel.nil);
    const counts = servicesDuring(b, () => {
      expect(b.run('(1 to: 50) inject: 0 into: [:s :i | s + (Prober new probe: i)]')).toEqual([String(50 * 51 / 2 + 50)]);
    });
    expect(counts.get(SERVICE.SEND_SITE) ?? 0).toBeLessThan(10);
    expect(b.kernel.cache.filled).toBeGreaterThan(0);
  });

  it('a definition reaches a site that cached the method it shadows, and a forget brings it back', () => {
    const b = system;
    expect(b.run([
      'Object subclass: #Caller',
      'Caller call: x -> ^x kind',
      'Integer kind -> ^#integer',
      'Caller new call: 3',
      'Smalltalk mark: #m',
      'SmallInteger kind -> ^#small',
      'Caller new call: 3',
      'Smalltalk forget: #m',
      'Caller new call: 3',
    ].join('\n'))).toEqual(['Caller', 'Caller>>call:', 'Integer>>kind', '#integer', 'Smalltalk', 'SmallInteger>>kind', '#small', 'Smalltalk', '#integer']);
    // After the forget the site was emptied; the send since filled it with Integer>>kind.
    const [site] = sitesOf(b, 'Caller', 'call:');
    const entry = slotPointer(b.kernel.machine, site, SEND_SITE.ENTRY);
    expect(entry).toBe(slotPointer(b.kernel.machine, methodOf(b, 'Integer', 'kind'), METHOD.ENTRY));
  });

  it('a forget empties every site, so none keeps a forgotten method', () => {
    const b = system;
    b.run([
      'Object subclass: #Keeper',
      'Keeper poke: x -> ^x poked',
      'Smalltalk mark: #gone',
      'Integer poked -> ^1',
      'Keeper new poke: 5',
      'Smalltalk forget: #gone',
    ].join('\n'));
    for (const site of sitesOf(b, 'Keeper', 'poke:')) {
      expect(slotNumber(b.kernel.machine, site, SEND_SITE.KEY)).toBe(0);
      expect(slotPointer(b.kernel.machine, site, SEND_SITE.ENTRY)).toBe(b.kernel.nil);
    }
    expect(b.run('Keeper new poke: 5')).toEqual(['5 does not understand #poked']);
  });

  it('a site that sees receivers of many classes answers for each', () => {
    const b = system;
    expect(b.run([
      'Object subclass: #A',
      'A subclass: #B',
      'A name -> ^1',
      'B name -> ^2',
      'Integer name -> ^3',
      'UndefinedObject name -> ^4',
      '((1 to: 40) collect: [:i | (#(nil nil nil nil) at: i \\\\ 4 + 1) isNil ifTrue: [(Array with: A new with: B new with: 7 with: nil) at: i \\\\ 4 + 1] ifFalse: [0]]) inject: 0 into: [:s :x | s * 5 + x name \\\\ 1000003]',
    ].join('\n')).slice(-1)).toEqual([String([...Array(40).keys()].reduce((s, i) => (s * 5 + [1, 2, 3, 4][(i + 1) % 4]) % 1000003, 0))]);
  });

  it('a send nothing answers reaches doesNotUnderstand: with the receiver and every argument', () => {
    const b = system;
    expect(b.run([
      'Object subclass: #Catcher',
      'Catcher doesNotUnderstand: aMessage -> ^Array with: aMessage selector with: aMessage arguments',
      'Object subclass: #Thrower',
      'Thrower throw: c -> ^c zork: 1 with: 2 with: 3',
      'Thrower new throw: Catcher new',
      'Thrower new throw: Catcher new',
      'Thrower new throw: 17',
    ].join('\n')).slice(-3)).toEqual(['#(#zork:with:with: #(1 2 3))', '#(#zork:with:with: #(1 2 3))', '17 does not understand #zork:with:with:']);
  });
});
