/*
 * Forgetting leaks nothing: after `forget`, the methods, code objects, sources, selectors,
 * globals, classes, marks and log entries made since the mark are unreachable, and a major
 * collection gives their memory back, exactly, cycle after cycle. And the object layer works
 * the same with the collector in stress mode (a collection at every allocation).
 */
import { describe, expect, it } from 'vitest';
import { FORMAT_POINTERS, TAG_NUM } from '../../kernel/machine/cells.ts';
import { verifyHeap } from '../../kernel/memory/verify.ts';
import { behaviourIndex, classTable } from '../../kernel/objects/classes.ts';
import { slotCount } from '../../kernel/objects/access.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { METHOD_KIND } from '../../kernel/objects/layout.ts';
import { boot, code, methodCode, num, ptr, runThreaded, threaded } from '../support/kernel.ts';
import { makeSendSite } from '../../kernel/objects/send.ts';

/** The machine at rest: no register still holds a pointer from the last send (registers are roots). */
function atRest(k: Kernel): void {
  for (let r = 0; r < 16; r++) if (r !== 4) k.machine.setRegister(r, 0n);
}

function defineEverything(k: Kernel, tag: string): { code: number } {
  const body = code(k, 'mov rax, 7; ret');
  expect(typeof k.defineMethod({ selector: `only${tag}`, owner: k.behaviourNamed('SmallInteger'), code: body, kind: METHOD_KIND.REGISTERS, source: `SmallInteger only${tag} -> mov rax, 7; ret` })).toBe('number');
  expect(typeof k.defineMethod({ selector: 'yourself', owner: k.behaviourNamed('SmallInteger'), code: code(k, 'mov rax, 8; ret'), kind: METHOD_KIND.REGISTERS })).toBe('number');
  const cls = k.makeBehaviour({ name: `Class${tag}`, parent: k.behaviourNamed('Object') });
  if (typeof cls === 'string') throw new Error(cls);
  const instance = k.heap.allocate(3, FORMAT_POINTERS, behaviourIndex(k, cls), 0n, TAG_NUM);
  expect(typeof k.defineGlobal(`Global${tag}`, ptr(instance))).toBe('number');
  expect(k.sendMessage(num(1), `only${tag}`).value).toEqual(num(7));
  expect(k.sendMessage(num(1), 'yourself').value).toEqual(num(8));
  return { code: body };
}

describe('forget leaks nothing', () => {
  it("a forgotten definition's code, source, selector, class and global are reclaimed", () => {
    const k = boot();
    atRest(k);
    k.heap.collect('major');
    const before = k.heap.usage();
    expect(k.mark('m')).toBeGreaterThan(0);
    const { code: body } = defineEverything(k, 'X');
    expect(k.machine.cacheOf(body)).toBeDefined();
    expect(k.symbols.find('onlyX')).toBeDefined();
    expect(k.forget('m')).toBeNull();
    expect(k.sendMessage(num(1), 'yourself').value).toEqual(num(1)); // VM>>yourself again
    atRest(k);
    const report = k.heap.collect('major');
    expect(report.freedCodeObjects).toBeGreaterThanOrEqual(2);
    expect(k.machine.cacheOf(body)).toBeUndefined();
    expect(k.symbols.find('onlyX')).toBeUndefined();
    expect(k.symbols.find('ClassX')).toBeUndefined();
    expect(k.global('GlobalX')).toBeUndefined();
    expect(k.behaviourNamed('ClassX')).toBe(-1);
    const after = k.heap.usage();
    expect(after.fixedUsed).toBe(before.fixedUsed);
    expect(after.oldUsed).toBe(before.oldUsed);
    expect(verifyHeap(k.heap)).toEqual([]);
  });

  it('memory stays flat over many mark, define, forget cycles', () => {
    const k = boot();
    atRest(k);
    k.heap.collect('major');
    // A class index is never reused (an object of a forgotten class must not become an object
    // of a newer one), so the class table grows by a slot per class ever made: count the rest.
    const tableCells = (): number => slotCount(k.machine, classTable(k)) + 1;
    const baseline = k.heap.usage().fixedUsed - tableCells();
    for (let i = 0; i < 30; i++) {
      expect(k.mark(`cycle${i}`)).toBeGreaterThan(0);
      defineEverything(k, String(i));
      expect(k.forget(`cycle${i}`)).toBeNull();
      atRest(k);
      k.heap.collect('major');
      expect(k.heap.usage().fixedUsed - tableCells(), `cycle ${i}`).toBe(baseline);
    }
    expect(k.marks()).toEqual([]);
  });
});

describe('the object layer under the stress collector', () => {
  it('genesis, definitions, sends, marks and threaded code give the same answers', () => {
    const k = boot({ heap: { stress: true } });
    expect(k.heap.stress).toBe(true);
    const collections = k.heap.stats.minorCollections + k.heap.stats.majorCollections;
    expect(collections).toBeGreaterThan(100);
    expect(k.mark('s')).toBeGreaterThan(0);
    defineEverything(k, 'S');
    const t = (sel: string): number => methodCode(k, 'Threaded', sel);
    const v = threaded(k, [[t('load:'), num(5)], [t('send0:'), ptr(makeSendSite(k, k.symbols.intern('onlyS')))], [t('exit'), num(0)]]);
    expect(runThreaded(k, v).value).toEqual(num(7));
    const dnu = k.sendMessage(num(3), 'nothingAnswers:', [num(4)]);
    expect(dnu.fault?.message).toBe('3 does not understand #nothingAnswers:');
    k.machine.unwind();
    expect(k.forget('s')).toBeNull();
    expect(k.sendMessage(num(3), 'yourself').value).toEqual(num(3));
    expect(verifyHeap(k.heap)).toEqual([]);
  });
});
