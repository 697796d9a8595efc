/*
 * The inspection model: what `.inspect EXPR` shows of a value. An object's slots are listed
 * by name where its class names them (instance variables, or the kernel's own layouts for
 * behaviours and methods), then by index; byte objects show their text or bytes. Values are
 * described by the kernel (no code of the image runs), so inspecting never changes anything.
 *
 * Navigation (Inspection) keeps a path of values, each held in the heap's root set while it
 * is on the path (a collection may move objects between two looks), released when left.
 */
import { FORMAT_BYTES, FORMAT_CODE, FORMAT_POINTERS, FORMAT_WORDS, TAG_PTR } from '../../kernel/machine/cells.ts';
import { bytesOf, classIndexOf, formatOf, isObject, slot, slotCount, slotPointer, slotTag } from '../../kernel/objects/access.ts';
import { behaviourName } from '../../kernel/objects/classes.ts';
import type { Value } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { BEHAVIOUR, BINDING, CLASS, ENTRY, LOG, MARK, METHOD } from '../../kernel/objects/layout.ts';

export interface InspectedSlot {
  readonly label: string;
  readonly text: string;
  /** The slot's value, when it is an object one can go into. */
  readonly into: Value | null;
}

export interface InspectedView {
  /** "a Point" and what it is: its class and shape. */
  readonly title: string;
  readonly detail: string;
  readonly slots: readonly InspectedSlot[];
  /** Slots not listed (beyond the limit). */
  readonly more: number;
}

/** Slot names of the kernel's own objects, by class index. */
const KERNEL_LAYOUTS: Readonly<Partial<Record<number, readonly string[]>>> = {
  [CLASS.Behaviour]: names(BEHAVIOUR),
  [CLASS.MethodEntry]: names(ENTRY),
  [CLASS.CompiledMethod]: names(METHOD),
  [CLASS.Binding]: names(BINDING),
  [CLASS.Mark]: names(MARK),
  [CLASS.LogEntry]: names(LOG),
};

function names(layout: Readonly<Record<string, number>>): string[] {
  const out: string[] = [];
  for (const [name, index] of Object.entries(layout)) if (name !== 'SIZE') out[index] = name.toLowerCase().replace(/_(.)/g, (_, c: string) => c.toUpperCase());
  return out;
}

/** The names of an object's instance variables, from its class (inherited ones first). */
function slotNames(k: Kernel, p: number): readonly string[] {
  const cls = classIndexOf(k.machine, p);
  if (k.isBehaviour(p)) return KERNEL_LAYOUTS[CLASS.Behaviour]!;
  const layout = KERNEL_LAYOUTS[cls];
  if (layout) return layout;
  const b = k.behaviour(cls);
  if (b < 0) return [];
  const ivars = slotPointer(k.machine, b, BEHAVIOUR.IVARS);
  if (ivars < 0 || ivars === k.nil || !isObject(k.machine, ivars)) return [];
  const out: string[] = [];
  for (let i = 0; i < slotCount(k.machine, ivars); i++) {
    const s = slotPointer(k.machine, ivars, i);
    out.push(s >= 0 && s !== k.nil ? k.symbols.text(s) : String(i));
  }
  return out;
}

export function inspectValue(k: Kernel, v: Value, limit = 100): InspectedView {
  const m = k.machine;
  const title = k.describe(v);
  const p = Number(v.value);
  if (v.tag !== TAG_PTR || !isObject(m, p) || p === k.nil || p === k.true || p === k.false) {
    return { title, detail: v.tag === TAG_PTR ? 'no slots' : 'a number: no slots', slots: [], more: 0 };
  }
  const cls = classIndexOf(m, p);
  const b = k.behaviour(cls);
  const className = b >= 0 ? behaviourName(k, b) : 'a forgotten class';
  const format = formatOf(m, p);
  const n = slotCount(m, p);
  if (format === FORMAT_BYTES || format === FORMAT_CODE) {
    const bytes = bytesOf(m, p);
    const shown = [...bytes.slice(0, Math.min(bytes.length, 4 * limit))].map((x) => x.toString(16).padStart(2, '0'));
    const slots: InspectedSlot[] = [];
    for (let i = 0; i < shown.length; i += 16) slots.push({ label: `+${i.toString(16)}`, text: shown.slice(i, i + 16).join(' '), into: null });
    const what = format === FORMAT_CODE ? 'machine code' : 'bytes';
    return { title, detail: `${className}, ${bytes.length} ${what}`, slots, more: bytes.length > shown.length ? bytes.length - shown.length : 0 };
  }
  const named = format === FORMAT_POINTERS || format === FORMAT_WORDS ? slotNames(k, p) : [];
  const slots: InspectedSlot[] = [];
  for (let i = 0; i < Math.min(n, limit); i++) {
    const value = { value: slot(m, p, i), tag: slotTag(m, p, i) };
    const target = Number(value.value);
    const into = value.tag === TAG_PTR && isObject(m, target) && target !== k.nil ? value : null;
    slots.push({ label: named[i] ?? String(i + 1 - named.length), text: k.describe(value), into });
  }
  const fixed = Math.min(named.length, n);
  const plural = (k: number): string => `${k} slot${k === 1 ? '' : 's'}`;
  const shape = n === fixed ? plural(n) : fixed === 0 ? `${plural(n)}, indexed` : `${fixed} named and ${n - fixed} indexed slot${n - fixed === 1 ? '' : 's'}`;
  return { title, detail: `${className}, ${shape}`, slots, more: Math.max(0, n - limit) };
}

/**
 * An inspection: the path of values gone into, each kept alive in the heap's roots while on
 * the path, and the slot selected at each depth. Keys change it directly (it is the model the
 * screen draws), so no key is lost between two drawings.
 */
export class Inspection {
  private readonly held: number[] = [];
  private readonly selected: number[] = [];

  constructor(private readonly k: Kernel, root: Value, private readonly limit = 100) { this.push(root); }

  get depth(): number { return this.held.length; }

  /** The selected slot's index at the current depth. */
  get selection(): number { return this.selected[this.selected.length - 1] ?? 0; }

  /** The value on top, as it is now (a collection may have moved it). */
  current(): Value {
    const r = this.held[this.held.length - 1];
    return { value: this.k.heap.roots.value(r), tag: this.k.heap.roots.tag(r) };
  }

  view(): InspectedView { return inspectValue(this.k, this.current(), this.limit); }

  private push(v: Value): void {
    this.held.push(this.k.heap.roots.add(v.value, v.tag));
    this.selected.push(0);
  }

  up(): void { this.selected[this.selected.length - 1] = Math.max(0, this.selection - 1); }

  down(): void { this.selected[this.selected.length - 1] = Math.min(Math.max(0, this.view().slots.length - 1), this.selection + 1); }

  /** Go into the selected slot's object; false when it is not one. */
  enter(): boolean {
    const into = this.view().slots[this.selection]?.into;
    if (!into) return false;
    this.push(into);
    return true;
  }

  /** Back to the value before; false when at the first one. */
  back(): boolean {
    if (this.held.length <= 1) return false;
    this.k.heap.roots.release(this.held.pop()!);
    this.selected.pop();
    return true;
  }

  release(): void {
    for (const r of this.held) this.k.heap.roots.release(r);
    this.held.length = 0;
    this.selected.length = 0;
  }
}
