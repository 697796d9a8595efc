/*
 * Class redefinition reshapes in place, as in Pharo and GNU Smalltalk. Defining a class that
 * exists with other instance variables, another superclass or another shape changes that
 * class: the same behaviour (so its global, its class index and every reference to it stay),
 * with its new shape, and its subclasses' shapes follow; the methods of the class and its
 * subclasses are compiled again for the new layout (by the compiler, through
 * Kernel.recompile); and every existing instance of them becomes one of the new shape, its
 * values kept by instance variable name (new variables nil), keeping its identity (every
 * reference to it is made a reference to the new one: Heap.forwardPointers).
 *
 * A definition that cannot be applied changes nothing and says why. The library refuses what
 * it can see before it asks (behaviour.bedrock, Behaviour>>reshape:names:flags:): a kernel's
 * own class, a superclass that is the class or one of its subclasses, a variable named twice
 * along a chain, a change of shape its instances cannot take. What only the compiler can see
 * is refused here: a method that does not compile for the new layout (every change is taken
 * back, methods included).
 *
 * Each reshaped behaviour gets a 'reshape' entry in the definition log, whose DATA is its
 * shape before (SHAPE below). `forget` to a mark made before takes them back, newest first:
 * the old shape, and the instances migrated back by name; the old methods come back with the
 * chain heads the mark recorded.
 */
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../machine/cells.ts';
import { classIndexOf, setSlot, setSlotNumber, setSlotPointer, slot, slotCount, slotNumber, slotPointer, slotTag } from './access.ts';
import { behaviourAt, behaviourIndex, behaviourName, classTable, ensureMetaclass, methodsHead, parentOf, setMethodsHead, walkGuard } from './classes.ts';
import type { Kernel } from './kernel.ts';
import { BEHAVIOUR, CLASS, INSTANCE_FORMAT, LOG, ROOTS } from './layout.ts';
import { appendLog } from './marks.ts';

/**
 * A behaviour's shape before a reshape (a 'reshape' log entry's DATA): its parent, format,
 * own instance variables, its instances' variable names (its parents' first) before and after,
 * and its metaclass's parent.
 */
export const SHAPE = Object.freeze({ PARENT: 0, FORMAT: 1, IVARS: 2, BEFORE: 3, AFTER: 4, META_PARENT: 5, SIZE: 6 });

interface Plan {
  readonly b: number;
  readonly parent: number;
  readonly format: number;
  readonly ivars: number;
  readonly metaParent: number;
  readonly before: readonly string[];
  readonly after: readonly string[];
  readonly newFormat: number;
}

/** The instance variable names of instances of `b` (its parents' first). */
export function allInstanceVariables(k: Kernel, b: number): string[] {
  const chain: number[] = [];
  const guard = walkGuard(k, 'a parent chain');
  for (let x = b; x >= 0 && guard(); x = parentOf(k, x)) chain.unshift(x);
  return chain.flatMap((x) => ownIvars(k, x));
}

function ownIvars(k: Kernel, b: number): string[] {
  const m = k.machine;
  const ivars = slotPointer(m, b, BEHAVIOUR.IVARS);
  if (ivars < 0 || ivars === k.nil) return [];
  return Array.from({ length: slotCount(m, ivars) }, (_, i) => k.symbols.text(slotPointer(m, ivars, i)));
}

/** The behaviours below `cls`, parents before their children. */
function subclassesOf(k: Kernel, cls: number): number[] {
  const all: number[] = [];
  const count = slotCount(k.machine, classTable(k));
  const found = new Set([cls]);
  let grew = true;
  while (grew) {
    grew = false;
    for (let i = 1; i < count; i++) {
      const b = behaviourAt(k, i);
      if (b < 0 || found.has(b)) continue;
      const p = parentOf(k, b);
      if (p >= 0 && found.has(p)) { found.add(b); all.push(b); grew = true; }
    }
  }
  return all;
}

/**
 * Give class `cls` a new superclass, instance variables and shape, in place (see the header).
 * Answers `cls`, or why the definition cannot be applied (and then nothing changed).
 */
export function reshapeClass(k: Kernel, cls: number, superclass: number, ivarNames: readonly string[], indexable: boolean, format?: number): number | string {
  const m = k.machine;
  const name = behaviourName(k, cls);
  // What cannot be applied was refused by the library before it asked (behaviour.bedrock,
  // Behaviour>>reshape:names:flags:): a kernel's own class, a superclass below the class, a
  // name twice on a chain, a change of kind or of indexability its instances cannot take.
  const kind = format ?? (slotNumber(m, superclass, BEHAVIOUR.FORMAT) & INSTANCE_FORMAT.FORMAT_MASK);
  const nowIndexable = indexable || (slotNumber(m, superclass, BEHAVIOUR.FORMAT) & INSTANCE_FORMAT.INDEXABLE) !== 0;
  const affected = [cls, ...subclassesOf(k, cls)];
  const inherited = allInstanceVariables(k, superclass);
  const after = new Map<number, string[]>([[cls, [...inherited, ...ivarNames]]]);
  for (const b of affected) if (b !== cls) after.set(b, [...after.get(parentOf(k, b))!, ...ownIvars(k, b)]);
  return k.withHolds((hold) => {
    // Everything is made before anything changes.
    const symbols = ivarNames.map((n) => hold(k.symbols.intern(n)));
    if (symbols.some((s) => s < 0)) return 'out of memory';
    const ivars = symbols.length === 0 ? k.nil : hold(fixedArray(k, symbols.map((s) => [BigInt(s), TAG_PTR])));
    const meta = ensureMetaclass(k, cls);
    if (typeof meta === 'string') return meta;
    const superMeta = ensureMetaclass(k, superclass);
    if (typeof superMeta === 'string') return superMeta;
    const plans: Plan[] = [];
    for (const b of affected) {
      const own = b === cls ? ivarNames.length : ownIvars(k, b).length;
      const parentAfter = b === cls ? after.get(cls)!.length - own : after.get(parentOf(k, b))!.length;
      const f = slotNumber(m, b, BEHAVIOUR.FORMAT);
      const base = b === cls ? kind | (nowIndexable ? INSTANCE_FORMAT.INDEXABLE : 0) : f & 0xff;
      const bMeta = ensureMetaclass(k, b);
      plans.push({
        b, parent: parentOf(k, b), format: f, ivars: slotPointer(m, b, BEHAVIOUR.IVARS),
        metaParent: typeof bMeta === 'number' && bMeta >= 0 ? parentOf(k, bMeta) : -1,
        before: allInstanceVariables(k, b), after: after.get(b)!, newFormat: base | ((parentAfter + own) << INSTANCE_FORMAT.FIXED_SHIFT),
      });
    }
    const data = plans.map((p) => hold(shapeRecord(k, p)));
    if (data.some((d) => d < 0)) return 'out of memory';
    // The change, which the methods are compiled again for; undone if one does not compile.
    const heads = affected.map((b) => methodsHead(k, b));
    const log = slotPointer(m, k.roots, ROOTS.LOG);
    const apply = (undo: boolean): void => {
      for (const p of plans) {
        if (p.b === cls) {
          setSlotPointer(m, cls, BEHAVIOUR.PARENT, undo ? p.parent : superclass);
          setSlotPointer(m, cls, BEHAVIOUR.IVARS, undo ? p.ivars : ivars);
          if (typeof meta === 'number' && meta >= 0) setSlotPointer(m, meta, BEHAVIOUR.PARENT, undo ? p.metaParent : (superMeta >= 0 ? superMeta : p.metaParent));
        }
        setSlotNumber(m, p.b, BEHAVIOUR.FORMAT, undo ? p.format : p.newFormat);
      }
      k.cache.flush();
    };
    apply(false);
    const failed = k.recompile?.(affected) ?? null;
    const takeBack = (why: string): string => {
      affected.forEach((b, i) => setMethodsHead(k, b, heads[i]));
      setSlotPointer(m, k.roots, ROOTS.LOG, log);
      apply(true);
      return why;
    };
    if (failed !== null) return takeBack(`${name} cannot take that shape: ${failed}`);
    const migrated = migrate(k, plans.map((p) => ({ index: behaviourIndex(k, p.b), before: p.before, after: p.after })));
    if (migrated !== null) return takeBack(migrated);
    for (let i = 0; i < plans.length; i++) {
      const p = plans[i];
      const entry = appendLog(k, 'reshape', p.b, hold(k.symbols.intern(behaviourName(k, p.b))), undefined, data[i]);
      if (typeof entry === 'string') return entry; // (out of memory: the shape stays, as it is now)
      k.commitLog(entry);
    }
    return cls;
  });
}

/**
 * forget's part: take back the reshapes logged between the log's head and `until` (the
 * entry of the mark forgotten), newest first: each behaviour's old shape, and its instances
 * migrated back by name. The methods come back with the chain heads the mark recorded.
 */
export function undoReshapes(k: Kernel, until: number): void {
  const m = k.machine;
  const reshape = k.symbols.find('reshape');
  if (reshape === undefined) return;
  const undo: { b: number; data: number }[] = [];
  const guard = walkGuard(k, 'the definition log');
  for (let e = slotPointer(m, k.roots, ROOTS.LOG); e >= 0 && e !== k.nil && e !== until && guard(); e = slotPointer(m, e, LOG.PREVIOUS)) {
    if (slotPointer(m, e, LOG.KIND) === reshape) undo.push({ b: slotPointer(m, e, LOG.BEHAVIOUR), data: slotPointer(m, e, LOG.DATA) });
  }
  for (const { b, data } of undo) {
    const names = (i: number): string[] => {
      const a = slotPointer(m, data, i);
      return Array.from({ length: slotCount(m, a) }, (_, j) => k.symbols.text(slotPointer(m, a, j)));
    };
    setSlotPointer(m, b, BEHAVIOUR.PARENT, slotPointer(m, data, SHAPE.PARENT));
    setSlot(m, b, BEHAVIOUR.FORMAT, slot(m, data, SHAPE.FORMAT), TAG_NUM);
    setSlot(m, b, BEHAVIOUR.IVARS, slot(m, data, SHAPE.IVARS), slotTag(m, data, SHAPE.IVARS));
    const metaParent = slotPointer(m, data, SHAPE.META_PARENT);
    const meta = behaviourAt(k, classIndexOf(m, b));
    if (metaParent >= 0 && metaParent !== k.nil && meta >= 0 && meta !== b) setSlotPointer(m, meta, BEHAVIOUR.PARENT, metaParent);
    migrate(k, [{ index: behaviourIndex(k, b), before: names(SHAPE.AFTER), after: names(SHAPE.BEFORE) }]);
  }
  if (undo.length > 0) k.cache.flush();
}

/**
 * Make every instance of the classes named by index one of their new shape: a new object
 * with the values of the variables kept by name (new ones nil) and the indexed slots after,
 * which takes the old one's identity. Null, or why not (out of memory; nothing changed).
 */
function migrate(k: Kernel, classes: readonly { index: number; before: readonly string[]; after: readonly string[] }[]): string | null {
  const m = k.machine;
  const byIndex = new Map(classes.map((c) => [c.index, c]));
  const changed = [...byIndex.values()].filter((c) => c.before.join(' ') !== c.after.join(' '));
  if (changed.length === 0) return null;
  const roots = k.heap.roots;
  const olds = instancesOf(k, new Set(changed.map((c) => c.index))).map((p) => roots.add(BigInt(p), TAG_PTR));
  const news: number[] = [];
  try {
    for (const r of olds) {
      const c = byIndex.get(classIndexOf(m, roots.address(r)))!;
      const indexed = slotCount(m, roots.address(r)) - c.before.length;
      const n = k.heap.allocate(c.after.length + Math.max(0, indexed), FORMAT_POINTERS, c.index, BigInt(k.nil), TAG_PTR);
      if (n < 0) return 'out of memory (making the instances of the new shape)';
      news.push(roots.add(BigInt(n), TAG_PTR));
      const old = roots.address(r);
      c.after.forEach((v, i) => {
        const j = c.before.indexOf(v);
        if (j >= 0) setSlot(m, n, i, slot(m, old, j), slotTag(m, old, j));
      });
      for (let i = 0; i < indexed; i++) setSlot(m, n, c.after.length + i, slot(m, old, c.before.length + i), slotTag(m, old, c.before.length + i));
    }
    const map = new Map<number, number>();
    olds.forEach((r, i) => map.set(roots.address(r), roots.address(news[i])));
    k.heap.forwardPointers(map);
    return null;
  } finally {
    for (const r of [...olds, ...news]) roots.release(r);
  }
}

/** Every live object whose class index is in `indexes` (a major collection first, so only live ones). */
function instancesOf(k: Kernel, indexes: ReadonlySet<number>): number[] {
  k.heap.collect('major');
  const out: number[] = [];
  k.heap.forEachObject((address, cls) => { if (indexes.has(cls)) out.push(address); });
  return out;
}

function fixedArray(k: Kernel, values: readonly [bigint, number][]): number {
  const a = k.heap.allocateFixed(values.length, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
  if (a >= 0) values.forEach(([v, t], i) => setSlot(k.machine, a, i, v, t));
  return a;
}

/** The SHAPE Array for a plan: what undoing it restores. */
function shapeRecord(k: Kernel, p: Plan): number {
  const names = (list: readonly string[]): number => {
    const symbols = list.map((n) => k.symbols.intern(n));
    return symbols.some((s) => s < 0) ? -1 : fixedArray(k, symbols.map((s) => [BigInt(s), TAG_PTR]));
  };
  return k.withHolds((hold) => {
    const before = hold(names(p.before));
    const after = hold(names(p.after));
    if (before < 0 || after < 0) return -1;
    return fixedArray(k, [
      [BigInt(p.parent >= 0 ? p.parent : k.nil), TAG_PTR], [BigInt(p.format), TAG_NUM], [BigInt(p.ivars), TAG_PTR],
      [BigInt(before), TAG_PTR], [BigInt(after), TAG_PTR], [BigInt(p.metaParent >= 0 ? p.metaParent : k.nil), TAG_PTR],
    ]);
  });
}
