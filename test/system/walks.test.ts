/*
 * No host hang (issue 17, item 5, the walks): a cycle written into a method chain, a parent,
 * the globals or the marks (as a write through Memory can) used to send the host's lookups
 * round it forever, past the step limit and Ctrl-C. Every host walk along those links now
 * stops past more links than memory could hold, and the evaluation ends with an error naming
 * the structure; put right, the system goes on. Also: no step limit unless one is set, and a
 * time limit (--timeout) stops an evaluation with its ensure blocks run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { slotPointer, setSlotPointer } from '../../kernel/objects/access.ts';
import { behaviourAt, methodsHead } from '../../kernel/objects/classes.ts';
import { BEHAVIOUR, BINDING, ENTRY, ROOTS } from '../../kernel/objects/layout.ts';
import { classIndexOf } from '../../kernel/objects/access.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

describe('host walks over cycles', () => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem();
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
    expect(b.run("Object subclass: #Cyc\nCyc one -> ^1\nCyc two -> ^2\nCyc new one")).toEqual(['Cyc', 'Cyc>>one', 'Cyc>>two', '1']);
  });
  const cyc = (): number => b.kernel.behaviourNamed('Cyc');

  it('a method chain that loops: a send nothing answers ends with an error, and put right the system goes on', () => {
    const k = b.kernel, m = k.machine;
    const head = methodsHead(k, cyc());
    const next = slotPointer(m, head, ENTRY.NEXT);
    setSlotPointer(m, head, ENTRY.NEXT, head);
    const [e] = b.evaluate('Cyc new three');
    expect(e.kind).toBe('error');
    expect(e.text).toMatch(/a method chain loops back on itself/);
    setSlotPointer(m, head, ENTRY.NEXT, next);
    expect(b.run('Cyc new one + Cyc new two')).toEqual(['3']);
  });

  it('a parent chain that loops', () => {
    const k = b.kernel, m = k.machine;
    const c = cyc();
    const parent = slotPointer(m, c, BEHAVIOUR.PARENT);
    setSlotPointer(m, c, BEHAVIOUR.PARENT, c);
    const [e] = b.evaluate('Cyc new three');
    expect(e.kind).toBe('error');
    expect(e.text).toMatch(/loops back on itself/);
    setSlotPointer(m, c, BEHAVIOUR.PARENT, parent);
    expect(b.run('Cyc new two')).toEqual(['2']);
  });

  it('the globals that loop', () => {
    const k = b.kernel, m = k.machine;
    const first = slotPointer(m, k.roots, ROOTS.GLOBALS);
    const next = slotPointer(m, first, BINDING.NEXT);
    setSlotPointer(m, first, BINDING.NEXT, first);
    const [e] = b.evaluate('NoSuchGlobalHere');
    expect(e.kind).toBe('error');
    expect(e.text).toMatch(/the globals loop back on itself|loops back on itself/);
    setSlotPointer(m, first, BINDING.NEXT, next);
    expect(b.run('3 + 4')).toEqual(['7']);
    expect(classIndexOf(m, behaviourAt(k, 1)) >= 0).toBe(true);
  });
});

describe('limits of an evaluation', () => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem();
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
  });

  it('there is no step limit unless one is set', () => {
    expect(b.steps).toBe(Infinity);
    expect(b.run('| n | n := 0. 1 to: 3000000 do: [:i | n := n + 1]. n')).toEqual(['3000000']);
  });

  it('a time limit stops a runaway evaluation, runs its ensure blocks, and the next one runs', () => {
    b.timeoutMs = 300;
    const [e] = b.evaluate("Log := OrderedCollection new. [[true] whileTrue: [3 + 4]] ensure: [Log add: #timeout]");
    expect(e.text).toMatch(/^Interrupted fault .*stopped at the time limit of 0\.3 s/);
    expect(b.run('Log')).toEqual(['an OrderedCollection(#timeout)']);
    b.timeoutMs = Infinity;
    b.steps = 1_000_000;
    expect(b.evaluate('[true] whileTrue: [3 + 4]')[0].text).toMatch(/^StepLimit fault .*stopped after 1000000 instructions/);
    b.steps = Infinity;
  });
});
