/*
 * Class facts: what native code already knows of a value's class, so that the same receiver's
 * class is not tested again at each copied send (native.ts, the unit's optimistic copy).
 *
 * A method with inlined bodies (inline-sends.ts) or leaf copies (leaf-sends.ts) is made twice
 * when that pays: an optimistic copy first, whose every slow path (a guard that fails, the send
 * an inlined operation falls back to) goes on in the ordinary copy after it, at the same op,
 * with the same frame and value stack. So on the optimistic copy's own path nothing ran but
 * copied code and the real sends it makes itself; a class test passed there stays true until
 * one of those sends (which may run anything: a definition, a become:) or a store to where the
 * value came from. A later test of the same value then reads its watch alone (is the copy still
 * the method this class finds?): three instructions where a whole test is eight.
 *
 * This walks the unit's ops as the optimistic copy is emitted, keeping for each frame slot,
 * instance variable, field of a temporary and global the class index a test found its value to
 * have, and for each value on the stack where it came from and its known class. Where control
 * meets (a label) only what every way in agrees on is kept; a label a later op jumps back to
 * (a loop's head) keeps nothing. Anything it does not model ends the facts for the unit.
 */
import type { Op, Slot } from './ir.ts';

/** A value on the value stack: the slot it still equals, and the class indexes a test found it may have. */
interface Entry { slot?: string; cls?: readonly number[] }

interface State {
  facts: Map<string, readonly number[]>;
  stack: Entry[];
  top: Entry;
}

/** The key of a slot whose value facts are kept for, or undefined. */
function keyOf(s: Slot | { readonly kind: 'number' }): string | undefined {
  switch (s.kind) {
    case 'self': return 's';
    case 'argument': return `a${s.index}`;
    case 'temp': return `t${s.index}`;
    case 'instance': return `i${s.index}`;
    case 'field': return `f${s.temp}.${s.index}`;
    case 'global': return `g${s.index}`;
    default: return undefined;
  }
}

/** The labels an op jumps to (within the optimistic copy: a guard's target is the other copy's). */
function targets(op: Op): number[] {
  switch (op.op) {
    case 'jump': case 'jumpIf': case 'intLoop': return [op.target];
    case 'send': return op.overflow !== undefined ? [op.overflow] : [];
    default: return [];
  }
}

export class ClassFacts {
  private state: State | null = { facts: new Map(), stack: [], top: {} };
  private lost = false;
  private readonly pending = new Map<number, State[]>();
  /** Labels some later op jumps back to (loop heads): nothing is known there. */
  private readonly backward = new Set<number>();
  /** Tests made cheaper (for the caller: the copy pays only when some are). */
  known = 0;

  constructor(ops: readonly Op[]) {
    const at = new Map<number, number>();
    ops.forEach((op, i) => { if (op.op === 'label') at.set(op.id, i); });
    ops.forEach((op, i) => {
      for (const t of targets(op)) if ((at.get(t) ?? Infinity) <= i) this.backward.add(t);
    });
  }

  /** The class indexes (sorted) the receiver of a send of `argc` arguments is known to be one of, or undefined. */
  receiverClass(argc: number): readonly number[] | undefined {
    const r = this.receiver(argc);
    return r?.cls;
  }

  /** A test of the receiver passed: its class index is one of `classes` from here on (until a send or a store). */
  passed(argc: number, classes: readonly number[]): void {
    const r = this.receiver(argc);
    if (!r || classes.length === 0) return;
    const cls = [...classes].sort((a, b) => a - b);
    r.cls = cls;
    if (r.slot !== undefined) this.state!.facts.set(r.slot, cls);
  }

  private receiver(argc: number): Entry | undefined {
    const s = this.state;
    if (this.lost || !s) return undefined;
    return argc === 0 ? s.top : s.stack[s.stack.length - argc];
  }

  /** A real send (or anything that may run other code) was made: nothing is known any more. */
  forgetAll(): void {
    const s = this.state;
    if (!s) return;
    s.facts.clear();
    for (const e of [...s.stack, s.top]) { e.cls = undefined; }
  }

  /** The effect of one op, after its code is emitted (`called`: its code made a call in line). */
  after(op: Op, called: boolean): void {
    if (this.lost) return;
    if (called) this.forgetAll();
    if (op.op === 'label') { this.arrive(op.id); return; }
    const s = this.state;
    if (!s) return;
    const fail = (): void => { this.lost = true; this.state = null; };
    switch (op.op) {
      case 'prologue': case 'environment': case 'guard': case 'intLoop': break;
      case 'load': {
        if (op.push) s.stack.push(s.top);
        const key = keyOf(op.from);
        s.top = { slot: key, cls: key !== undefined ? s.facts.get(key) : undefined };
        break;
      }
      case 'pushTop': s.stack.push({ ...s.top }); break;
      case 'store': this.store(s, op.to); break;
      case 'send': {
        if (op.argc > s.stack.length) { fail(); return; }
        s.stack.length -= op.argc;
        s.top = {};
        break;
      }
      case 'closure': {
        if (op.push) s.stack.push(s.top);
        s.top = {};
        break;
      }
      // (Both take the top off, and restore: the value below comes back as the top.)
      case 'pop': case 'jumpIf': {
        if (op.restore) {
          const e = s.stack.pop();
          if (!e) { fail(); return; }
          s.top = e;
        } else s.top = {};
        break;
      }
      case 'jump': case 'return': case 'nonLocalReturn': break;
      default: fail(); return;
    }
    for (const t of targets(op)) this.record(t, s);
    if (op.op === 'jump' || op.op === 'return' || op.op === 'nonLocalReturn') this.state = null;
  }

  private store(s: State, to: Slot): void {
    const key = keyOf(to);
    // What no longer holds: facts about the slot (and, for a temporary, the fields of the
    // object it held; for an instance variable or field, every one at the same index: their
    // objects may be the same one).
    const index = to.kind === 'instance' || to.kind === 'field' ? to.index : -1;
    const stale = (k: string): boolean => k === key
      || (to.kind === 'temp' && k.startsWith(`f${to.index}.`))
      || (index >= 0 && (k === `i${index}` || (k.startsWith('f') && k.endsWith(`.${index}`))));
    for (const k of [...s.facts.keys()]) if (stale(k)) s.facts.delete(k);
    for (const e of [...s.stack, s.top]) if (e.slot !== undefined && stale(e.slot)) e.slot = undefined;
    if (key === undefined) return;
    s.top.slot = key;
    if (s.top.cls !== undefined) s.facts.set(key, s.top.cls);
  }

  private record(label: number, s: State): void {
    if (this.backward.has(label)) return;
    const copy: State = { facts: new Map(s.facts), stack: s.stack.map((e) => ({ ...e })), top: { ...s.top } };
    this.pending.set(label, [...(this.pending.get(label) ?? []), copy]);
  }

  /** At a label: what every way in agrees on (a loop's head: nothing). */
  private arrive(id: number): void {
    const ways = [...(this.state ? [this.state] : []), ...(this.pending.get(id) ?? [])];
    this.pending.delete(id);
    if (ways.length === 0) { this.state = null; return; }
    const depth = ways[0].stack.length;
    if (ways.some((w) => w.stack.length !== depth)) { this.lost = true; this.state = null; return; }
    if (this.backward.has(id)) {
      this.state = { facts: new Map(), stack: ways[0].stack.map(() => ({})), top: {} };
      return;
    }
    if (ways.length === 1) { this.state = ways[0]; return; }
    const facts = new Map<string, readonly number[]>();
    const same = (a: readonly number[] | undefined, b: readonly number[]): boolean => a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
    for (const [k, c] of ways[0].facts) if (ways.every((w) => same(w.facts.get(k), c))) facts.set(k, c);
    this.state = { facts, stack: ways[0].stack.map(() => ({})), top: {} };
  }
}
