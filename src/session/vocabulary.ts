/*
 * The words Tab completes: every global's name, and every selector some behaviour has a method
 * for (its whole override chain, so a shadowed selector still counts), read from the image as
 * it is now. A keyword selector offers itself and each of its keywords (`inject:into:` gives
 * `inject:into:`, `inject:` and `into:`), so completing `inj` reaches `inject:`.
 */
import { slotCount, slotPointer } from '../../kernel/objects/access.ts';
import { behaviourAt, classTable, methodsHead, walkGuard } from '../../kernel/objects/classes.ts';
import { globalNames } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { ENTRY } from '../../kernel/objects/layout.ts';

/** Words Tab completes from. */
export interface Vocabulary {
  readonly globals: readonly string[];
  readonly selectors: readonly string[];
  readonly commands: readonly string[];
}

export function vocabularyOf(k: Kernel, commands: readonly string[]): Vocabulary {
  const m = k.machine;
  const selectors = new Set<string>();
  const table = classTable(k);
  const count = slotCount(m, table);
  for (let index = 1; index < count; index++) {
    const b = behaviourAt(k, index);
    if (b < 0) continue;
    const guard = walkGuard(k, 'a method chain');
    for (let e = methodsHead(k, b); e >= 0 && e !== k.nil && guard(); e = slotPointer(m, e, ENTRY.NEXT)) {
      const selector = slotPointer(m, e, ENTRY.SELECTOR);
      if (selector < 0) continue;
      const text = k.symbols.text(selector);
      if (!/^[A-Za-z_]/.test(text)) continue; // binary selectors are not completed
      selectors.add(text);
      const keywords = text.match(/[A-Za-z_][A-Za-z0-9_]*:/g);
      if (keywords && keywords.length > 1) for (const kw of keywords) selectors.add(kw);
    }
  }
  const globals = globalNames(k).filter((g) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(g) && g !== '_');
  return { globals: globals.sort(), selectors: [...selectors].sort(), commands };
}
