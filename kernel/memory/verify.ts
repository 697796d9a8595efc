/*
 * Heap verification: the collector's invariants, checked by walking all of memory. For tests
 * and debugging (it is slow: every cell is looked at).
 *
 *   - each space walks cleanly from header to header: the fixed space (objects and free
 *     chunks) up to fixedTop, old space up to oldTop, the nursery up to nurseryTop;
 *   - every PTR-tagged cell anywhere in memory, every PTR register and RootSet entry, points
 *     at slot 0 of an object (never a free chunk); memory safety depends on this;
 *   - every pointer into the nursery from outside it (and outside the current stack, which is
 *     a root) has its card set (the write barrier);
 *   - every CODE value (return address) lies in a code object;
 *   - codeStartOf and the code caches agree with the fixed space's code objects.
 */
import { CARD_SHIFT, FORMAT_CODE, FORMAT_FREE, TAG_CODE, TAG_HDR, TAG_POISON, TAG_PTR } from '../machine/cells.ts';
import type { Heap } from './heap.ts';

/** Problems found (empty when the heap is sound); at most `limit` of them. */
export function verifyHeap(heap: Heap, limit = 20): string[] {
  const m = heap.machine, st = m.store;
  const n = st.cellCount;
  const C32 = st.cells32, T = st.tags;
  const problems: string[] = [];
  const note = (s: string): boolean => { if (problems.length < limit) problems.push(s); return problems.length < limit; };
  /** 1: an object starts here (its header cell); 2: a free chunk. */
  const starts = new Uint8Array(n);

  const walk = (name: string, lo: number, hi: number, allowFree: boolean): void => {
    let h = lo;
    while (h < hi) {
      if (T[h] !== TAG_HDR && T[h] !== TAG_POISON) { note(`${name}: cell ${h} should be a header (tag ${T[h]})`); return; }
      const slots = C32[2 * h] >>> 0;
      const format = C32[2 * h + 1] & 0xf;
      if (h + 1 + slots > hi) { note(`${name}: object at cell ${h} (${slots} slots) runs past ${hi}`); return; }
      if (format === FORMAT_FREE) {
        if (!allowFree) note(`${name}: free chunk at cell ${h}`);
        if (C32[2 * h + 1] >>> 15 !== 0) note(`${name}: free chunk at cell ${h} has a class`);
        starts[h] = 2;
      } else {
        starts[h] = 1;
        if (format === FORMAT_CODE && name === 'fixed') {
          const cache = m.cacheOf((h + 1) * 8);
          if (!cache) note(`fixed: code object at cell ${h} has no code cache`);
          for (let c = h; c <= h + slots; c++) {
            if (m.codeStartOf[c - m.fixedLo] !== h + 1) { note(`fixed: codeStartOf[${c}] is not ${h + 1}`); break; }
          }
        }
      }
      h += 1 + slots;
    }
    if (h !== hi) note(`${name}: walk ended at ${h}, not ${hi}`);
  };
  walk('fixed', m.fixedLo, heap.fixedTop, true);
  walk('old', heap.oldLo, heap.oldTop, false);
  walk('nursery', heap.nurseryLo, heap.nurseryTop, false);
  if (heap.fixedTop > m.fixedHi || heap.oldLo !== m.fixedHi || heap.oldTop > heap.oldEnd || heap.oldEnd !== heap.nurseryLo
    || heap.nurseryTop > heap.nurseryEnd || heap.nurseryEnd !== n) {
    note(`spaces out of order: fixed ${m.fixedLo}..${heap.fixedTop}..${m.fixedHi}, old ${heap.oldLo}..${heap.oldTop}..${heap.oldEnd}, nursery ${heap.nurseryLo}..${heap.nurseryTop}..${heap.nurseryEnd}, memory ${n}`);
  }
  // Code caches only for live code objects.
  for (const { cell } of m.codeCaches()) {
    if (starts[cell - 1] !== 1) note(`a code cache at cell ${cell} has no code object`);
  }

  const nursery = (p: number): boolean => { const h = (p >> 3) - 1; return h >= heap.nurseryLo && h < heap.nurseryTop; };
  const pointsAtObject = (p: number): boolean => {
    const h = (p >> 3) - 1;
    return (p & 7) === 0 && h >= 0 && h < n && starts[h] === 1;
  };
  const stackLo = m.stackLo >> 3, stackHi = m.stackHi >> 3;
  for (let c = 0; c < n; c++) {
    const t = T[c];
    if (t === TAG_PTR) {
      const p = C32[2 * c];
      if (C32[2 * c + 1] !== 0 || !pointsAtObject(p)) {
        if (!note(`cell ${c} holds a pointer to ${p}, which is not an object`)) break;
        continue;
      }
      // Pushes and calls have no barrier: the current stack is a root.
      const exempt = (c >= heap.nurseryLo && c < heap.nurseryEnd) || (c >= stackLo && c < stackHi);
      if (!exempt && nursery(p) && st.cards[c >> CARD_SHIFT] === 0) {
        if (!note(`cell ${c} points into the nursery (${p}) but its card is clean`)) break;
      }
    } else if (t === TAG_CODE) {
      const a = C32[2 * c];
      if (!m.codeOfReturnAddress(a)) { if (!note(`cell ${c} holds code address ${a}, which is in no code object`)) break; }
    }
  }
  const RT = st.regTags, S32 = st.state32;
  for (let r = 0; r < 16; r++) {
    if (RT[r] === TAG_PTR && !pointsAtObject(S32[2 * r])) note(`register ${r} holds a pointer to ${S32[2 * r]}, which is not an object`);
    if (RT[r] === TAG_CODE && !m.codeOfReturnAddress(S32[2 * r])) note(`register ${r} holds code address ${S32[2 * r]}, which is in no code object`);
  }
  heap.roots.forEach((i, value, tag) => {
    if (tag === TAG_PTR && !pointsAtObject(Number(value))) note(`root ${i} holds a pointer to ${value}, which is not an object`);
  });
  return problems;
}
