/*
 * No number becomes a pointer (issue 17, item 9): the Memory capability is low memory, raw
 * numbered cells that belong to no object, and every object is reached only through a pointer.
 * So no `Memory put:` can change an object, a symbol, a method chain or kernel code, whatever
 * address it is given, and everything that worked before still works: the seed's
 * `Memory at: 100; put: 16r2A` among it. Run on both back ends (and, under the `translated`
 * project, with every code object translated to WebAssembly).
 *
 * Also: code reaches the objects it names (nil, true, false, the kernel's roots, a method's
 * literals) through the literal area of its code object, which the collector updates, so a
 * block literal kept in a global survives a major collection.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { slotPointer } from '../../kernel/objects/access.ts';
import { methodsHead } from '../../kernel/objects/classes.ts';
import { ROOTS } from '../../kernel/objects/layout.ts';
import { verifyHeap } from '../../kernel/memory/verify.ts';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

const SEED = Number(process.env.BEDROCK_SEED ?? (Date.now() % 2 ** 31));

function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

for (const backend of ['native', 'threaded'] as const) {
  describe(`the Memory capability is low memory only (${backend} back end)`, () => {
    let b: Bedrock;
    beforeAll(() => {
      b = bootSystem({ backend });
      expect(b.run("Object subclass: #Lm instanceVariableNames: 'a'\nLm a -> ^a\nLm a: x -> a := x\nLmx := Lm new a: 42")).toEqual(['Lm', 'Lm>>a', 'Lm>>a:', 'a Lm']);
    });

    /** Cells of memory (values and tags) between byte addresses lo and hi. */
    const snapshot = (lo: number, hi: number): string => {
      const st = b.kernel.machine.store;
      return `${st.cells.slice(lo >> 3, hi >> 3).join(',')}|${st.tags.slice(lo >> 3, hi >> 3).join(',')}`;
    };

    it("the seed's cascade works in low memory, and reads back what it wrote", () => {
      expect(b.run('Memory at: 100; put: 16r2A; put: 43')).toHaveLength(1);
      expect(b.run('Memory at: 100')).toEqual(['42']);
      expect(b.run('Memory at: 101')).toEqual(['43']);
      expect(b.run('Memory at: 4095 put: 7. Memory at: 4095')).toEqual(['7']);
    });

    it('Memory at: of an object, a symbol, a method chain or kernel code is a Bounds error, and changes nothing', () => {
      const k = b.kernel, m = k.machine;
      const targets: [string, number][] = [
        ['an object', slotPointer(m, k.roots, ROOTS.GLOBALS)],
        ['a symbol', k.symbols.intern('Lm')],
        ['a method chain', methodsHead(k, k.behaviourNamed('Lm'))],
        ['kernel code', slotPointer(m, k.roots, ROOTS.SEND)],
        ['the kernel roots', k.roots],
        ['nil', k.nil],
      ];
      for (const [what, p] of targets) {
        const before = snapshot(p - 8, p + 24);
        for (const cell of [p / 8 - 1, p / 8, p / 8 + 1]) {
          for (const text of [`Memory at: ${cell}`, `Memory at: ${cell} put: 0`, `Memory at: ${cell}; put: 16r2A`]) {
            const [o] = b.evaluate(text);
            expect(o.kind, `${what}: ${text}`).toBe('error');
            expect(o.text, `${what}: ${text}`).toMatch(/Bounds fault .* outside memory a number reaches/);
          }
        }
        expect(snapshot(p - 8, p + 24), what).toBe(before);
      }
      expect(b.run('Lmx a')).toEqual(['42']);
      expect(b.run('#Lm == #Lm')).toEqual(['true']);
    });

    it(`Memory put: at random cells of all memory reaches only low memory (seed ${SEED}), and every prior behaviour holds`, () => {
      const next = random(SEED + (backend === 'native' ? 0 : 1));
      const k = b.kernel, m = k.machine;
      const low = m.lowCells, cells = m.store.cellCount;
      // What a put: through a forged number used to rewrite: symbols, method chains, behaviours, kernel code.
      const send = slotPointer(m, k.roots, ROOTS.SEND);
      const watched = [k.symbols.intern('Lm'), k.symbols.intern('printString'), methodsHead(k, k.behaviourNamed('Lm')),
        methodsHead(k, k.behaviourNamed('Object')), k.behaviourNamed('Lm'), k.behaviourNamed('Memory'), send];
      const cellsOf = (p: number): string => snapshot(p - 8, p + 8 * m.store.cells32[2 * (p / 8 - 1)]);
      const before = watched.map(cellsOf);
      // One evaluation tries them all: a refused put: raises a Bounds error, which on:do: counts.
      const addresses = Array.from({ length: 300 }, () => low + Math.floor(next() * (cells - low)));
      const lows = Array.from({ length: 20 }, () => Math.floor(next() * low));
      const program = `| refused | refused := 0.
        #(${addresses.join(' ')}) do: [:a | [Memory at: a put: 16rDEADBEEF] on: Error do: [:e | refused := refused + 1]].
        #(${lows.join(' ')}) do: [:a | Memory at: a put: a * 3].
        refused`;
      console.log(`low-memory attack seed: ${SEED} (set BEDROCK_SEED=${SEED} to replay); ${addresses.length} puts above low memory, ${lows.length} in it`);
      expect(b.run(program)).toEqual([String(addresses.length)]);
      for (const a of lows) expect(m.store.cells[a]).toBe(BigInt(3 * a));
      // Symbols, method chains, behaviours and kernel code are as they were, bit for bit.
      expect(watched.map(cellsOf)).toEqual(before);
      expect(b.run('3 + 4')).toEqual(['7']);
      expect(b.run('(#(1 2 3) collect: [:x | x * x]) printString')).toEqual(["'#(1 4 9)'"]);
      expect(b.run('Lmx a')).toEqual(['42']);
      expect(b.run('Lm foo -> ^#foo\nLm new foo')).toEqual(['Lm>>foo', '#foo']);
      expect(b.run('[:x | x + 1] value: 41')).toEqual(['42']);
      expect(b.run('[1/0] on: ZeroDivide do: [:e | 7]')).toEqual(['7']);
      expect(verifyHeap(k.heap)).toEqual([]);
    });

    it('a block literal in a global survives a major collection (its code reads it through the literal area)', () => {
      expect(b.run('Blk := [$q]')).toHaveLength(1);
      expect(b.run('Str := \'kept\'. Sym := #kept. Arr := #(1 $a \'b\')')).toHaveLength(1);
      b.kernel.heap.collect('major');
      b.kernel.heap.collect('minor');
      expect(b.run('Blk value')).toEqual(['$q']);
      expect(b.run('Blk value == $q')).toEqual(['true']);
      expect(b.run('Str , Sym')).toEqual(["'keptkept'"]);
      expect(b.run('Arr printString')).toEqual(["'#(1 $a ''b'')'"]);
      expect(verifyHeap(b.kernel.heap)).toEqual([]);
    });
  });
}
