/*
 * The SYSTEM host service (r11 = SYSTEM at `syscall`): what the language asks of the system as
 * a whole, which the REPL's dot-commands also reach through the language (so the journal
 * records them as source). rcx picks the operation; rsi (and rdx) carry its argument; the
 * answer is in rax.
 *
 *   op  name       argument                     answer
 *   0   MARK       rsi = a name (String/Symbol)  nil (a mark of the whole system is made)
 *   1   FORGET     rsi = a name                  nil (the system is back at that mark)
 *   2   (none: the marks' names are the library's walk, SystemDictionary>>marks)
 *   3   SEE        rsi = a CompiledMethod        a String: source, threaded and native code
 *   4   SHOW       rsi = a String                nil (its text goes to the transcript)
 *   10  (none: globals are defined by the library, Binding class>>globalAt:put:; an older
 *        library that asks is told so)
 *   11  ARGUMENTS  -                             an Array of Strings: a script's arguments
 *   12  FILE_IN    rsi = a file name (String)     a handle (a SmallInteger) for FILE_IN_NEXT,
 *                                                or a String saying why the file cannot be read
 *   13  FILE_IN_NEXT rsi = a handle              the file's next step (filein-service.ts): nil
 *                                                at the end, true (a definition was made), a
 *                                                String (an error), or an Array (a method to
 *                                                run, its receiver, 'file:line')
 *   14  COMPILE    rax = a behaviour, rsi = a     the selector (a Symbol) of the method now
 *                  method's source (pattern and  defined, or a String: the syntax or compile
 *                  body, as compile: takes it)   error
 *   15  CHUNK      rsi = a CompiledMethod         a String: the method in the chunk format's
 *                                                form (pattern, then body), or nil
 *   16  WRITE_FILE rsi = a file name, rdx = the   nil, or a String saying why it could not
 *                  text (Strings)                be written
 *   17  CLOCK      rsi = 0: the time, 1: a        a SmallInteger: milliseconds since 1970 (UTC);
 *                  millisecond clock, 2: the     a millisecond clock that only goes forward;
 *                  local time zone's offset,     minutes east of UTC; microseconds of a clock
 *                  3: a microsecond clock        that only goes forward
 *   18  REMOVE     rax = a behaviour, rsi = a     true if it defined the selector (now
 *                  selector                      removed), else false
 *   19  INSTANCES  rax = a behaviour              an Array of its instances (after a
 *                                                collection, so only live ones)
 *   20  EXIT       rsi = a SmallInteger status    (stops the evaluation: Smalltalk exit:, the
 *                                                command's exit status; see SystemHost.exit)
 *   21  BECOME     rax = an object, rsi = another, nil: every reference to rax's object (and
 *                  rdx = 0 (becomeForward:) or   for become:, to rsi's) is now one to the other
 *                  1 (become:)                   (kernel/objects/become.ts); or a String: why not
 *   22  FILE_IN_TEXT rsi = source (a String)   a handle for FILE_IN_NEXT, as FILE_IN's (aStream
 *                                                fileIn, Compiler evaluate:)
 *
 * A failure (no such mark, not a String) answers a message, which the machine turns into a
 * Service fault with those words, as for every service.
 */
import { wideStringClass } from '../../kernel/objects/methods.ts';
import { writeFileSync } from 'node:fs';
import { FORMAT_BYTES, FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import type { HostService, Machine } from '../../kernel/machine/machine.ts';
import { classIndexOf, formatOf, isObject, setSlot, setSlotPointer, slotPointer } from '../../kernel/objects/access.ts';
import { behaviourIndex } from '../../kernel/objects/classes.ts';
import { removeSelector } from '../../kernel/objects/methods.ts';
import { become, becomeForward } from '../../kernel/objects/become.ts';
import type { Value } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CLASS, METHOD } from '../../kernel/objects/layout.ts';
import { newString } from '../../kernel/objects/services.ts';
import type { FileIns } from './filein-service.ts';
import { methodChunk } from './fileout.ts';
import { isMethod, seeMethod } from './see.ts';

export const SYSTEM_OP = Object.freeze({
  MARK: 0, FORGET: 1, SEE: 3, SHOW: 4, GLOBAL_PUT: 10,
  ARGUMENTS: 11, FILE_IN: 12, FILE_IN_NEXT: 13, COMPILE: 14, CHUNK: 15, WRITE_FILE: 16, CLOCK: 17, REMOVE: 18, INSTANCES: 19, EXIT: 20, BECOME: 21,
  FILE_IN_TEXT: 22,
});

const RAX = 0, RCX = 1, RDX = 2, RSI = 6;

export interface SystemHost {
  readonly kernel: Kernel;
  /** Text for the transcript (Transcript show:). */
  transcript(text: string): void;
  /** A script's arguments. */
  readonly arguments?: readonly string[];
  /** The files being read by `Smalltalk fileIn:`. */
  readonly fileIns?: FileIns;
  /** Compile and install a method given in the chunk format's form; null, or the error. */
  compileMethod?(behaviour: number, source: string): { selector: string } | string;
  /** `Smalltalk exit: status`: remember the status; the evaluation is then interrupted. */
  exit?(status: number): void;
}

export function systemService(host: SystemHost): HostService {
  const k = host.kernel;
  const pointer = (m: Machine, r: number): number => (m.store.regTags[r] === TAG_PTR ? Number(m.store.state64[r]) : -1);
  const text = (m: Machine, r: number): string | undefined => {
    const p = pointer(m, r);
    return p > 0 && isObject(m, p) && (formatOf(m, p) === FORMAT_BYTES || classIndexOf(m, p) === wideStringClass(k) || classIndexOf(m, p) === CLASS.WideSymbol) ? k.textOf(p) : undefined;
  };
  const answer = (m: Machine, p: number): null => {
    m.store.state64[RAX] = BigInt(p);
    m.store.regTags[RAX] = TAG_PTR;
    return null;
  };
  const answerString = (m: Machine, s: string): string | null => {
    const p = newString(k, s);
    return p < 0 ? 'out of memory' : answer(m, p);
  };

  return (m) => {
    // The operation: a number, or a Symbol naming it (#MARK), as the library writes it.
    const named = m.store.regTags[RCX] === TAG_PTR ? text(m, RCX) : undefined;
    const op = named !== undefined ? (SYSTEM_OP as Record<string, number>)[named] ?? -1 : Number(m.store.state64[RCX]);
    switch (op) {
      case SYSTEM_OP.MARK: {
        const name = text(m, RSI);
        if (name === undefined || name === '') return 'a mark needs a name (a String or a Symbol)';
        const r = k.mark(name);
        return typeof r === 'string' ? r : answer(m, k.nil);
      }
      case SYSTEM_OP.FORGET: {
        const name = text(m, RSI);
        if (name === undefined) return 'forget: needs the name of a mark (a String or a Symbol)';
        const r = k.forget(name);
        return r ?? answer(m, k.nil);
      }
      case SYSTEM_OP.SEE: {
        const method = pointer(m, RSI);
        if (!isMethod(k, method)) return 'see needs a CompiledMethod';
        return answerString(m, seeMethod(k, method));
      }
      case SYSTEM_OP.SHOW: {
        const s = text(m, RSI);
        if (s === undefined) return 'show: needs a String';
        host.transcript(s);
        return answer(m, k.nil);
      }
      case SYSTEM_OP.GLOBAL_PUT:
        // The library defines globals itself now (behaviour.bedrock, Binding class>>globalAt:put:).
        return 'GLOBAL_PUT is no longer a system operation: this library is older than this bedrock (globals are defined by the library itself); make the image again with this bedrock';
      case SYSTEM_OP.ARGUMENTS: return answerStrings(k, m, host.arguments ?? [], false);
      case SYSTEM_OP.FILE_IN: {
        const name = text(m, RSI);
        if (name === undefined) return 'fileIn: needs a file name (a String)';
        if (host.fileIns === undefined) return 'files cannot be read here';
        const h = host.fileIns.open(name);
        if (typeof h === 'string') return answerString(m, h);
        m.store.state64[RAX] = BigInt(h);
        m.store.regTags[RAX] = TAG_NUM;
        return null;
      }
      case SYSTEM_OP.FILE_IN_TEXT: {
        const source = text(m, RSI);
        if (source === undefined) return 'evaluate: and fileIn read source given as a String';
        if (host.fileIns === undefined) return 'source cannot be read here';
        m.store.state64[RAX] = BigInt(host.fileIns.openText(source, 'a String'));
        m.store.regTags[RAX] = TAG_NUM;
        return null;
      }
      case SYSTEM_OP.FILE_IN_NEXT: {
        if (host.fileIns === undefined || m.store.regTags[RSI] !== TAG_NUM) return 'not a file being read';
        const step = host.fileIns.step(Number(m.store.state64[RSI]));
        if (typeof step === 'string') return step;
        switch (step.kind) {
          case 'end': return answer(m, k.nil);
          case 'defined': return answer(m, k.true);
          case 'error': return answerString(m, step.text);
          case 'doit': return answerTriple(k, m, step.method, step.receiver, step.place);
        }
        return null;
      }
      case SYSTEM_OP.COMPILE: {
        const b = pointer(m, RAX);
        const source = text(m, RSI);
        if (b < 0 || !k.isBehaviour(b)) return 'compile: is sent to a class';
        if (source === undefined) return "compile: needs the method's source (a String)";
        if (host.compileMethod === undefined) return 'methods cannot be compiled here';
        const r = host.compileMethod(b, source);
        if (typeof r === 'string') return answerString(m, r);
        const sym = k.symbols.intern(r.selector);
        return sym < 0 ? 'out of memory' : answer(m, sym);
      }
      case SYSTEM_OP.CHUNK: {
        const method = pointer(m, RSI);
        if (!isMethod(k, method)) return 'not a CompiledMethod';
        const source = slotPointer(m, method, METHOD.SOURCE);
        const chunk = source > 0 && source !== k.nil ? methodChunk(k.textOf(source)) : null;
        return chunk === null ? answer(m, k.nil) : answerString(m, chunk);
      }
      case SYSTEM_OP.WRITE_FILE: {
        const name = text(m, RSI);
        const contents = text(m, RDX);
        if (name === undefined || contents === undefined) return 'writing a file needs its name and its text (Strings)';
        try {
          writeFileSync(name, contents, 'utf8');
          return answer(m, k.nil);
        } catch (e) {
          return answerString(m, `cannot write ${name}: ${(e as Error).message}`);
        }
      }
      case SYSTEM_OP.CLOCK: {
        const which = m.store.regTags[RSI] === TAG_NUM ? Number(m.store.state64[RSI]) : -1;
        const now = which === 0 ? Date.now() : which === 1 ? Math.floor(performance.now()) : which === 2 ? -new Date().getTimezoneOffset()
          : which === 3 ? Math.floor(performance.now() * 1000) : NaN;
        if (Number.isNaN(now)) return 'the clock is asked for 0 (the time), 1 (a millisecond clock), 2 (the time zone) or 3 (a microsecond clock)';
        m.store.state64[RAX] = BigInt(now);
        m.store.regTags[RAX] = TAG_NUM;
        return null;
      }
      case SYSTEM_OP.EXIT: {
        if (m.store.regTags[RSI] !== TAG_NUM) return 'exit: takes a SmallInteger status';
        const status = Number(m.store.state64[RSI]);
        if (!host.exit) return 'there is nothing to exit from here';
        host.exit(status < 0 || status > 255 ? 1 : status);
        m.requestInterrupt();
        return answer(m, k.nil);
      }
      case SYSTEM_OP.REMOVE: {
        const b = pointer(m, RAX);
        const selector = pointer(m, RSI);
        if (b < 0 || !k.isBehaviour(b)) return 'removeSelector: is sent to a class';
        if (selector < 0 || !k.symbols.isSymbol(selector)) return 'removeSelector: needs a Symbol';
        const r = removeSelector(k, b, selector);
        if (typeof r === 'string') return r;
        return answer(m, r === null ? k.false : k.true);
      }
      case SYSTEM_OP.INSTANCES: {
        const b = pointer(m, RAX);
        if (b < 0 || !k.isBehaviour(b)) return 'allInstances is sent to a class';
        return answerInstances(k, m, b);
      }
      case SYSTEM_OP.BECOME: {
        const reg = (r: number): Value => ({ value: m.store.state64[r], tag: m.store.regTags[r] });
        const swap = m.store.regTags[RDX] === TAG_NUM && m.store.state64[RDX] === 1n;
        const refused = swap ? become(k, reg(RAX), reg(RSI)) : becomeForward(k, reg(RAX), reg(RSI));
        return refused === null ? answer(m, k.nil) : answerString(m, refused);
      }
      default: return `no system operation ${op}`;
    }
  };
}

/**
 * An Array of the live instances of behaviour `b`: a collection first (so the dead ones are
 * gone), then a walk of the heap; each found is held in a root while the Array is made.
 */
function answerInstances(k: Kernel, m: Machine, b: number): string | null {
  const index = behaviourIndex(k, b);
  const root = k.heap.roots.add(BigInt(b), TAG_PTR);
  k.heap.collect('major');
  const found: number[] = [];
  k.heap.forEachObject((address, cls) => { if (cls === index) found.push(address); });
  const held = found.map((a) => k.heap.roots.add(BigInt(a), TAG_PTR));
  try {
    const array = k.heap.allocate(held.length, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
    if (array < 0) return 'out of memory';
    held.forEach((h, i) => setSlot(m, array, i, k.heap.roots.value(h), TAG_PTR));
    m.store.state64[RAX] = BigInt(array);
    m.store.regTags[RAX] = TAG_PTR;
    return null;
  } finally {
    for (const h of held) k.heap.roots.release(h);
    k.heap.roots.release(root);
  }
}

/** An Array of a method, its receiver and a new String (a statement of a file to run). */
function answerTriple(k: Kernel, m: Machine, method: number, receiver: Value, place: string): string | null {
  const held = [k.heap.roots.add(BigInt(method), TAG_PTR), k.heap.roots.add(receiver.value, receiver.tag)];
  try {
    const array = k.heap.allocate(3, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
    if (array < 0) return 'out of memory';
    const a = k.heap.roots.add(BigInt(array), TAG_PTR);
    try {
      const s = newString(k, place);
      if (s < 0) return 'out of memory';
      const arr = Number(k.heap.roots.value(a));
      setSlot(m, arr, 0, k.heap.roots.value(held[0]), TAG_PTR);
      setSlot(m, arr, 1, k.heap.roots.value(held[1]), k.heap.roots.tag(held[1]));
      setSlotPointer(m, arr, 2, s);
      m.store.state64[RAX] = BigInt(arr);
      m.store.regTags[RAX] = TAG_PTR;
      return null;
    } finally {
      k.heap.roots.release(a);
    }
  } finally {
    for (const h of held) k.heap.roots.release(h);
  }
}

/** An Array of new Strings (or Symbols), made with the array held across each allocation. */
function answerStrings(k: Kernel, m: Machine, texts: readonly string[], symbols: boolean): string | null {
  const array = k.heap.allocate(texts.length, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
  if (array < 0) return 'out of memory';
  const root = k.heap.roots.add(BigInt(array), TAG_PTR);
  try {
    for (let i = 0; i < texts.length; i++) {
      const s = symbols ? k.symbols.intern(texts[i]) : newString(k, texts[i]);
      if (s < 0) return 'out of memory';
      setSlotPointer(m, Number(k.heap.roots.value(root)), i, s);
    }
    m.store.state64[RAX] = k.heap.roots.value(root);
    m.store.regTags[RAX] = TAG_PTR;
    return null;
  } finally {
    k.heap.roots.release(root);
  }
}
