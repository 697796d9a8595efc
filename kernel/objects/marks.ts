/*
 * Marks, forget, and the definition log: Forth's MARKER for a whole object system.
 *
 * `mark` records the head of every behaviour's override chain, the head of the globals
 * chain, the head of the definition log and the class count, in a Mark object; marks form a
 * chain of their own, so they nest. `forget` puts every one of those heads back as the mark
 * found them: methods defined since vanish and the ones they shadowed answer again, globals
 * and classes made since are gone, and the marks made since go too. Nothing is copied or
 * mutated beyond the heads, and what was defined since is unreachable, so the collector
 * reclaims it (no leak).
 *
 *   roots.marks -> Mark "b" -> Mark "a" -> nil        forget: "a" puts back a's heads and
 *                    heads[]    heads[]                roots.marks := a.parent
 *
 * The log: one entry per definition (define, class, global, mark), newest first, each with
 * its kind, behaviour, name, source and time. A mark records the log's head; forget restores
 * it, so the log always describes the system as it is.
 */
import { arithmeticChanged } from './arithmetic.ts';
import { identityChanged } from './identity.ts';
import { indexingChanged } from './indexing.ts';
import { booleansChanged } from './booleans.ts';
import { floatsChanged } from './float-arithmetic.ts';
import { FORMAT_POINTERS, TAG_PTR } from '../machine/cells.ts';
import { setSlot, setSlotNumber, setSlotPointer, slotNumber, slotPointer } from './access.ts';
import { behaviourAt, classTable, methodsHead, setMethodsHead, walkGuard } from './classes.ts';
import type { Kernel } from './kernel.ts';
import { CLASS, LOG, MARK, ROOTS } from './layout.ts';
import { makeString } from './methods.ts';
import { undoReshapes } from './reshape.ts';
import { undoDeclarations } from './globals.ts';
import { emptySendSites } from './send.ts';

export type LogKind = 'define' | 'class' | 'global' | 'declare' | 'mark' | 'reshape';

/**
 * Make a log entry (not yet linked in: `Kernel.commitLog` links it once the definition it
 * records has been made). Returns its address or a message. `sourceString`, when not -1, is
 * a String of `source`'s text to keep instead of a new one.
 */
export function appendLog(k: Kernel, kind: LogKind, behaviour: number, name: number, source?: string, data = -1, sourceString = -1): number | string {
  const m = k.machine;
  return k.withHolds((hold) => {
    hold(behaviour);
    hold(name);
    hold(data);
    const kindSymbol = hold(k.symbols.intern(kind));
    if (kindSymbol < 0) return 'out of memory';
    hold(sourceString);
    const text = source === undefined ? k.nil : sourceString >= 0 ? sourceString : hold(makeString(k, source));
    if (text < 0) return 'out of memory';
    const entry = k.heap.allocateFixed(LOG.SIZE, FORMAT_POINTERS, CLASS.LogEntry, BigInt(k.nil), TAG_PTR);
    if (entry < 0) return 'out of memory';
    setSlotPointer(m, entry, LOG.KIND, kindSymbol);
    if (behaviour >= 0) setSlotPointer(m, entry, LOG.BEHAVIOUR, behaviour);
    if (name >= 0) setSlotPointer(m, entry, LOG.NAME, name);
    setSlotPointer(m, entry, LOG.SOURCE, text);
    setSlotNumber(m, entry, LOG.TIME, Date.now());
    setSlotPointer(m, entry, LOG.PREVIOUS, slotPointer(m, k.roots, ROOTS.LOG));
    if (data >= 0) setSlotPointer(m, entry, LOG.DATA, data);
    return entry;
  });
}

export interface LogRecord {
  readonly kind: string;
  readonly behaviour: number;
  readonly name: string;
  readonly source: string | null;
  readonly time: number;
}

/** The definition log, oldest first. */
export function readLog(k: Kernel): LogRecord[] {
  const m = k.machine;
  const out: LogRecord[] = [];
  const guard = walkGuard(k, 'the definition log');
  for (let e = slotPointer(m, k.roots, ROOTS.LOG); e >= 0 && e !== k.nil && guard(); e = slotPointer(m, e, LOG.PREVIOUS)) {
    const name = slotPointer(m, e, LOG.NAME);
    const source = slotPointer(m, e, LOG.SOURCE);
    out.push({
      kind: k.symbols.text(slotPointer(m, e, LOG.KIND)),
      behaviour: slotPointer(m, e, LOG.BEHAVIOUR),
      name: name >= 0 && name !== k.nil ? k.symbols.text(name) : '',
      source: source >= 0 && source !== k.nil ? k.textOf(source) : null,
      time: slotNumber(m, e, LOG.TIME),
    });
  }
  return out.reverse();
}

/** Make a mark named `name`. Returns the Mark, or a message. */
export function mark(k: Kernel, name: string): number | string {
  const m = k.machine;
  const classCount = k.nextClassIndex();
  return k.withHolds((hold) => {
    const symbol = hold(k.symbols.intern(name));
    if (symbol < 0) return 'out of memory';
    const heads = hold(k.heap.allocateFixed(classCount, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR));
    if (heads < 0) return 'out of memory';
    const logged = appendLog(k, 'mark', -1, symbol);
    if (typeof logged === 'string') return logged;
    hold(logged);
    const mk = k.heap.allocateFixed(MARK.SIZE, FORMAT_POINTERS, CLASS.Mark, BigInt(k.nil), TAG_PTR);
    if (mk < 0) return 'out of memory';
    // Heads are read after every allocation, so they are the heads at the moment of the mark.
    for (let i = 1; i < classCount; i++) {
      const b = behaviourAt(k, i);
      const head = b >= 0 ? methodsHead(k, b) : -1;
      if (head >= 0) setSlotPointer(m, heads, i, head);
    }
    setSlotPointer(m, mk, MARK.NAME, symbol);
    setSlotPointer(m, mk, MARK.PARENT, slotPointer(m, k.roots, ROOTS.MARKS));
    setSlotPointer(m, mk, MARK.HEADS, heads);
    setSlotPointer(m, mk, MARK.GLOBALS, slotPointer(m, k.roots, ROOTS.GLOBALS));
    setSlotPointer(m, mk, MARK.LOG, logged);
    setSlotNumber(m, mk, MARK.CLASS_COUNT, classCount);
    setSlotPointer(m, k.roots, ROOTS.MARKS, mk);
    k.commitLog(logged);
    return mk;
  });
}

/** The marks, newest first. */
export function markNames(k: Kernel): string[] {
  const m = k.machine;
  const names: string[] = [];
  const guard = walkGuard(k, 'the marks');
  for (let mk = slotPointer(m, k.roots, ROOTS.MARKS); mk >= 0 && mk !== k.nil && guard(); mk = slotPointer(m, mk, MARK.PARENT)) {
    names.push(k.symbols.text(slotPointer(m, mk, MARK.NAME)));
  }
  return names;
}

/**
 * Return the system to mark `name` (the newest mark of that name), and remove that mark and
 * every newer one. Returns null, or a message if there is no such mark.
 */
export function forget(k: Kernel, name: string): string | null {
  const m = k.machine;
  let mk = slotPointer(m, k.roots, ROOTS.MARKS);
  const guard = walkGuard(k, 'the marks');
  for (; mk >= 0 && mk !== k.nil && guard(); mk = slotPointer(m, mk, MARK.PARENT)) {
    if (k.symbols.text(slotPointer(m, mk, MARK.NAME)) === name) break;
  }
  if (mk < 0 || mk === k.nil) {
    const known = markNames(k);
    return `there is no mark named '${name}'` + (known.length ? ` (marks: ${known.join(', ')})` : ' (there are no marks)');
  }
  // Classes reshaped since the mark go back to their shapes then, their instances too.
  undoReshapes(k, slotPointer(m, mk, MARK.LOG));
  // Names declared since the mark are undeclared again (globals.ts).
  undoDeclarations(k, slotPointer(m, mk, MARK.LOG));
  const heads = slotPointer(m, mk, MARK.HEADS);
  const classCount = slotNumber(m, mk, MARK.CLASS_COUNT);
  const table = classTable(k);
  const tableSize = m.store.cells32[((table >> 3) - 1) * 2] >>> 0;
  for (let i = 1; i < tableSize; i++) {
    const b = behaviourAt(k, i);
    if (b < 0) continue;
    if (i < classCount) setMethodsHead(k, b, slotPointer(m, heads, i));
    else setSlot(m, table, i, BigInt(k.nil), TAG_PTR); // a class made since the mark
  }
  setSlotPointer(m, k.roots, ROOTS.GLOBALS, slotPointer(m, mk, MARK.GLOBALS));
  // The log goes back to before the mark's own entry.
  const markEntry = slotPointer(m, mk, MARK.LOG);
  setSlotPointer(m, k.roots, ROOTS.LOG, slotPointer(m, markEntry, LOG.PREVIOUS));
  setSlotPointer(m, k.roots, ROOTS.MARKS, slotPointer(m, mk, MARK.PARENT));
  k.cache.flush();
  emptySendSites(k);
  k.forgotten = true;
  arithmeticChanged(k);
  identityChanged(k);
  indexingChanged(k);
  booleansChanged(k);
  floatsChanged(k);
  return null;
}
