/*
 * Seeing a method, every step from source to machine code: what `Foo see: #bar` and the
 * REPL's `.see Foo>>bar` show. Everything is read back from the method object in the heap,
 * not from the compiler's memory, so a method from a saved image shows as well as a new one:
 *
 *   Foo>>bar                               the owner and selector, the back end that runs it
 *   tier                                   interpreted, or translated to WebAssembly (and when)
 *   source                                 METHOD.SOURCE
 *   threaded code                          METHOD.THREADED: (primitive, operand) pairs
 *   native code                            METHOD.CODE, disassembled, each run of
 *                                          instructions marked by its origin (METHOD.ORIGINS:
 *                                          offset, origin pairs), so an inlined primitive's
 *                                          fragment reads "; SmallInteger>>+"
 */
import { TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import type { CodeCache } from '../../kernel/machine/insn.ts';
import { disassemble } from '../../kernel/machine/x86/disassembler.ts';
import { classIndexOf, isObject, slot, slotCount, slotNumber, slotPointer, slotTag } from '../../kernel/objects/access.ts';
import { behaviourName } from '../../kernel/objects/classes.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CLASS, METHOD, METHOD_KIND, SEND_SITE } from '../../kernel/objects/layout.ts';
import { codeNames, originRuns } from './backtrace.ts';

const KIND_NAMES: Record<number, string> = {
  [METHOD_KIND.SEND]: 'a send',
  [METHOD_KIND.REGISTERS]: 'a primitive taking its arguments in registers',
  [METHOD_KIND.TOS]: 'a primitive taking its argument in rax',
};

/** Is `p` a method object? */
export function isMethod(k: Kernel, p: number): boolean {
  return p > 0 && isObject(k.machine, p) && classIndexOf(k.machine, p) === CLASS.CompiledMethod;
}

/** The full listing of the method object at `method`. */
export function seeMethod(k: Kernel, method: number): string {
  const m = k.machine;
  const owner = slotPointer(m, method, METHOD.OWNER);
  const selector = slotPointer(m, method, METHOD.SELECTOR);
  const title = `${owner > 0 && owner !== k.nil ? behaviourName(k, owner) : 'a DoIt'}>>${selector > 0 ? k.symbols.text(selector) : '?'}`;
  const kind = slotNumber(m, method, METHOD.KIND);
  const vector = slotPointer(m, method, METHOD.THREADED);
  const threaded = vector > 0 && vector !== k.nil;
  const names = codeNames(k);
  const entry = m.codeContaining(Number(slot(m, method, METHOD.ENTRY)));
  const native = m.codeContaining(Number(slot(m, method, METHOD.CODE)));
  const runsBy = threaded && entry && native && entry.addr !== native.addr ? 'threaded' : 'native';
  const out: string[] = [`${title}    (${KIND_NAMES[kind] ?? `kind ${kind}`}; runs ${runsBy} code)`, `tier: ${tierOf(k, entry ?? native)}`];

  const source = slotPointer(m, method, METHOD.SOURCE);
  out.push('', 'source:');
  if (source > 0 && source !== k.nil) for (const line of k.textOf(source).split('\n')) out.push(`  ${line}`);
  else out.push('  (none)');

  if (threaded) {
    const n = slotCount(m, vector) >> 1;
    out.push('', `threaded code (${n} pairs):`);
    for (let i = 0; i < n; i++) {
      const code = slotPointer(m, vector, 2 * i);
      const cache = code > 0 ? m.codeContaining(code) : undefined;
      const primitive = (cache && names.get(cache.addr)) ?? `code 0x${code.toString(16)}`;
      const operand = operandText(k, slot(m, vector, 2 * i + 1), slotTag(m, vector, 2 * i + 1), primitive);
      out.push(`  ${String(i).padStart(3)}: ${primitive.replace(/^Threaded>>/, '')}${operand ? ` ${operand}` : ''}`);
    }
  }

  if (native) {
    const bytes = m.codeBytes(native.addr);
    const origins = originRuns(k, method);
    out.push('', `native code (${bytes.length} bytes):`);
    let run = -1;
    for (const line of disassemble(bytes)) {
      while (run + 1 < origins.length && origins[run + 1].offset <= line.offset) run++;
      const origin = run >= 0 && origins[run].offset === line.offset ? `    ; ${origins[run].origin}` : '';
      // A literal read rip-relative from the code object's literal area: which object it is.
      const rip = /\[rip([+-]\d+)\]/.exec(line.text);
      const at = rip ? native.addr + line.offset + line.bytes.length + Number(rip[1]) : -1;
      const literal = at >= native.addr + bytes.length && at < native.addr + 8 * native.cells
        ? `    ; = ${operandText(k, m.cell(at), m.cellTag(at), 'literal:')}` : '';
      out.push(`  ${line.offset.toString(16).padStart(4, '0')}: ${line.text}${origin}${literal}`);
    }
  }
  return out.join('\n');
}

/** Which tier runs the code object now (kernel/machine/wasm). */
function tierOf(k: Kernel, code: CodeCache | undefined): string {
  const tier = k.machine.tier;
  if (!tier) return 'the interpreter only (--tier interpret)';
  if (!code) return 'none (no code)';
  if (code.translation) return `translated to WebAssembly (a function of module ${code.translation.module})`;
  if (tier.mode === 'translate') return 'interpreted until its first call (--tier translate)';
  return `interpreted (called ${code.heat} times; translated when hot, at ${tier.hotCalls})`;
}

/** A pair's operand as the reader wants it: frame offsets and counts as numbers, objects described. */
function operandText(k: Kernel, value: bigint, tag: number, primitive: string): string {
  if (tag === TAG_NUM) return value === 0n && !/[:]$/.test(primitive) ? '' : value.toString();
  if (tag === TAG_PTR && isObject(k.machine, Number(value)) && classIndexOf(k.machine, Number(value)) === CLASS.SendSite) {
    // A send's site: the selector it sends.
    return k.describe({ value: BigInt(slotPointer(k.machine, Number(value), SEND_SITE.SELECTOR)), tag: TAG_PTR });
  }
  return k.describe({ value, tag });
}
