/*
 * Forth on Bedrock's machine: the second front end (DESIGN.md section 9).
 *
 * One dictionary, two languages: every Forth word is a CompiledMethod of the class `Forth`
 * (selector: its name in upper case), installed with the kernel's `define`, so redefinition
 * shadows along the override chain, `mark`/`forget` (Forth's MARKER, the REPL's .mark/.forget)
 * take words away and bring shadowed ones back, and images keep them. A word's code is a code
 * object: a primitive (machine code, primitives.ts), a colon definition's native code made
 * from its threaded vector (native.ts; the vector is the kernel's (code, operand) pair format)
 * or, for one native code cannot do, a docol stub that runs the vector by VM run:'s loop, a host
 * word (a stub that enters the FORTH service, for what the text interpreter and compiler do),
 * or a stub made by CREATE, CONSTANT, VALUE, DEFER or DOES>. An execution token is a pointer to
 * the code object: EXECUTE calls it.
 *
 * The text interpreter is INTERPRET, a machine-code loop that asks the FORTH service for the
 * next thing to do: the service parses a name from the input source, compiles it or a number
 * into the definition being made, pushes a number, or answers a word for the loop to call.
 * So the data stack is the machine's value stack all along, and words run on the machine,
 * interpreted or translated by its tiers like any code.
 *
 * Errors are gforth's: an undefined word, a stack underflow (also one a machine-code word made:
 * the interpreter checks the depth after every word), a division by zero or an invalid memory
 * address end the line with a message; the stacks are emptied and the system goes on.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FORMAT_POINTERS, FORMAT_WORDS, TAG_NUM, TAG_PTR, TAG_STACK } from '../../kernel/machine/cells.ts';
import type { Fault } from '../../kernel/machine/faults.ts';
import type { Machine } from '../../kernel/machine/machine.ts';
import type { Insn } from '../../kernel/machine/insn.ts';
import { assemble, formatAsmError } from '../../kernel/machine/x86/assembler.ts';
import { classIndexOf, isObject, setSlot, setSlotPointer, slotCount, slotNumber, slotPointer, slot, slotTag } from '../../kernel/objects/access.ts';
import { behaviourIndex, behaviourName, methodsHead } from '../../kernel/objects/classes.ts';
import { bindingValue, defineGlobal, findBinding } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CLASS, ENTRY, METHOD, METHOD_KIND, ROOTS, SERVICE, isSymbolClass } from '../../kernel/objects/layout.ts';
import { define, makeMethod, makeString, placeCode, wideStringClass } from '../../kernel/objects/methods.ts';
import { formatSyntaxError } from '../lang/ast.ts';
import { parse } from '../lang/parser.ts';
import { projectFile } from '../../bootstrap/project-files.ts';
import type { Bedrock } from '../system/bedrock.ts';
import { disassemble } from '../../kernel/machine/x86/disassembler.ts';
import { docol, FLOAT_PRIMITIVES, FLOAT_RUNTIME, FMARGIN, FSTACK_CELLS, FVAR, hostStub, interpretLoop, NEXT_LOOP, ORIGIN, PRIMITIVES, RUNTIME } from './primitives.ts';
import { bitsOf, doubleOf } from '../../kernel/machine/sse.ts';
import { fdot, fedot, fsdot, fdotS, parseFloat as parseForthFloat, represent } from './floats.ts';
import { compileNative, type Callee, type MachineWord, type NativePair, type NativeResult } from './native.ts';
import { itemsAt } from '../compiler/native.ts';
import { assembleItems } from '../../kernel/machine/x86/assembler.ts';
import { isInstruction } from '../compiler/peephole.ts';

/** Where the Forth system keeps its state in the heap: the global ForthSystem, a fixed Array. */
export const FS = Object.freeze({ DATA: 0, RS: 1, KEEP: 2, HEAP: 3, SIZE: 4 });
/** ALLOCATE's blocks: address HEAP_ORIGIN + block number * 2^32 + byte offset (primitives.ts). */
const HEAP_ORIGIN = 2 ** 40;
const BLOCK_SPAN = 2 ** 32;
/** The largest block ALLOCATE or RESIZE makes, in bytes. */
const BLOCK_MAX = 1 << 24;
/** Cells of the data space and of the return stack. */
const DATA_CELLS = 1 << 17;
const RS_CELLS = 1 << 16;
/** Byte offsets in the data space. */
export const VAR = Object.freeze({ BASE: 8, STATE: 16, IN: 24, DP: 32, HLD: 40, STRINGS: 48, CURRENT: 56, ORDER_COUNT: 64, ORDER: 72, WORDLISTS: 200, BLK: 208, SCR: 216 });
/** The Block word set: block buffers (ALLOCATE's blocks), and the file that holds the blocks. */
const BLOCK_BUFFERS = 8;
const BLOCK_FILE = 'blocks.fb';
/** The longest search order (the ORDER cells, first searched first). */
const ORDER_MAX = 16;
/** FORTH-WORDLIST: the class Forth; wordlist n > 1 is the class ForthWordlistN. */
const FORTH_WID = 1;
const TIB = 256, TIB_SIZE = 4096, WORD_BUFFER = 4352, HOLD_END = 4864, PAD = 4864, TRANSIENT = 5632, TRANSIENT_SIZE = 1024;
const DICTIONARY = 8192;
/** Compiled strings are kept at the top of the data space, growing down. */
const STRINGS_TOP = DATA_CELLS * 8;
const STRINGS_SIZE = 1 << 18;

const RAX = 0, RCX = 1, RSP = 4, RBP = 5, RSI = 6, R11 = 11, R14 = 14, R15 = 15;
const MASK = (1n << 64n) - 1n;
const signed = (v: bigint): bigint => BigInt.asIntN(64, v);

type Kind = 'primitive' | 'runtime' | 'host' | 'colon' | 'create' | 'constant' | 'value' | '2value' | 'fvalue' | 'defer' | 'does';

export interface Word {
  readonly name: string;
  readonly method: number;
  readonly code: number;
  readonly immediate: boolean;
  readonly kind: Kind;
  /** Data field (CREATE, VARIABLE, DOES>), a Forth address; -1 when none. */
  readonly body: number;
  /** The cell of a CONSTANT, VALUE or DEFER (an absolute address), or the vector's cell of a colon definition. */
  readonly cell: number;
  /** The wordlist it is in (FORTH_WID, or another's number); 0 for a word without a name. */
  readonly wid: number;
}

class ForthError extends Error {
  /** The THROW code, when it is not the one its message stands for (THROW itself). */
  code?: number;
  constructor(message: string, readonly silent = false) { super(message); }
}

interface Source {
  readonly kind: 'file' | 'evaluate' | 'user' | 'block';
  readonly name: string;
  lines: readonly string[];
  /** Index of the current line in `lines`. */
  line: number;
  text: string;
  /** The Forth address of the text (the TIB for files and the user, the string for EVALUATE, the buffer for LOAD). */
  address: number;
  /** The block LOAD interprets (BLK), or 0. */
  block?: number;
  /** >IN of this source while another is on top. */
  savedIn: number;
  readonly id: number;
}

interface Pair { code: number; operand: bigint; tag: number }

/** A call from Smalltalk into Forth: where its data stack begins, and what to restore. */
interface Frame { readonly id: number; readonly base: number; readonly previousBase: number; readonly sources: number }
// (base and previousBase are distances from the stack's top end, as Forth.baseFromTop.)

/** CATCH's code: a frame, a call of the xt, (UNCATCH); a THROW lands after the call (Forth.unwind). */
function catchStub(op: number, service: number): string {
  return `pop r13; mov rcx, ${op}; mov r11, ${service}; syscall; mov rcx, r11; call rcx; mov rcx, ${op + 1}; mov r11, ${service}; syscall; jmp r13`;
}

/** The number of arguments of a selector: 0 unary, 1 binary, one per keyword; -1 if none. */
function arityOf(selector: string): number {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(selector)) return 0;
  if (/^([A-Za-z_][A-Za-z0-9_]*:)+$/.test(selector)) return selector.split(':').length - 1;
  if (/^[-+*\/\\<>=~@%|&?,]+$/.test(selector)) return 1;
  return -1;
}

interface Definition {
  name: string;
  pairs: Pair[];
  leaves: number[][];
  /** The literal cell that will hold the vector, and the stub (made at the start, for RECURSE). */
  literals: number;
  stub: number;
  noname: boolean;
  /** Its locals (upper case; index = place in the frame), and the DO loops open where they were made. */
  locals: string[];
  localsLoops: number;
  /** (LOCAL)'s names so far, before the (LOCAL) of length 0 makes them. */
  pendingLocals: string[];
  sourceName: string;
  sourceText: string[];
  startLine: number;
}

/** Operations of the FORTH service (r11 = FORTH, rcx = op); host words are the ones with names. */
const HOST_WORDS: readonly { name: string; immediate?: boolean }[] = [
  { name: '(NEXT)' }, { name: ':' }, { name: ';', immediate: true }, { name: 'IMMEDIATE' }, { name: 'CREATE' }, { name: 'VARIABLE' },
  { name: 'CONSTANT' }, { name: 'VALUE' }, { name: 'TO', immediate: true }, { name: "'" }, { name: "[']", immediate: true },
  { name: 'CHAR' }, { name: '[CHAR]', immediate: true }, { name: 'POSTPONE', immediate: true }, { name: 'LITERAL', immediate: true },
  { name: 'S"', immediate: true }, { name: '."', immediate: true }, { name: '(', immediate: true }, { name: '\\', immediate: true },
  { name: '.(', immediate: true }, { name: 'IF', immediate: true }, { name: 'ELSE', immediate: true }, { name: 'THEN', immediate: true },
  { name: 'BEGIN', immediate: true }, { name: 'UNTIL', immediate: true }, { name: 'WHILE', immediate: true }, { name: 'REPEAT', immediate: true },
  { name: 'AGAIN', immediate: true }, { name: 'DO', immediate: true }, { name: '?DO', immediate: true }, { name: 'LOOP', immediate: true },
  { name: '+LOOP', immediate: true }, { name: 'LEAVE', immediate: true }, { name: 'CASE', immediate: true }, { name: 'OF', immediate: true },
  { name: 'ENDOF', immediate: true }, { name: 'ENDCASE', immediate: true }, { name: 'RECURSE', immediate: true }, { name: '[', immediate: true },
  { name: ']' }, { name: 'EXIT', immediate: true }, { name: 'DOES>', immediate: true }, { name: '(DOES>)' }, { name: '>BODY' },
  { name: 'FIND' }, { name: 'WORD' }, { name: 'PARSE' }, { name: 'PARSE-NAME' }, { name: 'SOURCE' }, { name: 'REFILL' },
  { name: 'SOURCE-ID' }, { name: '(EVALUATE)' }, { name: '(END-SOURCE)' }, { name: '(INCLUDED)' },
  { name: 'DEPTH' }, { name: 'HERE' }, { name: 'ALLOT' }, { name: ',' }, { name: 'C,' }, { name: 'ALIGN' }, { name: 'UNUSED' },
  { name: 'EMIT' }, { name: 'TYPE' }, { name: 'CR' }, { name: 'SPACE' }, { name: 'SPACES' }, { name: '.' }, { name: 'U.' },
  { name: '.R' }, { name: 'U.R' }, { name: '<#' }, { name: '#' }, { name: '#S' }, { name: '#>' }, { name: 'HOLD' }, { name: 'HOLDS' },
  { name: 'SIGN' }, { name: '>NUMBER' }, { name: 'ACCEPT' }, { name: 'KEY' }, { name: 'ENVIRONMENT?' }, { name: 'FILL' },
  { name: 'MOVE' }, { name: 'CMOVE' }, { name: 'CMOVE>' }, { name: 'ABORT' }, { name: 'ABORT"', immediate: true }, { name: '(ABORT")' },
  { name: 'COMPILE,' }, { name: ':NONAME' }, { name: 'C"', immediate: true }, { name: 'S\\"', immediate: true }, { name: 'BUFFER:' },
  { name: 'DEFER' }, { name: 'IS', immediate: true }, { name: 'ACTION-OF', immediate: true }, { name: 'DEFER@' }, { name: 'DEFER!' },
  { name: 'MARKER' }, { name: '(MARKER)' }, { name: 'SEE' }, { name: 'WORDS' }, { name: 'BYE' }, { name: '[COMPILE]', immediate: true },
  { name: 'SAVE-INPUT' }, { name: 'RESTORE-INPUT' }, { name: 'QUIT' }, { name: 'PAD' }, { name: '+TO', immediate: true },
  { name: 'D.' }, { name: 'D.R' }, { name: '(POSTPONE)' }, { name: '(S")' }, { name: 'SEND' }, { name: 'SMALLTALK' },
  { name: '(ENTER)' }, { name: '.S' }, { name: '(LEAVE)' },
  // Smalltalk's way in (Forth class>>run:with:) and SMALLTALK's way out; appended, so that the
  // operation numbers in existing words' stubs stay what they were.
  { name: '(ST-ENTER)' }, { name: '(ST-LEAVE)' }, { name: '(ST-DONE)' }, { name: '>STRING' }, { name: 'STRING>' },
  { name: 'CATCH' }, { name: '(UNCATCH)' }, { name: 'THROW' }, { name: 'M*/' }, { name: 'SLITERAL', immediate: true },
  { name: '2VALUE' }, { name: 'UNESCAPE' }, { name: 'SUBSTITUTE' }, { name: 'REPLACES' },
  { name: '[IF]', immediate: true }, { name: '[ELSE]', immediate: true }, { name: '[THEN]', immediate: true },
  { name: '[DEFINED]', immediate: true }, { name: '[UNDEFINED]', immediate: true }, { name: 'AHEAD', immediate: true },
  { name: 'SYNONYM' }, { name: 'DUMP' }, { name: 'MS' }, { name: 'TIME&DATE' }, { name: 'KEY?' },
  { name: 'GET-ORDER' }, { name: 'SET-ORDER' }, { name: 'GET-CURRENT' }, { name: 'SET-CURRENT' }, { name: 'WORDLIST' },
  { name: 'SEARCH-WORDLIST' }, { name: 'DEFINITIONS' }, { name: 'ALSO' }, { name: 'ONLY' }, { name: 'PREVIOUS' },
  { name: 'FORTH' }, { name: 'ORDER' }, { name: 'FORTH-WORDLIST' }, { name: '(WL-FIRST)' }, { name: '(WL-NEXT)' },
  { name: 'NAME>STRING' }, { name: 'NAME>INTERPRET' }, { name: 'NAME>COMPILE' },
  { name: '{:', immediate: true }, { name: '(LOCAL)' }, { name: 'LOCALS|', immediate: true },
  { name: 'ALLOCATE' }, { name: 'FREE' }, { name: 'RESIZE' },
  { name: 'CREATE-FILE' }, { name: 'OPEN-FILE' }, { name: 'CLOSE-FILE' }, { name: 'READ-FILE' }, { name: 'READ-LINE' },
  { name: 'WRITE-FILE' }, { name: 'WRITE-LINE' }, { name: 'FILE-POSITION' }, { name: 'REPOSITION-FILE' }, { name: 'FILE-SIZE' },
  { name: 'RESIZE-FILE' }, { name: 'DELETE-FILE' }, { name: 'RENAME-FILE' }, { name: 'FILE-STATUS' }, { name: 'FLUSH-FILE' },
  { name: '(INCLUDE-FILE)' }, { name: '(REQUIRED)' },
  { name: 'BLOCK' }, { name: 'BUFFER' }, { name: 'UPDATE' }, { name: 'SAVE-BUFFERS' }, { name: 'EMPTY-BUFFERS' },
  { name: 'FLUSH' }, { name: '(LOAD)' }, { name: 'LIST' },
  // The Floating-Point word set's host words (floats.ts formats and reads the numbers).
  { name: 'F.' }, { name: 'FE.' }, { name: 'FS.' }, { name: 'F.S' }, { name: 'REPRESENT' }, { name: '>FLOAT' },
  { name: 'PRECISION' }, { name: 'SET-PRECISION' }, { name: 'FLITERAL', immediate: true }, { name: 'FVALUE' },
  { name: '(FSEND)' }, { name: '(F-DONE)' },
];

/** The standard's THROW codes for the errors the system itself raises (gforth's words). */
const THROW_CODES: Record<string, number> = {
  'Aborted': -1, 'Stack overflow': -3, 'Stack underflow': -4, 'Return stack overflow': -5, 'Return stack underflow': -6,
  'Dictionary overflow': -8, 'Invalid memory address': -9, 'Division by zero': -10, 'Result out of range': -11,
  'Undefined word': -13, 'Interpreting a compile-only word': -14, 'Attempt to use zero-length string as a name': -16,
  'Pictured numeric output string overflow': -17, 'Unstructured: control structure mismatch': -22,
  'Floating-point stack overflow': -44, 'Floating-point stack underflow': -45, 'Search-order overflow': -49, 'Search-order underflow': -50, 'File I/O exception': -37, 'Non-existent file': -38,
};
const THROW_MESSAGES = new Map(Object.entries(THROW_CODES).map(([m, c]) => [c, m]));

/** What CATCH keeps to go back to when something in it THROWs. */
interface CatchFrame {
  /** The data stack's depth without the xt. */
  readonly depth: number;
  /** r15 with CATCH's return address pushed; rbp and rbx as they were. */
  readonly r15: bigint;
  readonly rbp: { value: bigint; tag: number };
  readonly rbx: bigint;
  /** Input sources then, and Smalltalk's calls into Forth then (a THROW does not cross one). */
  readonly sources: number;
  readonly level: number;
  /** The float stack's offset (gforth's CATCH puts it back too). */
  readonly fp: bigint;
}
const OP = Object.fromEntries(HOST_WORDS.map((w, i) => [w.name, i])) as Record<string, number>;

/** Forth's part of `.see`, WORDS and the like, and the outcome of interpreting text. */
export interface ForthOutcome {
  readonly ok: boolean;
  /** What the program printed. */
  readonly output: string;
  /** gforth's words for the error, with the place ("file:3: Undefined word\n  foo >>>bar<<<"). */
  readonly error?: string;
  /** The data stack afterwards, bottom first (as gforth's .s shows it). */
  readonly stack: readonly string[];
  readonly bye?: boolean;
}

/** A Forth system in a running Bedrock. */
export class Forth {
  private readonly k: Kernel;
  private readonly m: Machine;
  private fs = -1;
  private forthClass = -1;
  private nextCode = -1;
  private interpretCode = -1;
  private readonly runtime = new Map<string, number>();
  /** Words by upper-case name and by code object; rebuilt from the chain when the system changed. */
  private names = new Map<string, Word>();
  /** Each wordlist's words by name (FORTH_WID's is `names`). */
  private lists = new Map<number, Map<string, Word>>();
  private byCode = new Map<number, Word>();
  private epoch = -1n;
  private latest: Word | null = null;
  private definition: Definition | null = null;
  private sources: Source[] = [];
  /**
   * The bottom of the data stack (an address on the machine stack), kept as its distance
   * from the stack's top end: a stack that grows is moved, its top end with it.
   */
  private baseFromTop = 0;
  private get base(): number { return this.m.stackHi - this.baseFromTop; }
  private set base(a: number) { this.baseFromTop = this.m.stackHi - a; }
  private output = '';
  private error: ForthError | null = null;
  private bye = false;
  private transientFlip = 0;
  /** The data stack between two pieces of text (the REPL's lines), as heap roots. */
  private saved: number[] = [];
  private fileIds = 0;
  /** Where output goes as it is made (bedrock run prints as it goes); otherwise it is kept for the outcome. */
  sink: ((text: string) => void) | null = null;

  private constructor(readonly bedrock: Bedrock) {
    this.k = bedrock.kernel;
    this.m = this.k.machine;
  }

  /** The Forth system of `bedrock`: made (primitives, core.fs) the first time, found in an image after. */
  static of(bedrock: Bedrock): Forth | string {
    const known = forths.get(bedrock);
    if (known) return known;
    const f = new Forth(bedrock);
    const r = f.attach();
    if (typeof r === 'string') return r;
    forths.set(bedrock, f);
    return f;
  }

  /**
   * The Forth system of `bedrock` if its image has one (found, not made: this may be called
   * from inside a running evaluation, by the FORTH service of a reopened image).
   */
  static existing(bedrock: Bedrock): Forth | string {
    const known = forths.get(bedrock);
    if (known) return known;
    if (findBinding(bedrock.kernel, 'ForthSystem') < 0) return 'this image has no Forth system (use Forth first: .forth, or bedrock run FILE.fs)';
    return Forth.of(bedrock);
  }

  // ---- making the system ---------------------------------------------------------------

  private attach(): string | null {
    const k = this.k;
    this.m.services[SERVICE.FORTH] = (m) => this.service(m);
    this.bedrock.onAfresh.push(() => this.afresh());
    const existing = findBinding(k, 'ForthSystem');
    if (existing >= 0) {
      const v = bindingValue(k, existing);
      if (v.tag === TAG_PTR) {
        this.fs = Number(v.value);
        this.forthClass = k.behaviourNamed('Forth');
        this.refresh();
        this.nextCode = this.wordCode('(NEXT-LOOP)');
        this.interpretCode = this.wordCode('INTERPRET');
        if (this.getVar(VAR.WORDLISTS) === 0n) this.initialOrder();
        this.addMissing();
        for (const r of [...RUNTIME, ...FLOAT_RUNTIME]) this.runtime.set(r.name, this.wordCode(r.name));
        this.findCatchLanding();
        this.watchFaults();
        if (!this.system('FVARIABLE')) {
          // An image made before the Floating-Point word set: its words in Forth now.
          const r = this.interpret(readFileSync(projectFile('bootstrap/forth/float.fs'), 'utf8'), 'float.fs');
          if (!r.ok) return `bootstrap/forth/float.fs: ${r.error}`;
        }
        return null;
      }
    }
    return this.create();
  }

  /**
   * A machine fault in a Forth word inside a CATCH (a division by zero, an address outside the
   * data space) is THROWn as the standard says (-10, -9); any other goes on to the kernel's
   * handler (which makes it a Smalltalk exception).
   */
  private watchFaults(): void {
    const m = this.m;
    const inner = m.faultHandler;
    m.faultHandler = (f) => {
      let code = 0;
      if (f.kind === 'Service' && this.pendingThrow !== null) code = this.pendingThrow;
      else if (this.byCode.has(f.code) || f.code === this.nextCode) {
        const rs = returnStackFault(m, f);
        code = f.kind === 'DivideError' ? (/zero/.test(f.message) ? -10 : -11) : rs ? THROW_CODES[rs] : f.kind === 'Bounds' || f.kind === 'Tag' ? -9 : 0;
      }
      this.pendingThrow = null;
      if (code !== 0 && this.catchable()) {
        const landing = this.unwind(code);
        if (landing) return landing;
      }
      return inner ? inner(f) : null;
    };
  }

  /** The search order FORTH-WORDLIST alone, definitions into it, no other wordlist yet. */
  private initialOrder(): void {
    this.setVar(VAR.WORDLISTS, 1n);
    this.setVar(VAR.CURRENT, BigInt(FORTH_WID));
    this.setOrder([FORTH_WID]);
  }

  /** The search order, first searched first. */
  private getOrder(): number[] {
    const n = Number(this.getVar(VAR.ORDER_COUNT));
    const out: number[] = [];
    for (let i = 0; i < n && i < ORDER_MAX; i++) out.push(Number(this.getVar(VAR.ORDER + 8 * i)));
    return out;
  }

  private setOrder(wids: readonly number[]): void {
    if (wids.length > ORDER_MAX) throw new ForthError('Search-order overflow');
    for (const w of wids) this.wordlistClass(w);
    wids.forEach((w, i) => this.setVar(VAR.ORDER + 8 * i, BigInt(w)));
    this.setVar(VAR.ORDER_COUNT, BigInt(wids.length));
  }

  /** The class a wordlist's words are methods of. */
  private wordlistClass(wid: number): number {
    if (wid === FORTH_WID) return this.forthClass;
    const n = Number(this.getVar(VAR.WORDLISTS));
    const c = Number.isSafeInteger(wid) && wid > 1 && wid <= n ? this.k.behaviourNamed(`ForthWordlist${wid}`) : -1;
    if (c < 0) throw new ForthError(`${wid} is not a wordlist`);
    return c;
  }

  private get current(): number { return Number(this.getVar(VAR.CURRENT)); }

  /** WORDLIST: a new class, ForthWordlistN (a global), whose methods are the new wordlist's words. */
  private newWordlist(): number {
    const k = this.k;
    const wid = Number(this.getVar(VAR.WORDLISTS)) + 1;
    const name = `ForthWordlist${wid}`;
    let b = k.behaviourNamed(name);
    if (b < 0) {
      const made = k.makeBehaviour({ name, parent: k.behaviourNamed('Object') });
      if (typeof made === 'string') throw new ForthError(made);
      const g = defineGlobal(k, name, k.object(made));
      if (typeof g === 'string') throw new ForthError(g);
      b = made;
    }
    this.setVar(VAR.WORDLISTS, BigInt(wid));
    this.epoch = -1n;
    return wid;
  }

  /** The data space is slot DATA of the Forth system object, which the code names as a literal. */
  private static dataAccess(text: string): string {
    return text.replace(/mov (r\w+), \[(DATA|HEAP)\]/g, (_, r: string, which: string) => `mov ${r}, [rip+FORTH]; mov ${r}, [${r}+${8 * (which === 'DATA' ? FS.DATA : FS.HEAP)}]`);
  }

  /** An image made by an older system: the machine-code and host words added since are made now. */
  private addMissing(): void {
    const current = this.current;
    this.setVar(VAR.CURRENT, BigInt(FORTH_WID));
    for (const p of [...PRIMITIVES, ...FLOAT_PRIMITIVES]) if (!this.system(p.name)) this.primitive(p.name, Forth.dataAccess(p.asm), 'primitive');
    for (const r of [...RUNTIME, ...FLOAT_RUNTIME]) if (!this.system(r.name)) this.primitive(r.name, Forth.dataAccess(r.asm), 'runtime');
    HOST_WORDS.forEach((w, i) => { if (i > 0 && !this.system(w.name)) this.primitive(w.name, Forth.hostStubs()[w.name] ?? hostStub(i, SERVICE.FORTH), 'host', w.immediate); });
    this.floatStack();
    for (const [name, offset] of [['BLK', VAR.BLK], ['SCR', VAR.SCR]] as const) {
      if (!this.system(name)) this.install(name, `pop r13; push rax; mov rax, ${ORIGIN + offset}; jmp r13`, 'create', { body: ORIGIN + offset });
    }
    this.setVar(VAR.CURRENT, BigInt(current));
  }

  private findCatchLanding(): void {
    const w = this.system('CATCH');
    const head = assemble(catchStub(OP.CATCH, SERVICE.FORTH).split('; call rcx;')[0] + '; call rcx');
    this.catchLanding = w && head.ok ? w.code + head.bytes.length : -1;
  }

  private wordCode(name: string): number {
    const w = this.system(name);
    if (!w) throw new Error(`the Forth system has no ${name}`);
    return w.code;
  }

  private create(): string | null {
    const k = this.k;
    const defined = this.bedrock.evaluate("Object subclass: #Forth");
    const failed = defined.find((o) => o.kind === 'error');
    if (failed) return failed.text;
    this.forthClass = k.behaviourNamed('Forth');
    const fs = k.heap.allocateFixed(FS.SIZE, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
    if (fs < 0) return 'out of memory';
    const held = k.heap.roots.add(BigInt(fs), TAG_PTR);
    try {
      // The data space and the return stack are in the moving heap: the host writes into them
      // often, and a store into the fixed space is watched for code.
      const data = k.heap.allocate(DATA_CELLS, FORMAT_POINTERS, CLASS.Array, 0n, TAG_NUM);
      if (data < 0) return 'out of memory';
      setSlotPointer(this.m, fs, FS.DATA, data);
      const rs = k.heap.allocate(RS_CELLS, FORMAT_POINTERS, CLASS.Array, 0n, TAG_NUM);
      if (rs < 0) return 'out of memory';
      setSlotPointer(this.m, fs, FS.RS, rs);
      const g = defineGlobal(k, 'ForthSystem', k.object(fs));
      if (typeof g === 'string') return g;
      this.fs = fs;
    } finally {
      k.heap.roots.release(held);
    }
    this.setVar(VAR.BASE, 10n);
    this.setVar(VAR.STATE, 0n);
    this.setVar(VAR.DP, BigInt(ORIGIN + DICTIONARY));
    this.setVar(VAR.STRINGS, BigInt(ORIGIN + STRINGS_TOP));
    this.initialOrder();
    const subst = Forth.dataAccess;
    this.nextCode = this.primitive('(NEXT-LOOP)', NEXT_LOOP, 'runtime');
    this.floatStack();
    for (const p of [...PRIMITIVES, ...FLOAT_PRIMITIVES]) this.primitive(p.name, subst(p.asm), 'primitive');
    for (const r of [...RUNTIME, ...FLOAT_RUNTIME]) this.runtime.set(r.name, this.primitive(r.name, subst(r.asm), 'runtime'));
    this.interpretCode = this.primitive('INTERPRET', interpretLoop(OP['(NEXT)'], OP['(ENTER)'], OP['(LEAVE)'], SERVICE.FORTH), 'primitive');
    const F = SERVICE.FORTH;
    const stubs = Forth.hostStubs();
    HOST_WORDS.forEach((w, i) => { if (i > 0) this.primitive(w.name, stubs[w.name] ?? hostStub(i, F), 'host', w.immediate); });
    this.findCatchLanding();
    for (const [name, offset] of [['BASE', VAR.BASE], ['STATE', VAR.STATE], ['>IN', VAR.IN], ['BLK', VAR.BLK], ['SCR', VAR.SCR]] as const) {
      this.install(name, `pop r13; push rax; mov rax, ${ORIGIN + offset}; jmp r13`, 'create', { body: ORIGIN + offset });
    }
    for (const file of ['core.fs', 'float.fs']) {
      const r = this.interpret(readFileSync(projectFile(`bootstrap/forth/${file}`), 'utf8'), file);
      if (!r.ok) return `bootstrap/forth/${file}: ${r.error}`;
    }
    // Smalltalk's side: Forth evaluate: 'text', Forth call: 'WORD' with: {args} (forth.bedrock).
    const st = readFileSync(projectFile('bootstrap/forth/forth.bedrock'), 'utf8')
      .replace(/\bOP_ENTER\b/g, String(OP['(ST-ENTER)'])).replace(/\bOP_LEAVE\b/g, String(OP['(ST-LEAVE)']));
    const made = this.bedrock.evaluate(st).find((o) => o.kind === 'error');
    if (made) return `bootstrap/forth/forth.bedrock: ${made.text}`;
    this.watchFaults();
    return null;
  }

  /** The host words whose code is more than a call of the service. */
  private static hostStubs(): Record<string, string> {
    const F = SERVICE.FORTH;
    const call = (op: number, ...after: number[]) =>
      `pop r13; mov rcx, ${op}; mov r11, ${F}; syscall; mov rcx, r11; call rcx; ${after.map((a) => `mov rcx, ${a}; mov r11, ${F}; syscall; `).join('')}jmp r13`;
    return {
      // SEND and SMALLTALK call into Smalltalk: the service makes the send ready (or compiles the
      // expression) and answers in r11 what to call; after it, (ST-DONE) pops the receiver and
      // the arguments (as a Smalltalk caller does), or lets SMALLTALK's DoIt go, and turns a
      // Boolean answered into a Forth flag. (FSEND) is SEND to Floats from the float stack, and
      // (F-DONE) puts the Float answered on the float stack.
      SEND: call(OP.SEND, OP['(ST-DONE)']),
      SMALLTALK: call(OP.SMALLTALK, OP['(ST-DONE)']),
      '(FSEND)': call(OP['(FSEND)'], OP['(ST-DONE)'], OP['(F-DONE)']),
      // CATCH keeps a frame and calls the xt; a THROW (or an error) goes back to CATCH's return
      // address with the frame's state (see unwind), (UNCATCH) drops the frame and pushes 0.
      CATCH: catchStub(OP.CATCH, F),
    };
  }

  /**
   * Assemble `text` into a new code object, with `{disp32} jmp @NEXT` bound to the inner loop,
   * and the objects it names as literals (`[rip+NAME]`): FORTH, the Forth system object, and
   * those in `objects` (pointers, which the caller keeps alive across this allocation).
   */
  private placeCode(text: string, objects: Readonly<Record<string, number>> = {}): number {
    const k = this.k;
    const assembleAt = (origin: number) => {
      const r = assemble(text.replace(/@NEXT/g, String(this.nextCode - origin)));
      if (!r.ok) throw new Error(`Forth code: ${formatAsmError(r.error)} in ${text}`);
      return r;
    };
    const r = placeCode(k, assembleAt, (name) => (name === 'FORTH' ? this.fs : objects[name]));
    if (r === 'out of memory') throw new ForthError('out of memory');
    if (typeof r === 'string') throw new Error(`Forth code: ${r} in ${text}`);
    return r.code;
  }

  private primitive(name: string, asm: string, kind: Kind, immediate = false): number {
    return this.install(name, asm, kind, { immediate }).code;
  }

  /** Make a word of `asm` and define it (or, for :NONAME, keep it without a name). */
  private install(name: string, asm: string, kind: Kind, o: { immediate?: boolean; body?: number; cell?: number; source?: string; threaded?: number; literals?: number; code?: number; anonymous?: boolean; objects?: Readonly<Record<string, number>> } = {}): Word {
    const k = this.k;
    const wid = o.anonymous ? 0 : this.current;
    const owner = o.anonymous ? this.forthClass : this.wordlistClass(wid);
    return k.withHolds((hold) => {
      const code = o.code ?? hold(this.placeCode(asm, o.objects));
      if (o.code !== undefined) hold(code);
      const pragmas = hold(this.pragmas(kind, !!o.immediate, o.body ?? -1, o.cell ?? -1));
      const method = makeMethod(k, {
        selector: name, owner, code, kind: METHOD_KIND.SEND, source: o.source ?? `${name}    ( ${kind} )`,
        ...(o.threaded !== undefined && { threaded: o.threaded }), ...(o.literals !== undefined && { literals: o.literals }), pragmas,
      });
      if (typeof method === 'string') throw new ForthError(method);
      hold(method);
      if (o.anonymous) {
        const keep = this.fixedArray([[BigInt(method), TAG_PTR], [slot(this.m, this.fs, FS.KEEP), slotTag(this.m, this.fs, FS.KEEP)]]);
        setSlotPointer(this.m, this.fs, FS.KEEP, keep);
      } else {
        const sel = k.symbols.intern(name);
        if (sel < 0) throw new ForthError('out of memory');
        const r = define(k, owner, sel, method, o.source);
        if (typeof r === 'string') throw new ForthError(r);
      }
      const w: Word = { name, method, code, immediate: !!o.immediate, kind, body: o.body ?? -1, cell: o.cell ?? -1, wid };
      this.remember(w, !o.anonymous);
      return w;
    });
  }

  private remember(w: Word, named: boolean): void {
    this.refresh();
    if (named) this.listOf(w.wid).set(w.name, w);
    this.byCode.set(w.code, w);
    this.latest = w;
    this.epoch = this.currentEpoch();
  }

  /** A word's flags, kept in its method's pragmas: #(#(#forth kind immediate body cell)). */
  private pragmas(kind: Kind, immediate: boolean, body: number, cell: number): number {
    const k = this.k;
    const inner = this.fixedArray([
      [BigInt(k.symbols.intern('forth')), TAG_PTR], [BigInt(k.symbols.intern(kind)), TAG_PTR],
      [immediate ? -1n : 0n, TAG_NUM], [BigInt(body), TAG_NUM], [BigInt(cell), TAG_NUM],
    ]);
    const h = k.heap.roots.add(BigInt(inner), TAG_PTR);
    try {
      return this.fixedArray([[BigInt(inner), TAG_PTR]]);
    } finally {
      k.heap.roots.release(h);
    }
  }

  private fixedArray(values: readonly [bigint, number][]): number {
    const k = this.k;
    const a = k.heap.allocateFixed(Math.max(values.length, 0), FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
    if (a < 0) throw new ForthError('out of memory');
    values.forEach(([v, t], i) => setSlot(this.m, a, i, v, t));
    return a;
  }

  private currentEpoch(): bigint { return slot(this.m, this.k.roots, ROOTS.SEND_EPOCH); }

  /** The dictionary as the chain has it now (after a forget, or in an opened image). */
  private refresh(): void {
    if (this.currentEpoch() === this.epoch) return;
    const k = this.k;
    const m = this.m;
    const byCode = new Map<number, Word>();
    // Words without a name (:NONAME) stay known by their code.
    for (const [c, w] of this.byCode) if (w.name === '') byCode.set(c, w);
    let newest: Word | null = null;
    this.lists = new Map();
    const count = this.fs >= 0 ? Math.max(1, Number(this.getVar(VAR.WORDLISTS))) : 1;
    for (let wid = count; wid >= FORTH_WID; wid--) {
      const names = new Map<string, Word>();
      this.lists.set(wid, names);
      if (wid === FORTH_WID) this.names = names;
      const cls = wid === FORTH_WID ? this.forthClass : k.behaviourNamed(`ForthWordlist${wid}`);
      if (cls < 0) continue;
      for (let e = methodsHead(k, cls); e >= 0 && e !== k.nil; e = slotPointer(m, e, ENTRY.NEXT)) {
        const name = k.symbols.text(slotPointer(m, e, ENTRY.SELECTOR));
        const method = slotPointer(m, e, ENTRY.METHOD);
        if (names.has(name)) continue;
        if (method === k.nil) { names.set(name, null as unknown as Word); continue; }
        const w = this.wordOf(name, method, wid);
        if (!w) continue;
        names.set(name, w);
        byCode.set(w.code, w);
        newest ??= w;
      }
      for (const [n, w] of names) if (w === null) names.delete(n);
    }
    this.byCode = byCode;
    if (this.latest && !byCode.has(this.latest.code)) this.latest = newest;
    this.epoch = this.currentEpoch();
  }

  private wordOf(name: string, method: number, wid: number): Word | null {
    const k = this.k;
    const m = this.m;
    const pragmas = slotPointer(m, method, METHOD.PRAGMAS);
    if (pragmas < 0 || pragmas === k.nil) return null;
    const inner = slotPointer(m, pragmas, 0);
    if (inner < 0 || k.symbols.text(slotPointer(m, inner, 0)) !== 'forth') return null;
    return {
      name, method, code: slotPointer(m, method, METHOD.CODE), kind: k.symbols.text(slotPointer(m, inner, 1)) as Kind,
      immediate: slotNumber(m, inner, 2) !== 0, body: slotNumber(m, inner, 3), cell: slotNumber(m, inner, 4), wid,
    };
  }

  private listOf(wid: number): Map<string, Word> {
    this.refresh();
    let l = this.lists.get(wid);
    if (!l) { l = new Map(); this.lists.set(wid, l); }
    return l;
  }

  /** A word by its name, in the search order. */
  find(name: string): Word | undefined {
    this.refresh();
    const n = name.toUpperCase();
    for (const wid of this.getOrder()) {
      const w = this.lists.get(wid)?.get(n);
      if (w) return w;
    }
    return undefined;
  }

  /** A word of the system's own (in FORTH-WORDLIST, whatever the search order). */
  private system(name: string): Word | undefined {
    this.refresh();
    return this.names.get(name.toUpperCase());
  }

  /** Every word's name in the search order, newest first. */
  words(): string[] {
    this.refresh();
    const seen = new Set<string>();
    for (const wid of this.getOrder()) for (const n of this.lists.get(wid)?.keys() ?? []) seen.add(n);
    return [...seen];
  }

  // ---- the data space --------------------------------------------------------------------

  private get data(): number { return slotPointer(this.m, this.fs, FS.DATA); }

  /**
   * The object and the byte offset in it of the address `a` (checked for `bytes` bytes): the
   * data space, or a block ALLOCATE made.
   */
  private locate(a: number, bytes: number): { obj: number; off: number } {
    if (!Number.isSafeInteger(a)) throw new ForthError('Invalid memory address');
    if (a >= HEAP_ORIGIN) {
      const n = Math.floor((a - HEAP_ORIGIN) / BLOCK_SPAN);
      const off = (a - HEAP_ORIGIN) % BLOCK_SPAN;
      const block = this.block(n);
      if (block < 0 || off + bytes > 8 * slotCount(this.m, block)) throw new ForthError('Invalid memory address');
      return { obj: block, off };
    }
    const off = a - ORIGIN;
    if (off < 0 || off + bytes > DATA_CELLS * 8) throw new ForthError('Invalid memory address');
    return { obj: this.data, off };
  }

  cellAt(a: number): bigint {
    const { obj, off } = this.locate(a, 8);
    return this.m.cell(obj + (off & ~7));
  }

  private setCellAt(a: number, v: bigint, tag = TAG_NUM): void {
    const { obj, off } = this.locate(a, 8);
    this.m.setCell(obj + (off & ~7), tag === TAG_NUM ? signed(v) : v, tag);
  }

  byteAt(a: number): number {
    const { obj, off } = this.locate(a, 1);
    return Number((BigInt.asUintN(64, this.m.cell(obj + (off & ~7))) >> BigInt(8 * (off & 7))) & 0xffn);
  }

  private setByteAt(a: number, b: number): void {
    const { obj, off } = this.locate(a, 1);
    const at = obj + (off & ~7);
    const shift = BigInt(8 * (off & 7));
    const old = BigInt.asUintN(64, this.m.cell(at));
    this.m.setCell(at, signed((old & ~(0xffn << shift)) | (BigInt(b & 0xff) << shift)), TAG_NUM);
  }

  private bytesAt(a: number, n: number): number[] {
    if (n < 0 || n > BLOCK_MAX) throw new ForthError('Invalid memory address');
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.byteAt(a + i));
    return out;
  }

  private textAt(a: number, n: number): string { return String.fromCharCode(...this.bytesAt(a, n)); }

  private setText(a: number, text: string): void {
    for (let i = 0; i < text.length; i++) this.setByteAt(a + i, text.charCodeAt(i));
  }

  // ---- ALLOCATE's blocks -------------------------------------------------------------------

  /** The table of blocks (slot HEAP of the system), or -1 in a system made before ALLOCATE. */
  private heapTable(): number {
    if (slotCount(this.m, this.fs) <= FS.HEAP) return -1;
    const t = slotPointer(this.m, this.fs, FS.HEAP);
    return t >= 0 && t !== this.k.nil ? t : -1;
  }

  /** Block n (an Array, its bytes in cells), or -1 if there is none (never made, or freed). */
  private block(n: number): number {
    const t = this.heapTable();
    if (t < 0 || n < 0 || n >= slotCount(this.m, t)) return -1;
    const b = slotPointer(this.m, t, n);
    return b >= 0 && b !== this.k.nil ? b : -1;
  }

  /** A block of `bytes` bytes (zeroed), or null if there is no room. */
  private newBlock(bytes: number): number | null {
    if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes > BLOCK_MAX) return null;
    const b = this.k.heap.allocate(Math.max(1, Math.ceil(bytes / 8)), FORMAT_POINTERS, CLASS.Array, 0n, TAG_NUM);
    return b < 0 ? null : b;
  }

  /** ALLOCATE: a block's address, or null (no room, or a system made before ALLOCATE). */
  private allocateBlock(bytes: number): number | null {
    const k = this.k;
    const m = this.m;
    if (slotCount(m, this.fs) <= FS.HEAP) return null;
    let t = this.heapTable();
    let free = -1;
    if (t >= 0) for (let i = 0; i < slotCount(m, t) && free < 0; i++) if (slotPointer(m, t, i) === k.nil || slotTag(m, t, i) !== TAG_PTR) free = i;
    if (free < 0) {
      // A bigger table, the blocks copied over.
      const size = t >= 0 ? slotCount(m, t) : 0;
      const bigger = k.heap.allocate(Math.max(16, size * 2), FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
      if (bigger < 0) return null;
      t = this.heapTable();
      for (let i = 0; i < size; i++) setSlot(m, bigger, i, slot(m, t, i), slotTag(m, t, i));
      setSlotPointer(m, this.fs, FS.HEAP, bigger);
      free = size;
    }
    const b = this.newBlock(bytes);
    if (b === null) return null;
    setSlotPointer(m, this.heapTable(), free, b);
    return HEAP_ORIGIN + free * BLOCK_SPAN;
  }

  /** The block number of an address ALLOCATE answered (a live block's start), or -1. */
  private blockAt(a: number): number {
    if (!Number.isSafeInteger(a) || a < HEAP_ORIGIN || (a - HEAP_ORIGIN) % BLOCK_SPAN !== 0) return -1;
    const n = (a - HEAP_ORIGIN) / BLOCK_SPAN;
    return this.block(n) >= 0 ? n : -1;
  }

  private getVar(v: number): bigint { return signed(this.m.cell(this.data + v)); }
  private setVar(v: number, n: bigint): void { this.m.setCell(this.data + v, signed(n), TAG_NUM); }

  private get here(): number { return Number(this.getVar(VAR.DP)); }
  private set here(a: number) {
    if (a < ORIGIN + DICTIONARY || a > Number(this.getVar(VAR.STRINGS))) throw new ForthError('Dictionary overflow');
    this.setVar(VAR.DP, BigInt(a));
  }

  private get state(): boolean { return this.getVar(VAR.STATE) !== 0n; }
  private get numberBase(): number { return Number(this.getVar(VAR.BASE)); }

  /** Keep `text` at the top of the data space (a compiled string); its address. */
  private keepString(text: string): number {
    const top = Number(this.getVar(VAR.STRINGS));
    const a = (top - text.length - 1) & ~7;
    if (a < this.here || a < ORIGIN + STRINGS_TOP - STRINGS_SIZE) throw new ForthError('Dictionary overflow (strings)');
    this.setText(a, text);
    this.setVar(VAR.STRINGS, BigInt(a));
    return a;
  }

  // ---- the stacks, from the host --------------------------------------------------------

  /** Whether an argument of the last (FSEND) was a NaN. */
  private fsendNaN = false;
  /**
   * The cell below the float stack's bottom holds this; a word that took more floats than
   * there were and wrote its result there (F+ of one float) changed it: an underflow too.
   */
  private static readonly FLOOR_MARK = 0x7ff4_a5a5_a5a5_a5a5n;

  /** The float stack (primitives.ts, FVAR): made if the system has none yet. */
  private floatStack(): number {
    const a = this.data + FVAR.FSTACK;
    if (this.m.cellTag(a) === TAG_PTR) return Number(this.m.cell(a));
    const st = this.k.heap.allocate(FSTACK_CELLS + 2 * FMARGIN / 8, FORMAT_POINTERS, CLASS.Array, 0n, TAG_NUM);
    if (st < 0) throw new ForthError('out of memory');
    this.m.setCell(this.data + FVAR.FSTACK, BigInt(st), TAG_PTR);
    this.setVar(FVAR.FP, BigInt(FMARGIN));
    this.m.setCell(st + FMARGIN - 8, Forth.FLOOR_MARK, TAG_NUM);
    if (this.getVar(FVAR.PRECISION) === 0n) this.setVar(FVAR.PRECISION, 15n);
    return st;
  }

  private fdepth(): number { return (Number(this.getVar(FVAR.FP)) - FMARGIN) / 8; }
  private fclear(): void {
    this.setVar(FVAR.FP, BigInt(FMARGIN));
    this.m.setCell(this.floatStack() + FMARGIN - 8, Forth.FLOOR_MARK, TAG_NUM);
  }
  private fbelow(): boolean { return this.m.cell(this.floatStack() + FMARGIN - 8) !== Forth.FLOOR_MARK; }

  private fpopBits(): bigint {
    if (this.fdepth() < 1) throw new ForthError('Floating-point stack underflow');
    const fp = Number(this.getVar(FVAR.FP)) - 8;
    this.setVar(FVAR.FP, BigInt(fp));
    return signed(this.m.cell(this.floatStack() + fp));
  }

  private fpushBits(bits: bigint): void {
    if (this.fdepth() >= FSTACK_CELLS) throw new ForthError('Floating-point stack overflow');
    const fp = Number(this.getVar(FVAR.FP));
    this.m.setCell(this.floatStack() + fp, signed(bits), TAG_NUM);
    this.setVar(FVAR.FP, BigInt(fp + 8));
  }

  private fpush(x: number): void { this.fpushBits(bitsOf(x)); }

  /** The float stack, bottom first (the bits). */
  private floatValues(): bigint[] {
    const st = this.floatStack();
    const out: bigint[] = [];
    for (let i = 0; i < this.fdepth(); i++) out.push(this.m.cell(st + FMARGIN + 8 * i));
    return out;
  }

  private depth(): number { return Number((BigInt(this.base) - this.m.register(RSP)) / 8n); }

  /** Send `selector` through the SEND service to the receiver and `arity` arguments on the stack. */
  private sendSelector(m: Machine, selector: string, arity: number): void {
    const sym = this.k.symbols.intern(selector);
    if (sym < 0) throw new ForthError('out of memory');
    m.setRegister(10, BigInt(sym), TAG_PTR);
    this.rpush(BigInt(8 * arity));
    const sendService = m.services[SERVICE.SEND];
    const found = sendService ? sendService(m) : 'no SEND service';
    if (typeof found === 'string') throw new ForthError(found);
  }

  private need(n: number): void {
    if (this.depth() < n) throw new ForthError('Stack underflow');
  }

  private popValue(): { value: bigint; tag: number } {
    this.need(1);
    const m = this.m;
    const v = { value: m.register(RAX), tag: m.registerTag(RAX) };
    const sp = m.register(RSP);
    const a = Number(sp);
    m.setRegister(RAX, m.cell(a), m.cellTag(a));
    m.setRegister(RSP, sp + 8n, TAG_STACK);
    return v;
  }

  private pop(): bigint { return signed(this.popValue().value); }
  private popNumber(): number {
    const v = this.pop();
    return Number(v);
  }

  private pushValue(value: bigint, tag = TAG_NUM): void {
    const m = this.m;
    const sp = m.register(RSP) - 8n;
    if (sp < BigInt(m.stackLo)) throw new ForthError('Stack overflow');
    m.setCell(Number(sp), m.register(RAX), m.registerTag(RAX));
    m.setRegister(RSP, sp, TAG_STACK);
    m.setRegister(RAX, tag === TAG_NUM ? signed(value) : value, tag);
  }

  private push(n: bigint | number): void { this.pushValue(BigInt(n)); }

  /** The data stack, bottom first. */
  private stackValues(): { value: bigint; tag: number }[] {
    const n = this.depth();
    const out: { value: bigint; tag: number }[] = [];
    const sp = Number(this.m.register(RSP));
    for (let i = n - 2; i >= 0; i--) out.push({ value: this.m.cell(sp + 8 * i), tag: this.m.cellTag(sp + 8 * i) });
    if (n > 0) out.push({ value: this.m.register(RAX), tag: this.m.registerTag(RAX) });
    return out;
  }

  // ---- input ------------------------------------------------------------------------------

  private get source(): Source {
    const s = this.sources[this.sources.length - 1];
    if (!s) throw new ForthError('no input source');
    return s;
  }

  private get in(): number { return Number(this.getVar(VAR.IN)); }
  private set in(n: number) { this.setVar(VAR.IN, BigInt(n)); }

  /** Put the source's current line in the TIB (files and the user's text) and start reading it. */
  private loadLine(s: Source): void {
    s.text = s.lines[s.line] ?? '';
    if (s.kind !== 'evaluate' && s.kind !== 'block') {
      if (s.text.length > TIB_SIZE) throw new ForthError(`line too long (${s.text.length} characters; at most ${TIB_SIZE})`);
      this.setText(ORIGIN + TIB, s.text);
    }
    this.in = 0;
  }

  private pushSource(s: Source): void {
    if (this.sources.length > 0) this.source.savedIn = this.in;
    if (this.sources.length >= 64) throw new ForthError('Too many nested sources');
    this.sources.push(s);
    this.loadLine(s);
    this.setVar(VAR.BLK, BigInt(s.block ?? 0));
  }

  private popSource(): void {
    this.sources.pop();
    const s = this.sources[this.sources.length - 1];
    if (!s) { this.setVar(VAR.BLK, 0n); return; }
    if (s.kind === 'block') this.reloadBlock(s);
    else if (s.kind !== 'evaluate') this.setText(ORIGIN + TIB, s.text);
    this.setVar(VAR.BLK, BigInt(s.block ?? 0));
    this.in = s.savedIn;
  }

  private refill(): boolean {
    const s = this.source;
    if (s.kind === 'block') {
      // In a block, REFILL goes on with the next block.
      s.block = (s.block ?? 0) + 1;
      this.reloadBlock(s);
      this.setVar(VAR.BLK, BigInt(s.block));
      this.in = 0;
      return true;
    }
    if (s.kind === 'evaluate' || s.line + 1 >= s.lines.length) return false;
    s.line++;
    this.loadLine(s);
    return true;
  }

  /** Parse a name: skip white space, take up to the next; >IN goes past the delimiter. */
  private parseName(): { text: string; offset: number } {
    const s = this.source;
    const t = s.text;
    let i = Math.max(0, Math.min(this.in, t.length));
    while (i < t.length && t.charCodeAt(i) <= 32) i++;
    const start = i;
    while (i < t.length && t.charCodeAt(i) > 32) i++;
    this.in = Math.min(i + 1, t.length);
    if (i >= t.length) this.in = t.length;
    return { text: t.slice(start, i), offset: start };
  }

  /** Parse up to `delimiter` (not skipping leading ones); >IN goes past it. */
  private parse(delimiter: number): { text: string; offset: number } {
    const t = this.source.text;
    const start = Math.max(0, Math.min(this.in, t.length));
    let i = start;
    while (i < t.length && t.charCodeAt(i) !== delimiter) i++;
    this.in = i < t.length ? i + 1 : t.length;
    return { text: t.slice(start, i), offset: start };
  }

  private requireName(): string {
    const n = this.parseName().text;
    if (n === '') throw new ForthError('Attempt to use zero-length string as a name');
    return n;
  }

  private systemWord(name: string): Word {
    const w = this.system(name);
    if (!w) throw new ForthError('Undefined word', false);
    return w;
  }

  private lookup(name: string): Word {
    const w = this.find(name);
    if (!w) throw new ForthError('Undefined word', false);
    return w;
  }

  // ---- numbers ----------------------------------------------------------------------------

  /** A number in the current base (gforth's prefixes #, $, %, 'c' too); a trailing . makes a double. */
  private number(text: string): bigint[] | null {
    let t = text;
    let base = this.numberBase;
    if (/^'.'$/.test(t)) return [BigInt(t.charCodeAt(1))];
    if (t[0] === '#') { base = 10; t = t.slice(1); } else if (t[0] === '$') { base = 16; t = t.slice(1); } else if (t[0] === '%') { base = 2; t = t.slice(1); }
    let negative = false;
    if (t[0] === '-') { negative = true; t = t.slice(1); }
    let double = false;
    if (t.endsWith('.') && t.length > 1) { double = true; t = t.slice(0, -1); }
    if (t === '' || base < 2 || base > 36) return null;
    let v = 0n;
    for (const ch of t.toUpperCase()) {
      const d = digit(ch.charCodeAt(0));
      if (d < 0 || d >= base) return null;
      v = v * BigInt(base) + BigInt(d);
    }
    if (negative) v = -v;
    if (double) {
      const u = BigInt.asUintN(128, v);
      return [signed(u & MASK), signed(u >> 64n)];
    }
    return [signed(v & MASK)];
  }

  private format(v: bigint, unsigned = false): string {
    const base = this.numberBase;
    const n = unsigned ? BigInt.asUintN(64, v) : signed(v);
    return (base >= 2 && base <= 36 ? n.toString(base) : n.toString()).toUpperCase();
  }

  // ---- compiling --------------------------------------------------------------------------

  private get def(): Definition {
    if (!this.definition) throw new ForthError('Interpreting a compile-only word');
    return this.definition;
  }

  private append(code: number, operand: bigint = 0n, tag = TAG_NUM): number {
    const d = this.def;
    d.pairs.push({ code, operand, tag });
    return d.pairs.length - 1;
  }

  private rt(name: string): number {
    const c = this.runtime.get(name);
    if (c === undefined) throw new Error(`no Forth runtime ${name}`);
    return c;
  }

  private literal(v: bigint, tag = TAG_NUM): void { this.append(this.rt('(LIT)'), v, tag); }

  private compileWord(w: Word): void { this.append(w.code); }

  private setState(on: boolean): void { this.setVar(VAR.STATE, on ? -1n : 0n); }

  private begin(name: string, noname: boolean): void {
    if (this.definition) throw new ForthError('Unfinished definition');
    // The definition's cell: its vector, and its docol stub (the code RECURSE's pairs name).
    const literals = this.fixedArray([[BigInt(this.k.nil), TAG_PTR], [BigInt(this.k.nil), TAG_PTR]]);
    const held = this.k.heap.roots.add(BigInt(literals), TAG_PTR);
    try {
      const stub = this.placeCode(docol(0, '@NEXT'), { VECTOR: literals });
      setSlotPointer(this.m, literals, 1, stub);
      const s = this.source;
      this.definition = {
        name, pairs: [], leaves: [], literals, stub, noname, locals: [], localsLoops: 0, pendingLocals: [],
        sourceName: s.name, sourceText: [s.text.slice(Math.max(0, this.lastTokenStart))], startLine: s.line,
      };
      // Both stay alive through the definition: kept in the system's keep list until `;`.
      this.keepAlive(literals);
      this.keepAlive(stub);
    } finally {
      this.k.heap.roots.release(held);
    }
    this.setState(true);
  }

  private keepAlive(p: number): void {
    const keep = this.fixedArray([[BigInt(p), TAG_PTR], [slot(this.m, this.fs, FS.KEEP), slotTag(this.m, this.fs, FS.KEEP)]]);
    setSlotPointer(this.m, this.fs, FS.KEEP, keep);
  }

  private lastTokenStart = 0;

  private finish(): Word {
    const d = this.def;
    this.append(this.rt('(EXIT)'));
    const k = this.k;
    const vector = this.fixedArray(d.pairs.flatMap((p): [bigint, number][] => [[BigInt(p.code), TAG_PTR], [p.operand, p.tag]]));
    setSlotPointer(this.m, d.literals, 0, vector);
    const s = this.source;
    let text: string;
    if (s.name === d.sourceName && s.line === d.startLine) text = d.sourceText[0].slice(0, this.in - (s.text.length - d.sourceText[0].length));
    else text = [...d.sourceText, ...(s.name === d.sourceName ? s.lines.slice(d.startLine + 1, s.line) : []), s.text.slice(0, this.in)].join('\n');
    this.definition = null;
    this.setState(false);
    // Native code when the pairs allow it (native.ts), else the docol stub runs the vector.
    const native = this.nativeCode ? this.placeNative(this.compileNative(vector, d.stub)) : null;
    const w = this.install(d.noname ? '' : d.name.toUpperCase(), '', 'colon', {
      code: native ?? d.stub, source: text.trim(), threaded: vector, literals: d.literals, cell: d.literals, anonymous: d.noname,
    });
    void k;
    return w;
  }

  // ---- native code ------------------------------------------------------------------------

  /** Compile colon definitions to native code (native.ts); false: threaded code only (tests compare the two). */
  nativeCode = true;

  /** The primitives' and runtime words' codes (shadowed ones too: compiled pairs keep naming them). */
  private machineWords: Map<number, MachineWord> | null = null;

  private machineWordAt(code: number): MachineWord | undefined {
    if (!this.machineWords) {
      const words = new Map<number, MachineWord>();
      const k = this.k;
      for (let e = methodsHead(k, this.forthClass); e >= 0 && e !== k.nil; e = slotPointer(this.m, e, ENTRY.NEXT)) {
        const method = slotPointer(this.m, e, ENTRY.METHOD);
        if (method < 0 || method === k.nil) continue;
        const w = this.wordOf(k.symbols.text(slotPointer(this.m, e, ENTRY.SELECTOR)), method, FORTH_WID);
        if (w && (w.kind === 'primitive' || w.kind === 'runtime') && !words.has(w.code)) words.set(w.code, { name: w.name, kind: w.kind });
      }
      this.machineWords = words;
    }
    return this.machineWords.get(code);
  }

  /** A colon definition's pairs compiled to machine code (native.ts), or why not. */
  private compileNative(vector: number, self: number, from = 0, body?: number): NativeResult {
    return compileNative({
      pairs: this.pairsOf(vector), self, vector, from, ...(body !== undefined && { body }),
      does: this.system('(DOES>)')?.code ?? -1,
      callee: (code) => this.calleeAt(code),
      machineWord: (code) => this.machineWordAt(code),
      isCode: (code) => this.m.cacheOf(code) !== undefined,
      dataAccess: Forth.nativeDataAccess,
    });
  }

  /**
   * In native code the data space is a literal of the code (the collector keeps it current),
   * one load where a primitive's own code takes two; ALLOCATE's table is reached as there.
   */
  private static nativeDataAccess(text: string): string {
    return Forth.dataAccess(text.replace(/mov (r\w+), \[DATA\]/g, 'mov $1, [rip+DATA]'));
  }

  /** What native code may put in place of a call of the word at `code` (native.ts Callee). */
  private calleeAt(code: number): Callee | undefined {
    this.refresh();
    const w = this.byCode.get(code);
    if (!w) return undefined;
    const m = this.m;
    // (a MARKER is a 'constant' too, with more in its cell)
    const one = w.cell >= 0 && slotCount(m, w.cell) === 1;
    switch (w.kind) {
      case 'create': return w.body >= 0 ? { kind: 'create', body: w.body } : undefined;
      case 'constant': return one ? { kind: 'constant', value: m.cell(w.cell), tag: m.cellTag(w.cell), at: w.cell } : undefined;
      case 'value': return one ? { kind: 'value', cell: w.cell } : undefined;
      case 'colon': {
        const stub = this.stubOf(w);
        const vector = w.cell >= 0 ? slotPointer(m, w.cell, 0) : -1;
        return stub >= 0 && vector >= 0 && vector !== this.k.nil ? { kind: 'colon', name: w.name, pairs: this.pairsOf(vector), self: stub } : undefined;
      }
      default: return undefined;
    }
  }

  /** Place native code; its pointers are read when it is placed (the objects may have moved). */
  private placeNative(r: NativeResult): number | null {
    if (!r.ok) return null;
    const k = this.k;
    const extra = r.callees.map((_, i) => `CALL${i}`);
    const assembleAt = (origin: number) => {
      const a = assembleItems(itemsAt(r.lines, origin));
      if (!a.ok) return `Forth native code: ${formatAsmError(a.error)}`;
      return { ...a, literals: [...a.literals, ...extra] };
    };
    const literal = (name: string): number | undefined => {
      if (name === 'FORTH') return this.fs;
      if (name === 'DATA') return this.data;
      const o = /^OBJ(\d+)$/.exec(name);
      if (o) { const ref = r.objects[Number(o[1])]; return 'fixed' in ref ? ref.fixed : Number(this.m.cell(ref.read)); }
      const c = /^CALL(\d+)$/.exec(name);
      return c ? r.callees[Number(c[1])] : undefined;
    };
    const placed = placeCode(k, assembleAt, literal);
    if (placed === 'out of memory') throw new ForthError('out of memory');
    if (typeof placed === 'string') throw new Error(placed);
    return placed.code;
  }

  /** The docol stub of a colon definition (slot 1 of its cell), or -1 (an older image's word). */
  private stubOf(w: Word): number {
    if (w.kind !== 'colon' || w.cell < 0 || slotCount(this.m, w.cell) < 2) return -1;
    return slotPointer(this.m, w.cell, 1);
  }

  // ---- the service ----------------------------------------------------------------------

  private service(m: Machine): string | null {
    const op = Number(m.register(RCX));
    try {
      this.hostOp(op);
      return null;
    } catch (e) {
      if (!(e instanceof ForthError)) throw e;
      const code = e.code ?? (e.silent ? (e.message === 'Aborted' ? -1 : e.message === 'bye' || e.message === 'Quit' ? 0 : -2) : THROW_CODES[e.message] ?? -256);
      if (code !== 0 && this.catchable()) {
        // Inside a CATCH: THROW the error's code. The service fails, which stops the run
        // (translated code included) at this syscall; the fault handler (watchFaults) then
        // sets the CATCH's state up and has the run go on where the CATCH returns.
        this.pendingThrow = code;
        return `Forth: THROW ${code}`;
      }
      this.error = e;
      if (this.running) return `Forth: ${e.message}`;
      // Called from Smalltalk: the evaluation ends here, with gforth's words and the place.
      const s = this.sources[this.sources.length - 1];
      let text = `Forth: ${e.message}`;
      if (s && e.message === 'Undefined word') {
        const at = this.lastTokenStart;
        const stop = s.text.slice(at).search(/\s/);
        const end = stop < 0 ? s.text.length : at + stop;
        text += `: ${s.text.slice(0, at)}>>>${s.text.slice(at, end)}<<<${s.text.slice(end)}`;
      }
      this.afresh();
      return text;
    }
  }

  private emit(text: string): void {
    // Called from Smalltalk, Forth prints on the Transcript.
    if (!this.running) { this.bedrock.transcript(text); return; }
    this.drainTranscript();
    if (this.sink) this.sink(text);
    else this.output += text;
  }

  /** What Smalltalk code (SEND, SMALLTALK) wrote on the Transcript, in its place among Forth's output. */
  private drainTranscript(): void {
    const t = this.bedrock.takeTranscript();
    if (t === '') return;
    if (this.sink) this.sink(t);
    else this.output += t;
  }

  private hostOp(op: number): void {
    const name = HOST_WORDS[op]?.name;
    const m = this.m;
    switch (name) {
      case '(NEXT)': return this.next();
      // Both by the source's depth, so that doing either twice is harmless (see rsMarks).
      case '(ENTER)': this.rsMarks[this.sources.length - 1] = m.register(R15); return;
      case '(LEAVE)': {
        const mark = this.rsMarks[this.sources.length - 1];
        if (mark === undefined) throw new ForthError('INTERPRET left without entering');
        const rs = Number(m.register(R14));
        const at = rs + 8 * (Number(mark) - 1);
        m.setRegister(13, m.cell(at), m.cellTag(at));
        m.setRegister(R15, mark - 1n, TAG_NUM);
        return;
      }
      case '.S': { const v = this.stackValues(); this.emit(`<${v.length}> ${v.map((x) => `${this.describeCell(x.value, x.tag)} `).join('')}`); return; }
      case ':': { const n = this.requireName(); this.begin(n, false); return; }
      case 'F.': case 'FE.': case 'FS.': {
        const x = this.fpopBits();
        const prec = Number(this.getVar(FVAR.PRECISION));
        this.emit(name === 'F.' ? fdot(x, prec) : name === 'FE.' ? fedot(x, prec) : fsdot(x, prec));
        return;
      }
      case 'F.S': this.emit(fdotS(this.floatValues())); return;
      case 'PRECISION': this.push(this.getVar(FVAR.PRECISION)); return;
      case 'SET-PRECISION': {
        const n = this.pop();
        if (n < 1n || n > 64n) throw new ForthError('Result out of range');
        this.setVar(FVAR.PRECISION, n);
        return;
      }
      case 'REPRESENT': {
        // ( c-addr u -- n flag1 flag2 ) ( F: r -- ): u significant digits at c-addr, the exponent, the sign, validity.
        const u = this.popNumber();
        const a = this.popNumber();
        const x = this.fpopBits();
        if (u < 0 || u > 4096) throw new ForthError('Result out of range');
        const r = represent(x, u);
        this.setText(a, r.digits);
        this.push(r.exponent);
        this.push(r.negative ? -1 : 0);
        this.push(r.valid ? -1 : 0);
        return;
      }
      case '>FLOAT': {
        // ( c-addr u -- flag ) ( F: -- r | ): the standard's syntax (floats.ts).
        const n = this.popNumber();
        const x = parseForthFloat(this.textAt(this.popNumber(), n));
        if (x === null) { this.push(0); return; }
        this.fpush(x);
        this.push(-1);
        return;
      }
      case 'FLITERAL': this.append(this.rt('(FLIT)'), this.fpopBits()); return;
      case 'FVALUE': {
        const n = this.requireName();
        const cell = this.fixedArray([[this.fpopBits(), TAG_NUM]]);
        const held = this.k.heap.roots.add(BigInt(cell), TAG_PTR);
        try {
          const asm = Forth.dataAccess(`pop r13; mov rcx, [rip+CELL]; mov rcx, [rcx]; mov r8, [DATA]; mov r9, [r8+${FVAR.FP}]; mov r10, [r8+${FVAR.FSTACK}]; mov [r10+r9], rcx; add r9, 8; mov [r8+${FVAR.FP}], r9; jmp r13`);
          this.install(n.toUpperCase(), asm, 'fvalue', { cell, literals: cell, source: `FVALUE ${n}`, objects: { CELL: cell } });
        } finally {
          this.k.heap.roots.release(held);
        }
        return;
      }
      case '(FSEND)': {
        // ( c-addr u -- ) ( F: r0 .. rn -- ): SEND the selector to Floats made of r0 (the receiver) .. rn.
        const n = this.popNumber();
        const selector = this.textAt(this.popNumber(), n);
        const arity = arityOf(selector);
        if (arity < 0) throw new ForthError(`(FSEND): ${JSON.stringify(selector)} is not a selector`);
        const bits: bigint[] = [];
        for (let i = 0; i <= arity; i++) bits.unshift(this.fpopBits());
        this.fsendNaN = bits.some((b) => Number.isNaN(doubleOf(b)));
        const cls = this.k.behaviourNamed('Float');
        if (cls < 0) throw new ForthError('(FSEND) needs the class Float');
        for (const b of bits) {
          const p = this.k.heap.allocate(1, FORMAT_WORDS, behaviourIndex(this.k, cls), 0n, TAG_NUM);
          if (p < 0) throw new ForthError('out of memory');
          setSlot(m, p, 0, b, TAG_NUM);
          this.pushValue(BigInt(p), TAG_PTR);
        }
        this.sendSelector(m, selector, arity);
        return;
      }
      case '(F-DONE)': {
        // What the Smalltalk send answered: a Float (its bits), or an Integer (as a float).
        const v = this.popValue();
        const cls = this.k.behaviourNamed('Float');
        if (v.tag === TAG_NUM) { this.fpush(Number(signed(v.value))); return; }
        const p = Number(v.value);
        if (cls >= 0 && isObject(m, p) && classIndexOf(m, p) === behaviourIndex(this.k, cls)) {
          // Smalltalk's NaN for an invalid operation (Float nan) is the machine's default NaN,
          // the one SSE2 makes (and C's functions answer, so gforth prints -nan).
          const bits = slot(m, p, 0);
          this.fpushBits(!this.fsendNaN && bits === 0x7ff8000000000000n ? -(1n << 51n) : bits);
          return;
        }
        throw new ForthError('a Smalltalk send answered something that is not a Float');
      }
      case ':NONAME': this.begin('', true); return;
      case ';': {
        const d = this.def;
        if (d.leaves.length > 0) throw new ForthError('Unstructured: a DO without its LOOP');
        this.dropLocals();
        const w = this.finish();
        if (d.noname) this.pushValue(BigInt(w.code), TAG_PTR);
        return;
      }
      case 'IMMEDIATE': {
        const w = this.latest;
        if (!w) throw new ForthError('no word to make immediate');
        setSlotPointer(m, w.method, METHOD.PRAGMAS, this.pragmas(w.kind, true, w.body, w.cell));
        const now = { ...w, immediate: true };
        if (w.name !== '' && this.listOf(w.wid).get(w.name)?.code === w.code) this.listOf(w.wid).set(w.name, now);
        this.byCode.set(w.code, now);
        this.latest = now;
        return;
      }
      case 'CREATE': this.create_(this.requireName()); return;
      case 'VARIABLE': { const n = this.requireName(); this.create_(n); this.comma(0n, TAG_NUM); return; }
      case 'BUFFER:': { const n = this.requireName(); const size = this.popNumber(); this.create_(n); this.here = this.here + size; return; }
      case 'CONSTANT': case 'VALUE': case 'DEFER': {
        const n = this.requireName();
        const v = name === 'DEFER' ? { value: BigInt(this.wordCode('ABORT')), tag: TAG_PTR } : this.popValue();
        const cell = this.fixedArray([[v.value, v.tag]]);
        const held = this.k.heap.roots.add(BigInt(cell), TAG_PTR);
        try {
          const asm = name === 'DEFER' ? 'pop r13; mov rcx, [rip+CELL]; mov rcx, [rcx]; push r13; jmp rcx' : 'pop r13; push rax; mov rax, [rip+CELL]; mov rax, [rax]; jmp r13';
          this.install(n.toUpperCase(), asm, name === 'CONSTANT' ? 'constant' : name === 'VALUE' ? 'value' : 'defer', { cell, literals: cell, source: `${name} ${n}`, objects: { CELL: cell } });
        } finally {
          this.k.heap.roots.release(held);
        }
        return;
      }
      case '2VALUE': {
        // ( x1 x2 "name" -- ): the cell Array holds x2 then x1; the word pushes x1 then x2.
        const n = this.requireName();
        const x2 = this.popValue();
        const x1 = this.popValue();
        const cell = this.fixedArray([[x2.value, x2.tag], [x1.value, x1.tag]]);
        const held = this.k.heap.roots.add(BigInt(cell), TAG_PTR);
        try {
          this.install(n.toUpperCase(), 'pop r13; push rax; mov rcx, [rip+CELL]; mov rax, [rcx+8]; push rax; mov rax, [rcx]; jmp r13', '2value',
            { cell, literals: cell, source: `2VALUE ${n}`, objects: { CELL: cell } });
        } finally {
          this.k.heap.roots.release(held);
        }
        return;
      }
      case 'TO': case '+TO': case 'IS': {
        const target = this.requireName();
        if (name !== 'IS' && this.state && this.definition && this.compileLocal(target, name === 'TO' ? '(LOCAL!)' : '(LOCAL+!)')) return;
        const w = this.lookup(target);
        if (name === 'TO' && w.kind === 'fvalue') {
          if (this.state) this.append(this.rt('(FTO)'), BigInt(w.cell), TAG_PTR);
          else m.setCell(w.cell, this.fpopBits(), TAG_NUM);
          return;
        }
        if (name === 'TO' && w.kind === '2value') {
          if (this.state) { this.append(this.rt('(2TO)'), BigInt(w.cell), TAG_PTR); return; }
          const x2 = this.popValue();
          const x1 = this.popValue();
          m.setCell(w.cell, x2.value, x2.tag);
          m.setCell(w.cell + 8, x1.value, x1.tag);
          return;
        }
        if (w.cell < 0 || (name === 'IS' ? w.kind !== 'defer' : w.kind !== 'value')) throw new ForthError(`${w.name} is not a ${name === 'IS' ? 'deferred word' : 'VALUE'}`);
        if (this.state) this.append(this.rt(name === '+TO' ? '(+TO)' : '(TO)'), BigInt(w.cell), TAG_PTR);
        else if (name === '+TO') { const v = this.pop(); m.setCell(w.cell, signed(m.cell(w.cell) + v), TAG_NUM); }
        else { const v = this.popValue(); m.setCell(w.cell, v.value, v.tag); }
        return;
      }
      case 'ACTION-OF': {
        const w = this.lookup(this.requireName());
        if (w.kind !== 'defer') throw new ForthError(`${w.name} is not a deferred word`);
        if (this.state) { this.literal(BigInt(w.code), TAG_PTR); this.append(this.wordCode('DEFER@')); } else this.pushValue(m.cell(w.cell), m.cellTag(w.cell));
        return;
      }
      case 'DEFER@': case 'DEFER!': {
        const xt = this.popValue();
        const w = this.byCode.get(Number(xt.value));
        if (!w || w.kind !== 'defer') throw new ForthError('not a deferred word');
        if (name === 'DEFER@') this.pushValue(m.cell(w.cell), m.cellTag(w.cell));
        else { const v = this.popValue(); m.setCell(w.cell, v.value, v.tag); }
        return;
      }
      case "'": this.pushValue(BigInt(this.lookup(this.requireName()).code), TAG_PTR); return;
      case "[']": this.literal(BigInt(this.lookup(this.requireName()).code), TAG_PTR); return;
      case 'CHAR': this.push(this.requireName().charCodeAt(0)); return;
      case '[CHAR]': this.literal(BigInt(this.requireName().charCodeAt(0))); return;
      case 'POSTPONE': case '[COMPILE]': {
        const w = this.lookup(this.requireName());
        if (w.immediate || name === '[COMPILE]') this.compileWord(w);
        else this.append(this.wordCode('(POSTPONE)'), BigInt(w.code), TAG_PTR);
        return;
      }
      case '(POSTPONE)': this.append(Number(m.register(RSI))); return;
      case 'COMPILE,': { const xt = this.popValue(); this.append(Number(xt.value)); return; }
      case 'LITERAL': { const v = this.popValue(); this.literal(v.value, v.tag); return; }
      case 'S"': case 'C"': case 'S\\"': case '."': case 'ABORT"': {
        const raw = name === 'S\\"' ? this.parseEscaped() : this.parse(34).text;
        if (name === 'C"') {
          const a = this.keepString(String.fromCharCode(raw.length) + raw);
          if (this.state) this.literal(BigInt(a)); else this.push(a);
          return;
        }
        if (name === '."' && !this.state) { this.emit(raw); return; }
        if (this.state) {
          const a = this.keepString(raw);
          this.literal(BigInt(a));
          this.literal(BigInt(raw.length));
          if (name === '."') this.append(this.wordCode('TYPE'));
          if (name === 'ABORT"') this.append(this.wordCode('(ABORT")'));
          return;
        }
        if (name === 'ABORT"') throw new ForthError('Interpreting a compile-only word');
        const a = ORIGIN + TRANSIENT + TRANSIENT_SIZE * this.transientFlip;
        this.transientFlip ^= 1;
        if (raw.length > TRANSIENT_SIZE) throw new ForthError('string too long');
        this.setText(a, raw);
        this.push(a);
        this.push(raw.length);
        return;
      }
      case '(S")': return;
      case '(': {
        // In a file a comment may go on over lines, as in gforth.
        for (;;) {
          const before = this.in;
          const t = this.source.text;
          const close = t.indexOf(')', before);
          if (close >= 0) { this.in = close + 1; return; }
          this.in = t.length;
          if (this.source.kind !== 'file' || !this.refill()) return;
        }
      }
      case '\\': {
        // In a block, to the end of its 64-character line; elsewhere to the end of the line.
        const s = this.source;
        this.in = s.kind === 'block' ? Math.min(s.text.length, (Math.floor(this.in / 64) + 1) * 64) : s.text.length;
        return;
      }
      case '.(': this.emit(this.parse(41).text); return;
      case 'IF': this.push(this.append(this.rt('(0BRANCH)'))); return;
      case 'ELSE': { const orig = this.popNumber(); const o2 = this.append(this.rt('(BRANCH)')); this.resolve(orig); this.push(o2); return; }
      case 'THEN': this.resolve(this.popNumber()); return;
      case 'BEGIN': this.push(this.def.pairs.length); return;
      case 'UNTIL': this.append(this.rt('(0BRANCH)'), BigInt(2 * this.popNumber())); return;
      case 'AGAIN': this.append(this.rt('(BRANCH)'), BigInt(2 * this.popNumber())); return;
      case 'WHILE': { const dest = this.pop(); this.push(this.append(this.rt('(0BRANCH)'))); this.push(dest); return; }
      case 'REPEAT': { this.append(this.rt('(BRANCH)'), BigInt(2 * this.popNumber())); this.resolve(this.popNumber()); return; }
      case 'DO': this.append(this.rt('(DO)')); this.def.leaves.push([]); this.push(this.def.pairs.length); return;
      case '?DO': { const at = this.append(this.rt('(?DO)')); this.def.leaves.push([at]); this.push(this.def.pairs.length); return; }
      case 'LOOP': case '+LOOP': {
        const d = this.def;
        const leaves = d.leaves.pop();
        if (!leaves) throw new ForthError('Unstructured: LOOP without DO');
        this.append(this.rt(name === 'LOOP' ? '(LOOP)' : '(+LOOP)'), BigInt(2 * this.popNumber()));
        for (const l of leaves) this.resolve(l);
        return;
      }
      case 'LEAVE': {
        const d = this.def;
        const inner = d.leaves[d.leaves.length - 1];
        if (!inner) throw new ForthError('Unstructured: LEAVE outside a DO loop');
        inner.push(this.append(this.rt('(LEAVE)')));
        return;
      }
      case 'CASE': this.push(0); return;
      case 'OF': {
        this.compileWord(this.systemWord('OVER'));
        this.compileWord(this.systemWord('='));
        const orig = this.append(this.rt('(0BRANCH)'));
        this.compileWord(this.systemWord('DROP'));
        this.push(orig);
        return;
      }
      case 'ENDOF': {
        const orig = this.popNumber();
        const count = this.popNumber();
        const o2 = this.append(this.rt('(BRANCH)'));
        this.resolve(orig);
        this.push(o2);
        this.push(count + 1);
        return;
      }
      case 'ENDCASE': {
        this.compileWord(this.systemWord('DROP'));
        const count = this.popNumber();
        for (let i = 0; i < count; i++) this.resolve(this.popNumber());
        return;
      }
      case 'RECURSE': this.append(this.def.stub); return;
      case '[': this.setState(false); return;
      case ']': this.setState(true); return;
      case 'EXIT': this.dropLocals(); this.append(this.rt('(EXIT)')); return;
      case 'DOES>': {
        this.dropLocals();
        this.def.locals = [];
        const at = this.append(this.wordCode('(DOES>)'));
        this.append(this.rt('(EXIT)'));
        this.def.pairs[at].operand = BigInt(2 * this.def.pairs.length);
        return;
      }
      case '(DOES>)': {
        const w = this.latest;
        if (!w || w.kind !== 'create' && w.kind !== 'does') throw new ForthError('DOES> needs a word made by CREATE');
        const vector = Number(m.register(RBP));
        const start = Number(m.register(RSI));
        const cell = this.vectorCell(vector);
        // The pairs after DOES> as native code of the word's own (native.ts), else a stub that runs them.
        const native = this.nativeCode ? this.placeNative(this.compileNative(vector, -1, start / 2, w.body)) : null;
        const code = native ?? this.placeCode(`pop r13; push rax; mov rax, ${w.body}; push r13; ${docol(start, '@NEXT')}`, { VECTOR: cell });
        setSlotPointer(m, w.method, METHOD.CODE, code);
        setSlotPointer(m, w.method, METHOD.ENTRY, code);
        setSlotPointer(m, w.method, METHOD.PRAGMAS, this.pragmas('does', w.immediate, w.body, cell));
        const now: Word = { ...w, code, kind: 'does', cell };
        this.byCode.delete(w.code);
        this.byCode.set(code, now);
        if (this.listOf(w.wid).get(w.name)?.code === w.code) this.listOf(w.wid).set(w.name, now);
        this.latest = now;
        return;
      }
      case '>BODY': {
        const xt = this.popValue();
        const w = this.byCode.get(Number(xt.value));
        if (!w || w.body < 0) throw new ForthError('>BODY of a word without a data field');
        this.push(w.body);
        return;
      }
      case 'FIND': {
        const a = this.popNumber();
        const n = this.textAt(a + 1, this.byteAt(a));
        const w = this.find(n);
        if (!w) { this.push(a); this.push(0); } else { this.pushValue(BigInt(w.code), TAG_PTR); this.push(w.immediate ? 1 : -1); }
        return;
      }
      case 'WORD': {
        const delim = this.popNumber();
        const t = this.source.text;
        let i = this.in;
        const isDelim = (c: number): boolean => c === delim || (delim === 32 && c < 32);
        while (i < t.length && isDelim(t.charCodeAt(i))) i++;
        this.in = i;
        const r = this.parse(delim === 32 ? -1 : delim);
        let text = r.text;
        if (delim === 32) {
          const end = text.search(/[\x00-\x20]/);
          if (end >= 0) { this.in = r.offset + end + 1; text = text.slice(0, end); }
        }
        text = text.slice(0, 255);
        this.setByteAt(ORIGIN + WORD_BUFFER, text.length);
        this.setText(ORIGIN + WORD_BUFFER + 1, text);
        this.setByteAt(ORIGIN + WORD_BUFFER + 1 + text.length, 32);
        this.push(ORIGIN + WORD_BUFFER);
        return;
      }
      case 'PARSE': { const r = this.parse(this.popNumber()); this.push(this.source.address + r.offset); this.push(r.text.length); return; }
      case 'PARSE-NAME': { const r = this.parseName(); this.push(this.source.address + r.offset); this.push(r.text.length); return; }
      case 'SOURCE': this.push(this.source.address); this.push(this.source.text.length); return;
      case 'REFILL': this.push(this.refill() ? -1 : 0); return;
      case 'SOURCE-ID': this.push(this.source.id); return;
      case '(EVALUATE)': {
        const n = this.popNumber();
        const a = this.popNumber();
        const text = this.textAt(a, n);
        this.pushSource({ kind: 'evaluate', name: this.source.name, lines: [text], line: 0, text, address: a, savedIn: 0, id: -1 });
        return;
      }
      case '(END-SOURCE)': this.popSource(); return;
      case '(INCLUDED)': { const n = this.popNumber(); this.include(this.textAt(this.popNumber(), n)); return; }
      case 'DEPTH': this.push(this.depth()); return;
      case 'HERE': this.push(this.here); return;
      case 'ALLOT': this.here = this.here + this.popNumber(); return;
      case ',': { const v = this.popValue(); this.comma(v.value, v.tag); return; }
      case 'C,': { const c = this.popNumber(); const a = this.here; this.here = a + 1; this.setByteAt(a, c); return; }
      case 'ALIGN': this.here = (this.here + 7) & ~7; return;
      case 'UNUSED': this.push(Number(this.getVar(VAR.STRINGS)) - this.here); return;
      case 'PAD': this.push(ORIGIN + PAD); return;
      case 'EMIT': this.emit(String.fromCharCode(this.popNumber() & 0xff)); return;
      case 'TYPE': { const n = this.popNumber(); const a = this.popNumber(); if (n > 0) this.emit(this.textAt(a, n)); return; }
      case 'CR': this.emit('\n'); return;
      case 'SPACE': this.emit(' '); return;
      case 'SPACES': { const n = this.popNumber(); if (n > 0) this.emit(' '.repeat(n)); return; }
      case '.': { const v = this.popValue(); this.emit((v.tag === TAG_NUM ? this.format(v.value) : this.describeCell(v.value, v.tag)) + ' '); return; }
      case 'U.': this.emit(this.format(this.pop(), true) + ' '); return;
      case '.R': case 'U.R': {
        const width = this.popNumber();
        const s = this.format(this.pop(), name === 'U.R');
        this.emit(s.padStart(width));
        return;
      }
      case 'D.': case 'D.R': {
        const width = name === 'D.R' ? this.popNumber() : 0;
        const hi = this.pop();
        const lo = this.pop();
        const d = BigInt.asIntN(128, (BigInt.asUintN(64, hi) << 64n) | BigInt.asUintN(64, lo));
        const s = d.toString(this.numberBase).toUpperCase();
        this.emit(name === 'D.' ? s + ' ' : s.padStart(width));
        return;
      }
      case '<#': this.setVar(VAR.HLD, BigInt(ORIGIN + HOLD_END)); return;
      case 'HOLD': this.hold(this.popNumber()); return;
      case 'HOLDS': { const n = this.popNumber(); const a = this.popNumber(); for (let i = n - 1; i >= 0; i--) this.hold(this.byteAt(a + i)); return; }
      case 'SIGN': if (this.pop() < 0n) this.hold(45); return;
      case '#': case '#S': {
        const hi = BigInt.asUintN(64, this.pop());
        const lo = BigInt.asUintN(64, this.pop());
        let ud = (hi << 64n) | lo;
        const base = BigInt(this.numberBase);
        if (base < 2n) throw new ForthError('Division by zero');
        do {
          const dgt = Number(ud % base);
          ud /= base;
          this.hold(dgt < 10 ? 48 + dgt : 55 + dgt);
        } while (name === '#S' && ud !== 0n);
        this.push(signed(ud & MASK));
        this.push(signed(ud >> 64n));
        return;
      }
      case '#>': {
        this.pop();
        this.pop();
        const hld = Number(this.getVar(VAR.HLD));
        this.push(hld);
        this.push(ORIGIN + HOLD_END - hld);
        return;
      }
      case '>NUMBER': {
        let n = this.popNumber();
        let a = this.popNumber();
        const hi = BigInt.asUintN(64, this.pop());
        const lo = BigInt.asUintN(64, this.pop());
        let ud = (hi << 64n) | lo;
        const base = this.numberBase;
        while (n > 0) {
          const d = digit(toUpper(this.byteAt(a)));
          if (d < 0 || d >= base) break;
          ud = BigInt.asUintN(128, ud * BigInt(base) + BigInt(d));
          a++;
          n--;
        }
        this.push(signed(ud & MASK));
        this.push(signed(ud >> 64n));
        this.push(a);
        this.push(n);
        return;
      }
      case 'ACCEPT': {
        const max = this.popNumber();
        const a = this.popNumber();
        const line = readStdinLine() ?? '';
        const text = line.slice(0, Math.max(0, max));
        this.setText(a, text);
        this.push(text.length);
        return;
      }
      case 'KEY': { const c = readStdinChar(); this.push(c); return; }
      case 'ENVIRONMENT?': {
        const n = this.popNumber();
        const q = this.textAt(this.popNumber(), n).toUpperCase();
        const answers: Record<string, bigint[]> = {
          '/COUNTED-STRING': [255n], '/HOLD': [BigInt(HOLD_END - (HOLD_END - 256))], '/PAD': [768n], 'ADDRESS-UNIT-BITS': [8n],
          'FLOORED': [0n], 'MAX-CHAR': [255n], 'MAX-N': [(1n << 63n) - 1n], 'MAX-U': [-1n], 'MAX-D': [-1n, (1n << 63n) - 1n],
          'MAX-UD': [-1n, -1n], 'RETURN-STACK-CELLS': [BigInt(RS_CELLS)], 'STACK-CELLS': [1n << 20n], '#LOCALS': [64n],
          'FLOATING': [-1n], 'FLOATING-EXT': [-1n], 'FLOATING-STACK': [BigInt(FSTACK_CELLS)],
        };
        if (q === 'MAX-FLOAT') { this.fpush(Number.MAX_VALUE); this.push(-1); return; }
        const a = answers[q];
        if (!a) { this.push(0); return; }
        for (const v of a) this.push(v);
        this.push(-1);
        return;
      }
      case 'FILL': {
        const c = this.popNumber();
        const n = this.popNumber();
        const a = this.popNumber();
        for (let i = 0; i < n; i++) this.setByteAt(a + i, c);
        return;
      }
      case 'MOVE': case 'CMOVE': case 'CMOVE>': {
        const n = this.popNumber();
        const to = this.popNumber();
        const from = this.popNumber();
        if (n <= 0) return;
        if (name === 'MOVE') { const bytes = this.bytesAt(from, n); bytes.forEach((b, i) => this.setByteAt(to + i, b)); return; }
        if (name === 'CMOVE') for (let i = 0; i < n; i++) this.setByteAt(to + i, this.byteAt(from + i));
        else for (let i = n - 1; i >= 0; i--) this.setByteAt(to + i, this.byteAt(from + i));
        return;
      }
      case 'ABORT': throw new ForthError('Aborted', true);
      case 'QUIT': throw new ForthError('Quit', true);
      case '(ABORT")': {
        const n = this.popNumber();
        const a = this.popNumber();
        const flag = this.pop();
        if (flag !== 0n) throw new ForthError(this.textAt(a, n), true);
        return;
      }
      case 'MARKER': {
        const n = this.requireName();
        const markName = `forth:${n.toUpperCase()}:${Date.now()}:${Math.random().toString(36).slice(2, 8)}`;
        const here = this.here;
        const strings = Number(this.getVar(VAR.STRINGS));
        const mk = this.k.mark(markName);
        if (typeof mk === 'string') throw new ForthError(mk);
        const info = this.fixedArray([[BigInt(this.k.symbols.intern(markName)), TAG_PTR], [BigInt(here), TAG_NUM], [BigInt(strings), TAG_NUM]]);
        const held = this.k.heap.roots.add(BigInt(info), TAG_PTR);
        try {
          this.install(n.toUpperCase(), `pop r13; mov rsi, [rip+INFO]; mov rsi, [rsi]; mov rcx, ${OP['(MARKER)']}; mov r11, ${SERVICE.FORTH}; syscall; jmp r13`, 'constant',
            { literals: info, cell: info, source: `MARKER ${n}`, objects: { INFO: info } });
        } finally {
          this.k.heap.roots.release(held);
        }
        return;
      }
      case '(MARKER)': {
        // rsi: the marker's mark name; the info Array is the word's cell.
        const sym = Number(m.register(RSI));
        const text = this.k.symbols.text(sym);
        let info = -1;
        for (const w of this.byCode.values()) if (w.kind === 'constant' && w.cell >= 0 && slotPointer(m, w.cell, 0) === sym) info = w.cell;
        const r = this.k.forget(text);
        if (r !== null) throw new ForthError(r);
        if (info >= 0) { this.setVar(VAR.DP, BigInt(slotNumber(m, info, 1))); this.setVar(VAR.STRINGS, BigInt(slotNumber(m, info, 2))); }
        this.refresh();
        return;
      }
      case 'SEE': { this.emit(this.see(this.requireName()) + '\n'); return; }
      case 'WORDS': { this.emit(this.words().map((w) => w.toLowerCase()).join(' ') + '\n'); return; }
      case 'BYE': this.bye = true; throw new ForthError('bye', true);
      case 'SAVE-INPUT': { const s = this.source; this.push(s.kind === 'block' ? s.block ?? 0 : s.line); this.push(this.in); this.push(2); return; }
      case 'RESTORE-INPUT': {
        const n = this.popNumber();
        if (n !== 2) { for (let i = 0; i < n; i++) this.pop(); this.push(-1); return; }
        const inn = this.popNumber();
        const line = this.popNumber();
        const s = this.source;
        if (s.kind === 'block') {
          if (s.block !== line) { s.block = line; this.reloadBlock(s); this.setVar(VAR.BLK, BigInt(line)); }
        } else if (s.line !== line) { s.line = line; this.loadLine(s); }
        this.in = inn;
        this.push(0);
        return;
      }
      case 'SEND': {
        // ( receiver arg1 .. argn c-addr u -- result ): what is left below the selector is a
        // Smalltalk send's value stack (kernel/ABI.md); the stub calls what SEND finds.
        const n = this.popNumber();
        const selector = this.textAt(this.popNumber(), n);
        const arity = arityOf(selector);
        if (arity < 0) throw new ForthError(`SEND: ${JSON.stringify(selector)} is not a selector`);
        this.need(arity + 1);
        this.sendSelector(m, selector, arity);
        return;
      }
      case 'SMALLTALK': {
        // ( c-addr u -- x ): compile the expression as a DoIt and give the stub its code to
        // call, with nil, its receiver, on the stack.
        const n = this.popNumber();
        const text = this.textAt(this.popNumber(), n);
        const parsed = parse(text);
        if (!parsed.ok) throw new ForthError(`SMALLTALK: ${formatSyntaxError(parsed.error)}`);
        const item = parsed.items[0];
        if (parsed.items.length !== 1 || item.kind !== 'doit') throw new ForthError('SMALLTALK takes one Smalltalk expression');
        const r = this.bedrock.compiler.doIt(item);
        if (!r.ok) throw new ForthError(`SMALLTALK: ${r.error.message}`);
        this.stRoots.push(this.k.heap.roots.add(BigInt(r.method), TAG_PTR));
        this.rpush(-1n);
        this.pushValue(BigInt(this.k.nil), TAG_PTR);
        m.setRegister(R11, BigInt(r.entry), TAG_PTR);
        return;
      }
      case '(ST-DONE)': {
        // The return stack says what was called: n arguments' bytes (SEND), or -1 (SMALLTALK).
        const depth = Number(m.register(R15)) - 1;
        if (depth < 0) throw new ForthError('Return stack underflow');
        const what = signed(m.cell(Number(m.register(R14)) + 8 * depth));
        m.setRegister(R15, BigInt(depth), TAG_NUM);
        if (what < 0n) { const h = this.stRoots.pop(); if (h !== undefined) this.k.heap.roots.release(h); }
        else m.setRegister(RSP, m.register(RSP) + what, TAG_STACK);
        if (m.registerTag(RAX) === TAG_PTR) {
          const p = Number(m.register(RAX));
          if (p === this.k.true) m.setRegister(RAX, -1n, TAG_NUM);
          else if (p === this.k.false) m.setRegister(RAX, 0n, TAG_NUM);
        }
        return;
      }
      case '>STRING': {
        const n = this.popNumber();
        const text = this.textAt(this.popNumber(), n);
        const str = makeString(this.k, text, false);
        if (str < 0) throw new ForthError('out of memory');
        this.pushValue(BigInt(str), TAG_PTR);
        return;
      }
      case 'STRING>': {
        const v = this.popValue();
        const p = Number(v.value);
        if (v.tag !== TAG_PTR || !isObject(m, p) || (classIndexOf(m, p) !== CLASS.String && classIndexOf(m, p) !== wideStringClass(this.k) && !isSymbolClass(classIndexOf(m, p)))) throw new ForthError('STRING> needs a String or a Symbol');
        const text = this.k.textOf(p);
        if (text.length > TRANSIENT_SIZE) throw new ForthError('string too long');
        const a = ORIGIN + TRANSIENT + TRANSIENT_SIZE * this.transientFlip;
        this.transientFlip ^= 1;
        this.setText(a, text);
        this.push(a);
        this.push(text.length);
        return;
      }
      case 'CATCH': {
        const xt = this.popValue();
        if (xt.tag !== TAG_PTR) throw new ForthError('Invalid memory address');
        this.rpushValue(m.register(13), m.registerTag(13));
        const depth = this.depth();
        this.catches.push({
          depth, r15: m.register(R15), rbp: { value: m.register(RBP), tag: m.registerTag(RBP) }, rbx: m.register(3),
          sources: this.sources.length, level: this.frames.length, fp: this.getVar(FVAR.FP),
        });
        m.setRegister(R11, xt.value, xt.tag);
        return;
      }
      case '(UNCATCH)': {
        // After a THROW the frame is gone and the code is on the stack; else a word that took
        // more than it was given is a stack underflow, THROWn (-4), and anything else is 0.
        const thrown = this.thrown;
        this.thrown = false;
        if (!thrown) {
          if (this.depth() < 0 && this.catchable()) throw new ForthError('Stack underflow');
          if (!this.catches.pop()) throw new ForthError('CATCH without its frame');
        }
        const depth = Number(m.register(R15)) - 1;
        const at = Number(m.register(R14)) + 8 * depth;
        m.setRegister(13, m.cell(at), m.cellTag(at));
        m.setRegister(R15, BigInt(depth), TAG_NUM);
        if (!thrown) this.push(0);
        return;
      }
      case 'THROW': {
        const n = this.pop();
        if (n === 0n) return;
        const e = new ForthError(THROW_MESSAGES.get(Number(n)) ?? `error #${n}`, n === -1n || n === -2n);
        e.code = Number(n);
        throw e;
      }
      case 'M*/': {
        // ( d1 n1 +n2 -- d2 ): through a triple-cell product; the quotient truncates, as SM/REM.
        const n2 = this.pop();
        const n1 = this.pop();
        const hi = this.pop();
        const lo = this.pop();
        if (n2 === 0n) throw new ForthError('Division by zero');
        const d = BigInt.asIntN(128, (BigInt.asUintN(64, hi) << 64n) | BigInt.asUintN(64, lo));
        const q = BigInt.asUintN(128, (d * n1) / n2);
        this.push(signed(q & MASK));
        this.push(signed(q >> 64n));
        return;
      }
      case 'SLITERAL': {
        const n = this.popNumber();
        const a = this.keepString(this.textAt(this.popNumber(), n));
        this.literal(BigInt(a));
        this.literal(BigInt(n));
        return;
      }
      case 'UNESCAPE': {
        // ( c-addr1 u1 c-addr2 -- c-addr2 u2 ): the text with every % doubled, at c-addr2.
        const to = this.popNumber();
        const n = this.popNumber();
        const text = this.textAt(this.popNumber(), n).replace(/%/g, '%%');
        this.setText(to, text);
        this.push(to);
        this.push(text.length);
        return;
      }
      case 'REPLACES': {
        // ( c-addr1 u1 c-addr2 u2 -- ): SUBSTITUTE replaces %name% (c-addr2 u2) by c-addr1 u1 from now on.
        const n = this.popNumber();
        const key = this.textAt(this.popNumber(), n).toUpperCase();
        const u = this.popNumber();
        this.substitutions.set(key, this.textAt(this.popNumber(), u));
        return;
      }
      case 'SUBSTITUTE': {
        // ( c-addr1 u1 c-addr2 u2 -- c-addr2 u3 n ): one pass over the text: %% is %, %name% of a
        // REPLACES is its text (n counts them), anything else stays; n < 0 if it does not fit.
        const size = this.popNumber();
        const to = this.popNumber();
        const n = this.popNumber();
        const text = this.textAt(this.popNumber(), n);
        let out = '';
        let count = 0;
        for (let i = 0; i < text.length;) {
          if (text[i] !== '%') { out += text[i++]; continue; }
          const close = text.indexOf('%', i + 1);
          if (close < 0) { out += text.slice(i); break; }
          const key = text.slice(i + 1, close);
          const by = key === '' ? '%' : this.substitutions.get(key.toUpperCase());
          if (by === undefined) { out += text.slice(i, close); i = close; continue; }
          out += by;
          if (key !== '') count++;
          i = close + 1;
        }
        if (out.length > size) { this.push(to); this.push(0); this.push(-1); return; }
        this.setText(to, out);
        this.push(to);
        this.push(out.length);
        this.push(count);
        return;
      }
      case '[IF]': if (this.pop() === 0n) this.skipText(true); return;
      case '[ELSE]': this.skipText(false); return;
      case '[THEN]': return;
      case '[DEFINED]': case '[UNDEFINED]': {
        const found = this.find(this.requireName()) !== undefined;
        this.push(found === (name === '[DEFINED]') ? -1 : 0);
        return;
      }
      case 'AHEAD': this.push(this.append(this.rt('(BRANCH)'))); return;
      case 'SYNONYM': {
        // SYNONYM new old: a word of its own (its own method) with the old word's code and flags.
        const n = this.requireName();
        const w = this.lookup(this.requireName());
        this.install(n.toUpperCase(), '', w.kind, { code: w.code, immediate: w.immediate, body: w.body, cell: w.cell, source: `SYNONYM ${n} ${w.name}` });
        return;
      }
      case 'DUMP': {
        const n = this.popNumber();
        const a = this.popNumber();
        const hex = (v: number, w: number): string => v.toString(16).toUpperCase().padStart(w, '0');
        let text = '';
        for (let at = a; at < a + n; at += 16) {
          const bytes = this.bytesAt(at, Math.min(16, a + n - at));
          text += `\n${hex(at, 8)}: ${bytes.map((b) => hex(b, 2)).join(' ').padEnd(48)}  ${bytes.map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('')}`;
        }
        this.emit(text + '\n');
        return;
      }
      case 'MS': {
        const n = this.popNumber();
        if (n > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, n);
        return;
      }
      case 'TIME&DATE': {
        const d = new Date();
        for (const v of [d.getSeconds(), d.getMinutes(), d.getHours(), d.getDate(), d.getMonth() + 1, d.getFullYear()]) this.push(v);
        return;
      }
      case 'KEY?': this.push(stdinReady() ? -1 : 0); return;
      case 'FORTH-WORDLIST': this.push(FORTH_WID); return;
      case 'GET-ORDER': { const o = this.getOrder(); for (let i = o.length - 1; i >= 0; i--) this.push(o[i]); this.push(o.length); return; }
      case 'SET-ORDER': {
        const n = this.popNumber();
        if (n === -1) { this.setOrder([FORTH_WID]); return; }
        if (n < 0 || n > ORDER_MAX) throw new ForthError('Search-order overflow');
        const wids: number[] = [];
        for (let i = 0; i < n; i++) wids.push(this.popNumber());
        this.setOrder(wids);
        return;
      }
      case 'GET-CURRENT': this.push(this.current); return;
      case 'SET-CURRENT': { const wid = this.popNumber(); this.wordlistClass(wid); this.setVar(VAR.CURRENT, BigInt(wid)); return; }
      case 'WORDLIST': this.push(this.newWordlist()); return;
      case 'SEARCH-WORDLIST': {
        const wid = this.popNumber();
        const n = this.popNumber();
        const text = this.textAt(this.popNumber(), n).toUpperCase();
        this.wordlistClass(wid);
        const w = this.listOf(wid).get(text);
        if (!w) { this.push(0); return; }
        this.pushValue(BigInt(w.code), TAG_PTR);
        this.push(w.immediate ? 1 : -1);
        return;
      }
      case 'DEFINITIONS': { const o = this.getOrder(); if (o.length > 0) this.setVar(VAR.CURRENT, BigInt(o[0])); return; }
      case 'ALSO': { const o = this.getOrder(); if (o.length === 0) throw new ForthError('Search-order underflow'); this.setOrder([o[0], ...o]); return; }
      case 'ONLY': this.setOrder([FORTH_WID]); return;
      case 'PREVIOUS': { const o = this.getOrder(); if (o.length === 0) throw new ForthError('Search-order underflow'); this.setOrder(o.slice(1)); return; }
      case 'FORTH': { const o = this.getOrder(); this.setOrder([FORTH_WID, ...o.slice(1)]); return; }
      case 'ORDER': {
        const label = (wid: number): string => (wid === FORTH_WID ? 'Forth' : `wordlist#${wid}`);
        this.emit(`${this.getOrder().map(label).join(' ')}  [${label(this.current)}]\n`);
        return;
      }
      case '(WL-FIRST)': { const wid = this.popNumber(); this.pushEntry(methodsHead(this.k, this.wordlistClass(wid))); return; }
      case '(WL-NEXT)': this.pushEntry(slotPointer(m, this.popEntry(), ENTRY.NEXT)); return;
      case 'NAME>STRING': {
        const text = this.k.symbols.text(slotPointer(m, this.popEntry(), ENTRY.SELECTOR));
        const a = ORIGIN + TRANSIENT + TRANSIENT_SIZE * this.transientFlip;
        this.transientFlip ^= 1;
        this.setText(a, text.slice(0, TRANSIENT_SIZE));
        this.push(a);
        this.push(Math.min(text.length, TRANSIENT_SIZE));
        return;
      }
      case 'NAME>INTERPRET': case 'NAME>COMPILE': {
        const e = this.popEntry();
        const w = this.wordOf(this.k.symbols.text(slotPointer(m, e, ENTRY.SELECTOR)), slotPointer(m, e, ENTRY.METHOD), 0);
        if (!w) throw new ForthError('not a name token');
        this.pushValue(BigInt(w.code), TAG_PTR);
        if (name === 'NAME>COMPILE') this.pushValue(BigInt(this.wordCode(w.immediate ? 'EXECUTE' : 'COMPILE,')), TAG_PTR);
        return;
      }
      case '{:': {
        // {: args | vals -- comment :}: args are taken from the data stack (the last is its top).
        const args: string[] = [];
        const vals: string[] = [];
        let part: 'args' | 'vals' | 'comment' = 'args';
        for (;;) {
          const t = this.parseName().text;
          if (t === '') { if (this.refill()) continue; throw new ForthError('{: without its :}'); }
          if (t === ':}') break;
          if (part === 'comment') continue;
          if (t === '--') part = 'comment';
          else if (t === '|') part = 'vals';
          else (part === 'args' ? args : vals).push(t);
        }
        this.makeLocals(args, vals.length);
        this.def.locals.push(...vals.map((v) => v.toUpperCase()));
        return;
      }
      case 'LOCALS|': {
        // LOCALS| a b c |: the first name takes the top of the data stack.
        const names: string[] = [];
        for (;;) {
          const t = this.parseName().text;
          if (t === '') { if (this.refill()) continue; throw new ForthError('LOCALS| without its |'); }
          if (t === '|') break;
          names.push(t);
        }
        this.makeLocals(names.reverse(), 0);
        return;
      }
      case '(LOCAL)': {
        // ( c-addr u -- ) at compile time: a local named c-addr u; the one of length 0 makes them
        // (the first declared takes the top of the data stack, as LOCALS|).
        const n = this.popNumber();
        const text = this.textAt(this.popNumber(), n);
        const d = this.def;
        if (n > 0) { d.pendingLocals.push(text); return; }
        const names = d.pendingLocals.reverse();
        d.pendingLocals = [];
        this.makeLocals(names, 0);
        return;
      }
      case 'ALLOCATE': {
        // ( u -- a-addr ior ): a block of its own, an Array (so bounds-checked as the data space).
        const a = this.allocateBlock(this.popNumber());
        this.push(a ?? 0);
        this.push(a === null ? -59 : 0);
        return;
      }
      case 'FREE': {
        const n = this.blockAt(this.popNumber());
        if (n >= 0) setSlotPointer(m, this.heapTable(), n, this.k.nil);
        this.push(n >= 0 ? 0 : -60);
        return;
      }
      case 'RESIZE': {
        // ( a-addr1 u -- a-addr2 ior ): a new block in the same place (the address stays); on a
        // failure the old block is as it was.
        const u = this.popNumber();
        const a = this.popNumber();
        const n = this.blockAt(a);
        const b = n >= 0 ? this.newBlock(u) : null;
        if (b === null) { this.push(a); this.push(-61); return; }
        const old = this.block(n);
        const cells = Math.min(slotCount(m, old), slotCount(m, b));
        for (let i = 0; i < cells; i++) setSlot(m, b, i, slot(m, old, i), slotTag(m, old, i));
        setSlotPointer(m, this.heapTable(), n, b);
        this.push(a);
        this.push(0);
        return;
      }
      case 'CREATE-FILE': case 'OPEN-FILE': {
        // ( c-addr u fam -- fileid ior ): fam is R/O 0, W/O 1, R/W 2 (BIN changes nothing).
        const fam = this.popNumber() & 3;
        const n = this.popNumber();
        const path = resolve(this.textAt(this.popNumber(), n));
        const r = fileCall(() => openSync(path, name === 'CREATE-FILE' ? 'w+' : fam === 0 ? 'r' : 'r+'));
        if (typeof r !== 'number') { this.push(0); this.push(r.ior); return; }
        const id = ++this.fileIds;
        this.files.set(id, { fd: r, path, position: 0 });
        this.push(id);
        this.push(0);
        return;
      }
      case 'CLOSE-FILE': {
        const id = this.popNumber();
        const f = this.files.get(id);
        this.files.delete(id);
        this.push(f ? iorOf(fileCall(() => closeSync(f.fd))) : -37);
        return;
      }
      case 'READ-FILE': case 'READ-LINE': {
        // READ-FILE ( c-addr u1 fileid -- u2 ior ), READ-LINE ( c-addr u1 fileid -- u2 flag ior ).
        const f = this.file(this.popNumber());
        const u1 = this.popNumber();
        const a = this.popNumber();
        const line = name === 'READ-LINE';
        const buf = Buffer.alloc(Math.max(0, Math.min(u1, BLOCK_MAX)) + (line ? 2 : 0));
        const r = f ? fileCall(() => readSync(f.fd, buf, 0, buf.length, f.position)) : { ior: -37 };
        if (typeof r !== 'number') { this.push(0); if (line) this.push(0); this.push(r.ior); return; }
        let u2 = Math.min(r, u1);
        let advance = u2;
        if (line) {
          const nl = buf.subarray(0, Math.min(r, u1 + 1)).indexOf(10);
          if (nl >= 0) { u2 = nl > 0 && buf[nl - 1] === 13 ? nl - 1 : nl; advance = nl + 1; }
        }
        for (let i = 0; i < u2; i++) this.setByteAt(a + i, buf[i]);
        f!.position += advance;
        this.push(u2);
        if (line) this.push(r === 0 ? 0 : -1);
        this.push(0);
        return;
      }
      case 'WRITE-FILE': case 'WRITE-LINE': {
        const f = this.file(this.popNumber());
        const n = this.popNumber();
        const bytes = this.bytesAt(this.popNumber(), n);
        if (name === 'WRITE-LINE') bytes.push(10);
        const r = f ? fileCall(() => writeSync(f.fd, Buffer.from(bytes), 0, bytes.length, f.position)) : { ior: -37 };
        if (typeof r === 'number') f!.position += r;
        this.push(iorOf(r));
        return;
      }
      case 'FILE-POSITION': case 'FILE-SIZE': {
        const f = this.file(this.popNumber());
        const r = !f ? { ior: -37 } : name === 'FILE-POSITION' ? f.position : fileCall(() => fstatSync(f.fd).size);
        this.push(typeof r === 'number' ? r : 0);
        this.push(0);
        this.push(iorOf(r));
        return;
      }
      case 'REPOSITION-FILE': case 'RESIZE-FILE': {
        const f = this.file(this.popNumber());
        const hi = this.pop();
        const lo = BigInt.asUintN(64, this.pop());
        const size = hi === 0n && lo <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(lo) : -1;
        if (!f || size < 0) { this.push(-37); return; }
        if (name === 'REPOSITION-FILE') { f.position = size; this.push(0); return; }
        this.push(iorOf(fileCall(() => ftruncateSync(f.fd, size))));
        return;
      }
      case 'FLUSH-FILE': { const f = this.file(this.popNumber()); this.push(f ? iorOf(fileCall(() => fsyncSync(f.fd))) : -37); return; }
      case 'DELETE-FILE': case 'FILE-STATUS': {
        const n = this.popNumber();
        const path = resolve(this.textAt(this.popNumber(), n));
        if (name === 'DELETE-FILE') { this.push(iorOf(fileCall(() => unlinkSync(path)))); return; }
        const r = fileCall(() => statSync(path).mode);
        this.push(typeof r === 'number' ? r : 0);
        this.push(iorOf(r));
        return;
      }
      case 'RENAME-FILE': {
        const n2 = this.popNumber();
        const to = resolve(this.textAt(this.popNumber(), n2));
        const n1 = this.popNumber();
        const from = resolve(this.textAt(this.popNumber(), n1));
        this.push(iorOf(fileCall(() => renameSync(from, to))));
        return;
      }
      case '(INCLUDE-FILE)': {
        // ( fileid -- ): interpret the rest of the file, from where it is.
        const id = this.popNumber();
        const f = this.file(id);
        if (!f) throw new ForthError('File I/O exception');
        const size = fileCall(() => fstatSync(f.fd).size);
        if (typeof size !== 'number') throw new ForthError('File I/O exception');
        const buf = Buffer.alloc(Math.max(0, size - f.position));
        const r = fileCall(() => readSync(f.fd, buf, 0, buf.length, f.position));
        if (typeof r !== 'number') throw new ForthError('File I/O exception');
        f.position += r;
        this.pushSource({ kind: 'file', name: f.path, lines: splitLines(buf.subarray(0, r).toString('latin1')), line: 0, text: '', address: ORIGIN + TIB, savedIn: 0, id });
        return;
      }
      case '(REQUIRED)': {
        // ( c-addr u -- flag ): true when the file was included already (then nothing is done),
        // else it is pushed as the source INCLUDED's INTERPRET reads.
        const n = this.popNumber();
        const file = this.textAt(this.popNumber(), n);
        const path = this.findFile(file);
        if (this.included.has(path)) { this.push(-1); return; }
        this.include(file);
        this.push(0);
        return;
      }
      case 'BLOCK': case 'BUFFER': this.push(this.blockBuffer(this.popNumber(), name === 'BLOCK')); return;
      case 'UPDATE': { const b = this.buffers.find((x) => x.block === this.currentBlock); if (b) b.updated = true; return; }
      case 'SAVE-BUFFERS': this.saveBuffers(); return;
      case 'FLUSH': this.saveBuffers(); this.buffers.forEach((b) => { b.block = 0; }); return;
      case 'EMPTY-BUFFERS': this.buffers.forEach((b) => { b.block = 0; b.updated = false; }); return;
      case '(LOAD)': {
        const n = this.popNumber();
        const s: Source = { kind: 'block', name: this.source.name, lines: [], line: 0, text: '', address: 0, savedIn: 0, id: 0, block: n };
        this.reloadBlock(s);
        this.pushSource(s);
        return;
      }
      case 'LIST': {
        const n = this.popNumber();
        const a = this.blockBuffer(n, true);
        const text = this.textAt(a, 1024);
        const lines: string[] = [];
        for (let i = 0; i < 16; i++) lines.push(`${String(i).padStart(2)} ${text.slice(64 * i, 64 * i + 64)}`);
        this.emit(`Screen ${n}\n${lines.join('\n')}\n`);
        this.setVar(VAR.SCR, BigInt(n));
        return;
      }
      case '(ST-ENTER)': return this.stEnter();
      case '(ST-LEAVE)': return this.stLeave();
      default: throw new ForthError(`unknown host operation ${op}`);
    }
  }

  // ---- Smalltalk calling Forth (Forth class>>run:with:, bootstrap/forth/forth.bedrock) ----

  /**
   * A Smalltalk evaluation begins (Bedrock.startAfresh), or one calling Forth failed: what calls
   * from Smalltalk left unfinished is dropped, as gforth drops it after an error.
   */
  private afresh(): void {
    if (this.running) return;
    this.frames = [];
    this.sources = [];
    this.rsMarks = [];
    this.dropCatches();
    this.stRoots.forEach((r) => this.k.heap.roots.release(r));
    this.stRoots = [];
    if (this.definition) { this.definition = null; this.setState(false); }
  }

  private dropCatches(): void { this.catches = []; this.thrown = false; }

  /** Is there a CATCH to THROW to (one made since Smalltalk last called into Forth)? */
  private catchable(): boolean {
    const c = this.catches[this.catches.length - 1];
    return c !== undefined && c.level === this.frames.length;
  }

  /**
   * THROW n to the innermost CATCH: the data stack back to its depth then (with n on top), the
   * return stack and the threaded code's registers as they were, r13 CATCH's return address,
   * the input sources those of then.
   */
  private unwind(n: number): Insn | null {
    const m = this.m;
    const frame = this.catches.pop()!;
    // The items below the depth then are where they were (what the words in the CATCH left
    // there); the top of then is in rax if the depth is the same now, else in its cell.
    const now = this.depth();
    if (now !== frame.depth && frame.depth > 0) {
      const at = this.base - 8 * (frame.depth + 1);
      m.setRegister(RAX, m.cell(at), m.cellTag(at));
    }
    m.setRegister(RSP, BigInt(this.base - 8 * frame.depth), TAG_STACK);
    this.push(n);
    this.setVar(FVAR.FP, frame.fp);
    // The run goes on in CATCH's own code, just after its call of the xt (the instruction
    // answered), with every register the ABI says a call preserves (rsp, rbp, rbx, r15) as it
    // was at that call: from there (UNCATCH) returns as from a CATCH that did not THROW.
    // (A THROW is a fault the run stops at, never a jump out of nested calls: translated code
    // was seen to take such a jump to an address that is also an inner frame's continuation,
    // the next loop's, as that frame's own: the report of issue 15's step 4.)
    m.setRegister(R15, frame.r15, TAG_NUM);
    m.setRegister(RBP, frame.rbp.value, frame.rbp.tag);
    m.setRegister(3, frame.rbx, TAG_NUM);
    while (this.sources.length > frame.sources) this.popSource();
    this.thrown = true;
    const w = this.system('CATCH');
    const code = w ? m.cacheOf(w.code) : undefined;
    return code ? m.fetch(code, this.catchLanding - w!.code) : null;
  }

  private rpushValue(v: bigint, tag: number): void {
    const m = this.m;
    const depth = Number(m.register(R15));
    if (depth < 0 || depth >= RS_CELLS) throw new ForthError('Return stack overflow');
    m.setCell(Number(m.register(R14)) + 8 * depth, v, tag);
    m.setRegister(R15, BigInt(depth + 1), TAG_NUM);
  }

  /** Push on the return stack (r14, r15). */
  private rpush(v: bigint): void {
    const m = this.m;
    const depth = Number(m.register(R15));
    if (depth < 0 || depth >= RS_CELLS) throw new ForthError('Return stack overflow');
    m.setCell(Number(m.register(R14)) + 8 * depth, v, TAG_NUM);
    m.setRegister(R15, BigInt(depth + 1), TAG_NUM);
  }

  /**
   * run:with: begins: rsi is the text to interpret (rdx nil) or the word's name (rdx the
   * arguments). The data stack starts empty where the machine stack is now; r12 is the frame.
   */
  private stEnter(): void {
    const m = this.m;
    const k = this.k;
    const what = m.register(RSI);
    const args = m.register(2);
    if (m.registerTag(RSI) !== TAG_PTR || !isObject(m, Number(what))) throw new ForthError('Forth run:with: needs a String');
    const text = k.textOf(Number(what));
    const call = !(m.registerTag(2) === TAG_PTR && Number(args) === k.nil);
    const word = call ? this.lookup(text.trim()) : null;
    const rs = slotPointer(m, this.fs, FS.RS);
    const r15 = m.register(R15);
    if (!(m.registerTag(R14) === TAG_PTR && Number(m.register(R14)) === rs && m.registerTag(R15) === TAG_NUM && r15 >= 0n && r15 < BigInt(RS_CELLS - 64))) {
      m.setRegister(R14, BigInt(rs), TAG_PTR);
      m.setRegister(R15, 0n, TAG_NUM);
    }
    const frame: Frame = { id: ++this.frameIds, base: m.stackHi - Number(m.register(RSP)), previousBase: this.baseFromTop, sources: this.sources.length };
    this.frames.push(frame);
    this.baseFromTop = frame.base;
    m.setRegister(12, BigInt(frame.id), TAG_NUM);
    if (word) {
      const a = Number(args);
      const n = isObject(m, a) && classIndexOf(m, a) === CLASS.Array ? Number(m.cell(a - 8) & 0xffffffffn) : -1;
      if (n < 0) throw new ForthError('Forth call:with: needs an Array of arguments');
      for (let i = 0; i < n; i++) this.pushValue(m.cell(a + 8 * i), m.cellTag(a + 8 * i));
      m.setRegister(R11, BigInt(word.code), TAG_PTR);
    } else {
      this.pushSource({ kind: 'file', name: '(smalltalk)', lines: splitLines(text), line: 0, text: '', address: ORIGIN + TIB, savedIn: 0, id: -1 });
      m.setRegister(R11, BigInt(this.interpretCode), TAG_PTR);
    }
  }

  /** run:with: ends: rax := what was left on the data stack; rsp back to where it began. */
  private stLeave(): void {
    const m = this.m;
    const k = this.k;
    const id = Number(m.register(12));
    const at = this.frames.findIndex((f) => f.id === id);
    if (at < 0) throw new ForthError('Forth run:with: left without entering');
    const frame = this.frames[at];
    // Frames above it were left by an exception that unwound past them.
    this.frames.length = at;
    while (this.sources.length > frame.sources) this.popSource();
    const n = this.depth();
    if (n < 0) { this.baseFromTop = frame.previousBase; throw new ForthError('Stack underflow'); }
    let result: { value: bigint; tag: number } = { value: BigInt(k.nil), tag: TAG_PTR };
    if (n === 1) result = { value: m.register(RAX), tag: m.registerTag(RAX) };
    else if (n > 1) {
      // Allocation may move what the stack holds: read it after.
      const array = k.heap.allocate(n, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
      if (array < 0) throw new ForthError('out of memory');
      this.stackValues().forEach((v, i) => setSlot(m, array, i, v.value, v.tag));
      result = { value: BigInt(array), tag: TAG_PTR };
    }
    m.setRegister(RSP, BigInt(m.stackHi - frame.base), TAG_STACK);
    m.setRegister(RAX, result.value, result.tag);
    this.baseFromTop = frame.previousBase;
  }

  /** The cell holding `vector` (the literals of the colon definition whose vector it is). */
  private vectorCell(vector: number): number {
    for (const w of this.byCode.values()) if (w.kind === 'colon' && w.cell >= 0 && slotPointer(this.m, w.cell, 0) === vector) return w.cell;
    throw new ForthError('DOES> outside a colon definition');
  }

  /** A name token is a Forth word's entry in its wordlist's chain (shadowed ones too); 0 after the last. */
  private pushEntry(from: number): void {
    const k = this.k;
    const m = this.m;
    for (let e = from; e >= 0 && e !== k.nil; e = slotPointer(m, e, ENTRY.NEXT)) {
      const method = slotPointer(m, e, ENTRY.METHOD);
      if (method < 0 || method === k.nil || !this.wordOf('', method, 0)) continue;
      this.pushValue(BigInt(e), TAG_PTR);
      return;
    }
    this.push(0);
  }

  private popEntry(): number {
    const v = this.popValue();
    const e = Number(v.value);
    if (v.tag !== TAG_PTR || !isObject(this.m, e) || classIndexOf(this.m, e) !== CLASS.MethodEntry) throw new ForthError('not a name token');
    return e;
  }

  /**
   * Locals live on the return stack, above the definition's frame: (LOCALS) moves the arguments
   * there (and zeroes the rest); a local is read and written at its distance from the top,
   * known when compiling (the DO loops opened since add two cells each: return-stack items a
   * program pushes itself must be gone before it uses a local, as the standard says).
   */
  private makeLocals(args: readonly string[], vals: number): void {
    const d = this.def;
    if (d.locals.length > 0) throw new ForthError('one set of locals per definition');
    const total = args.length + vals;
    if (total === 0) return;
    if (total > 64) throw new ForthError('at most 64 locals');
    d.localsLoops = d.leaves.length;
    this.append(this.rt('(LOCALS)'), BigInt(args.length * 65536 + total));
    d.locals = args.map((a) => a.toUpperCase());
  }

  /** Compile `op` on the local `name` if there is one; false if not. */
  private compileLocal(name: string, op: string): boolean {
    const d = this.def;
    const i = d.locals.lastIndexOf(name.toUpperCase());
    if (i < 0) return false;
    const distance = d.locals.length - i + 2 * (d.leaves.length - d.localsLoops);
    this.append(this.rt(op), BigInt(8 * distance));
    return true;
  }

  /** Before an EXIT (or the end of the definition): the locals are taken off the return stack. */
  private dropLocals(): void {
    const d = this.def;
    if (d.locals.length > 0) this.append(this.rt('(UNLOCALS)'), BigInt(d.locals.length));
  }

  private hold(c: number): void {
    const hld = Number(this.getVar(VAR.HLD)) - 1;
    if (hld < ORIGIN + HOLD_END - 256) throw new ForthError('Pictured numeric output string overflow');
    this.setVar(VAR.HLD, BigInt(hld));
    this.setByteAt(hld, c);
  }

  private comma(v: bigint, tag: number): void {
    const a = this.here;
    this.here = a + 8;
    if (a % 8 === 0) this.setCellAt(a, v, tag);
    else for (let i = 0; i < 8; i++) this.setByteAt(a + i, Number((BigInt.asUintN(64, v) >> BigInt(8 * i)) & 0xffn));
  }

  private create_(name: string): void {
    this.here = (this.here + 7) & ~7;
    const body = this.here;
    this.install(name.toUpperCase(), `pop r13; push rax; mov rax, ${body}; jmp r13`, 'create', { body, source: `CREATE ${name}` });
  }

  private resolve(at: number): void {
    const d = this.def;
    const p = d.pairs[at];
    if (!p) throw new ForthError('Unstructured: control structure mismatch');
    p.operand = BigInt(2 * d.pairs.length);
  }

  private parseEscaped(): string {
    const t = this.source.text;
    let i = this.in;
    let out = '';
    const esc: Record<string, string> = { a: '\x07', b: '\x08', e: '\x1b', f: '\x0c', l: '\n', n: '\n', q: '"', r: '\r', t: '\t', v: '\x0b', z: '\0', '"': '"', '\\': '\\' };
    while (i < t.length && t[i] !== '"') {
      if (t[i] === '\\' && i + 1 < t.length) {
        const c = t[i + 1];
        if (c === 'm') { out += '\r\n'; i += 2; continue; }
        if (c === 'x' && /^[0-9a-fA-F]{2}$/.test(t.slice(i + 2, i + 4))) { out += String.fromCharCode(parseInt(t.slice(i + 2, i + 4), 16)); i += 4; continue; }
        out += esc[c] ?? c;
        i += 2;
        continue;
      }
      out += t[i++];
    }
    this.in = Math.min(i + 1, t.length);
    return out;
  }

  /**
   * [IF] of a false flag (untilElse) or [ELSE]: skip the text, over lines, up to the [ELSE] or
   * [THEN] that matches (nested [IF]s are skipped whole); words are parsed, not run.
   */
  private skipText(untilElse: boolean): void {
    let level = 1;
    for (;;) {
      const t = this.parseName().text.toUpperCase();
      if (t === '') {
        if (this.refill()) continue;
        return;
      }
      if (t === '[IF]') level++;
      else if (t === '[ELSE]' && untilElse && level === 1) return;
      else if (t === '[THEN]' && --level === 0) return;
    }
  }

  /** The block buffers (each an ALLOCATE block of 1024 bytes), the block each holds (0: none). */
  private buffers: { address: number; block: number; updated: boolean; used: number }[] = [];
  private currentBlock = 0;
  private blockUses = 0;

  /** The host file that holds the blocks (blocks.fb in the working directory, as gforth's). */
  private blockFile(): number {
    const path = resolve(BLOCK_FILE);
    const fd = fileCall(() => openSync(path, existsSync(path) ? 'r+' : 'w+'));
    if (typeof fd !== 'number') throw new ForthError('File I/O exception');
    return fd;
  }

  /** BLOCK (read) or BUFFER (not read): the address of a buffer holding block n. */
  private blockBuffer(n: number, read: boolean): number {
    if (!Number.isSafeInteger(n) || n < 1 || n > 1 << 20) throw new ForthError('Invalid block number');
    this.currentBlock = n;
    const use = ++this.blockUses;
    const have = this.buffers.find((b) => b.block === n);
    if (have) { have.used = use; return have.address; }
    let b = this.buffers.find((x) => x.block === 0);
    if (!b && this.buffers.length < BLOCK_BUFFERS) {
      const a = this.allocateBlock(1024);
      if (a === null) throw new ForthError('out of memory');
      b = { address: a, block: 0, updated: false, used: 0 };
      this.buffers.push(b);
    }
    if (!b) {
      b = this.buffers.reduce((x, y) => (x.used <= y.used ? x : y));
      if (b.updated) this.writeBlock(b);
    }
    b.block = n;
    b.updated = false;
    b.used = use;
    if (read) {
      const buf = Buffer.alloc(1024, 32);
      const fd = this.blockFile();
      try { fileCall(() => readSync(fd, buf, 0, 1024, (n - 1) * 1024)); } finally { closeSync(fd); }
      for (let i = 0; i < 1024; i++) this.setByteAt(b.address + i, buf[i]);
    }
    return b.address;
  }

  private writeBlock(b: { address: number; block: number; updated: boolean }): void {
    const bytes = Buffer.from(this.bytesAt(b.address, 1024));
    const fd = this.blockFile();
    try {
      const r = fileCall(() => writeSync(fd, bytes, 0, 1024, (b.block - 1) * 1024));
      if (typeof r !== 'number') throw new ForthError('File I/O exception');
    } finally {
      closeSync(fd);
    }
    b.updated = false;
  }

  private saveBuffers(): void { for (const b of this.buffers) if (b.block !== 0 && b.updated) this.writeBlock(b); }

  /** A block source's text: its block, read (into a buffer) as one line of 1024 characters. */
  private reloadBlock(s: Source): void {
    const a = this.blockBuffer(s.block ?? 0, true);
    s.address = a;
    s.lines = [this.textAt(a, 1024)];
    s.line = 0;
    s.text = s.lines[0];
  }

  /** Files the File word set opened, by fileid; and the files INCLUDED read (for REQUIRED). */
  private readonly files = new Map<number, { fd: number; path: string; position: number }>();
  private readonly included = new Set<string>();

  private file(id: number): { fd: number; path: string; position: number } | undefined { return this.files.get(id); }

  private findFile(file: string): string {
    const from = this.sources.map((s) => s.name).reverse().find((n) => n !== '' && n !== '(user)');
    const candidates = [resolve(file), ...(from ? [resolve(dirname(from), file)] : [])];
    const path = candidates.find((c) => existsSync(c));
    if (!path) throw new ForthError(`${file}: No such file or directory`);
    return path;
  }

  private include(file: string): void {
    const path = this.findFile(file);
    this.included.add(path);
    const text = readFileSync(path, 'latin1');
    const lines = splitLines(text);
    this.pushSource({ kind: 'file', name: path, lines, line: 0, text: '', address: ORIGIN + TIB, savedIn: 0, id: ++this.fileIds });
  }

  /** The outer interpreter's step (see the header): answers in r11 a word to call, or 0. */
  /**
   * The return stack's depth where each INTERPRET running began (its ENTER), by the depth of
   * the source it reads. NEXT puts it back in r15 before every word it answers, and LEAVE takes
   * INTERPRET's return address from there: a word that leaves the return stack unbalanced
   * cannot take the interpreter's return address with it. (In the auto tier, translated code
   * has been seen to run the instruction after a host service twice, which a `sub r15, 1`
   * there did not survive; ENTER and LEAVE by source depth survive being run twice.)
   */
  private rsMarks: bigint[] = [];
  /** CATCHes under way, innermost last. */
  private catches: CatchFrame[] = [];
  /** Where a THROW goes on: in CATCH's code, after its call of the xt; and whether one did. */
  private catchLanding = -1;
  private thrown = false;
  /** The code a failing service THROWs (see service and watchFaults). */
  private pendingThrow: number | null = null;
  /** The String word set's substitutions (REPLACES), by name in upper case. */
  private readonly substitutions = new Map<string, string>();
  /** Smalltalk's calls into Forth under way, innermost last. */
  private frames: Frame[] = [];
  private frameIds = 0;
  /** The DoIts SMALLTALK is running. */
  private stRoots: number[] = [];
  /** Is the host's interpret() running (Forth at the top), or is Forth called from Smalltalk? */
  private running = false;

  private next(): void {
    const m = this.m;
    const mark = this.rsMarks[this.sources.length - 1];
    if (mark !== undefined) m.setRegister(R15, mark, TAG_NUM);
    if (this.depth() < 0) throw new ForthError('Stack underflow');
    const fdepth = this.fdepth();
    if (fdepth < 0 || this.fbelow()) { this.fclear(); throw new ForthError('Floating-point stack underflow'); }
    if (fdepth > FSTACK_CELLS) { this.fclear(); throw new ForthError('Floating-point stack overflow'); }
    for (;;) {
      const tok = this.parseName();
      if (tok.text === '') {
        const s = this.source;
        if ((s.kind === 'file' || s.kind === 'user') && this.refill()) continue;
        m.setRegister(R11, 0n, TAG_NUM);
        return;
      }
      this.lastTokenStart = tok.offset;
      if (this.state && this.definition && this.compileLocal(tok.text, '(LOCAL@)')) continue;
      const w = this.find(tok.text);
      if (w) {
        if (this.state && !w.immediate) { this.compileWord(w); continue; }
        m.setRegister(R11, BigInt(w.code), TAG_PTR);
        return;
      }
      const n = this.number(tok.text);
      if (n === null) {
        // A float literal (with an E, in decimal: gforth's and the standard's rule).
        const x = this.numberBase === 10 && /[eE]/.test(tok.text) ? parseForthFloat(tok.text) : null;
        if (x === null) throw new ForthError('Undefined word');
        if (this.state) this.append(this.rt('(FLIT)'), bitsOf(x));
        else this.fpush(x);
        continue;
      }
      if (this.state) for (const v of n) this.literal(v);
      else for (const v of n) this.push(v);
    }
  }

  // ---- running text ----------------------------------------------------------------------

  /**
   * Interpret `text` (a file's, or a REPL entry) from the top level: the data stack carries
   * over from the last call. An error is reported as gforth does, the stacks are emptied,
   * and interpretation goes on with the next line.
   */
  interpret(text: string, name = '(user)', kind: 'file' | 'user' = name === '(user)' ? 'user' : 'file'): ForthOutcome {
    const g = this.interpretSlices(text, name, kind);
    for (;;) {
      const r = g.next();
      if (r.done) return r.value;
    }
  }

  /**
   * As interpret, but letting the event loop run between slices of the machine's run (`pause`),
   * so that Ctrl-C (Machine.requestInterrupt) reaches a line that does not end: the run stops
   * with an Interrupted fault, reported as gforth's "User interrupt", and the rest of the text
   * is not interpreted.
   */
  async interpretAsync(text: string, pause: () => Promise<void>, name = '(user)', kind: 'file' | 'user' = name === '(user)' ? 'user' : 'file'): Promise<ForthOutcome> {
    const g = this.interpretSlices(text, name, kind);
    for (;;) {
      const r = g.next();
      if (r.done) return r.value;
      await pause();
    }
  }

  private *interpretSlices(text: string, name: string, kind: 'file' | 'user'): Generator<void, ForthOutcome> {
    const wasRunning = this.running;
    this.running = true;
    try {
      return yield* this.interpretTop(text, name, kind);
    } finally {
      this.running = wasRunning;
    }
  }

  private *interpretTop(text: string, name: string, kind: 'file' | 'user'): Generator<void, ForthOutcome> {
    const k = this.k;
    const m = this.m;
    this.output = '';
    this.bye = false;
    const errors: string[] = [];
    this.sources = [];
    this.pushSource({ kind, name, lines: splitLines(text), line: 0, text: '', address: ORIGIN + TIB, savedIn: 0, id: kind === 'file' ? ++this.fileIds : 0 });
    const top = this.sources[0];
    for (;;) {
      this.enter();
      this.rsMarks = [];
      this.error = null;
      // A line runs until it ends or is interrupted (as in gforth), a SLICE at a time so the
      // host can take Ctrl-C between slices.
      let run = m.call(this.interpretCode, { steps: SLICE });
      for (let left = STEPS - SLICE; run.fault?.kind === 'StepLimit' && left > 0; left -= SLICE) {
        yield;
        run = m.resume({ steps: Math.min(SLICE, left) });
      }
      if (!run.fault) { this.drainTranscript(); this.leave(); break; }
      this.drainTranscript();
      const origin = run.fault.kind === 'Service' ? k.faultOrigin : null;
      k.faultOrigin = null;
      const fault: Fault = origin ? origin.fault : run.fault;
      const err = this.error as ForthError | null;
      if (this.bye) { m.unwind(); break; }
      const message = err ? err.message : faultMessage(fault, m);
      const where = this.sources[this.sources.length - 1] ?? top;
      if (!err || !err.silent || message !== 'Aborted') {
        const place = `${where.name === '(user)' ? '' : where.name}:${where.line + 1}: `;
        const line = where.text;
        const at = err && !err.silent ? this.lastTokenStart : -1;
        let shown = line;
        if (at >= 0 && message === 'Undefined word') {
          const end = Math.max(at, Math.min(this.in, line.length));
          const tokenEnd = line.slice(at).search(/\s/);
          const stop = tokenEnd < 0 ? line.length : at + tokenEnd;
          shown = `${line.slice(0, at)}>>>${line.slice(at, stop)}<<<${line.slice(stop)}`;
          void end;
        }
        errors.push(`${place}${message}\n${shown}`);
      }
      // gforth empties the stacks, leaves compilation and goes back to the top level.
      m.unwind();
      this.saved.forEach((r) => k.heap.roots.release(r));
      this.saved = [];
      this.fclear();
      this.definition = null;
      this.setState(false);
      this.sources = [top];
      this.errorSink?.(errors[errors.length - 1]);
      if (fault.kind === 'Interrupted' || top.kind === 'evaluate' || !this.refill()) break;
    }
    this.sources = [];
    const stack = this.savedText();
    const output = this.output;
    this.output = '';
    return { ok: errors.length === 0, output, ...(errors.length > 0 && { error: errors.join('\n') }), stack, ...(this.bye ? { bye: true } : {}) };
  }

  /** Where errors go as they happen (bedrock run), besides the outcome. */
  errorSink: ((text: string) => void) | null = null;

  /** Set the machine up for the outer interpreter: guard cells, the saved data stack, the return stack. */
  private enter(): void {
    const m = this.m;
    m.unwind();
    this.bedrock.startAfresh();
    this.frames = [];
    this.stRoots.forEach((r) => this.k.heap.roots.release(r));
    this.stRoots = [];
    this.dropCatches();
    const hi = BigInt(m.stackHi);
    const guards = 8;
    for (let i = 1; i <= guards; i++) m.setCell(Number(hi) - 8 * i, 0n, TAG_NUM);
    this.base = Number(hi) - 8 * guards;
    let sp = BigInt(this.base);
    const values = this.saved.map((r) => ({ value: this.k.heap.roots.value(r), tag: this.k.heap.roots.tag(r) }));
    this.saved.forEach((r) => this.k.heap.roots.release(r));
    this.saved = [];
    m.setRegister(RSP, sp, TAG_STACK);
    m.setRegister(RAX, 0n, TAG_NUM);
    if (values.length > 0) {
      sp -= 8n;
      m.setCell(Number(sp), 0n, TAG_NUM);
      for (let i = 0; i < values.length - 1; i++) { sp -= 8n; m.setCell(Number(sp), values[i].value, values[i].tag); }
      m.setRegister(RSP, sp, TAG_STACK);
      const t = values[values.length - 1];
      m.setRegister(RAX, t.value, t.tag);
    }
    m.setRegister(R14, BigInt(slotPointer(m, this.fs, FS.RS)), TAG_PTR);
    m.setRegister(R15, 0n, TAG_NUM);
    m.setRegister(RBP, 0n, TAG_NUM);
  }

  /** Keep the data stack for the next piece of text. */
  private leave(): void {
    const values = this.stackValues();
    this.saved = values.map((v) => this.k.heap.roots.add(v.value, v.tag));
    this.m.unwind();
  }

  private savedText(): string[] {
    return this.saved.map((r) => this.describeCell(this.k.heap.roots.value(r), this.k.heap.roots.tag(r)));
  }

  private describeCell(v: bigint, tag: number): string {
    if (tag === TAG_NUM) return this.format(v);
    const w = this.byCode.get(Number(v));
    return w ? `<xt ${w.name.toLowerCase() || ':noname'}>` : this.k.describe({ value: v, tag });
  }

  /** The data stack as text, bottom first. */
  stack(): string[] { return this.savedText(); }

  /** Empty the data stack. */
  clearStack(): void {
    this.saved.forEach((r) => this.k.heap.roots.release(r));
    this.saved = [];
    this.fclear();
  }

  // ---- seeing ----------------------------------------------------------------------------

  /** SEE: a word's source, its threaded code and the machine code of its stub or primitive. */
  see(name: string): string {
    const w = this.find(name);
    if (!w) throw new ForthError('Undefined word');
    const k = this.k;
    const m = this.m;
    const lines: string[] = [];
    const source = slotPointer(m, w.method, METHOD.SOURCE);
    lines.push(`${w.name.toLowerCase()}    (${w.kind}${w.immediate ? ', immediate' : ''}; Forth>>${w.name})`);
    if (source >= 0 && source !== k.nil && w.kind === 'colon') lines.push('source:', `  ${k.textOf(source).split('\n').join('\n  ')}`);
    if (w.kind === 'colon' || w.kind === 'does') {
      const vector = slotPointer(m, w.cell, 0);
      if (vector >= 0 && vector !== k.nil) {
        const n = Math.floor(Number(m.cell(vector - 8) & 0xffffffffn) / 2);
        lines.push(`threaded code (${n} pairs):`);
        for (let i = 0; i < n; i++) {
          const code = Number(m.cell(vector + 16 * i));
          const operand = m.cell(vector + 16 * i + 8);
          const otag = m.cellTag(vector + 16 * i + 8);
          const callee = this.byCode.get(code);
          const calleeName = code === w.code || code === this.stubOf(w) ? '(recurse)' : callee ? (callee.name.toLowerCase() || ':noname') : `code ${code}`;
          let op = '';
          if (callee?.kind === 'runtime') {
            if (/BRANCH|LOOP|DO|LEAVE/.test(callee.name)) op = ` -> ${Number(operand) / 2}`;
            else if (callee.name === '(LIT)') op = otag === TAG_NUM ? ` ${signed(operand)}` : ` ${this.byCode.get(Number(operand))?.name.toLowerCase() ?? k.describe({ value: operand, tag: otag })}`;
            else if (callee.name !== '(EXIT)') op = ` ${operand}`;
          } else if (callee?.name === '(POSTPONE)') op = ` ${this.byCode.get(Number(operand))?.name.toLowerCase() ?? ''}`;
          lines.push(`  ${String(i).padStart(4)}: ${calleeName}${op}`);
        }
      }
    }
    const stub = this.stubOf(w);
    if (stub >= 0 && stub !== w.code) lines.push(...this.nativeListing(w, stub));
    else {
      if (stub >= 0) {
        const r = this.compileNative(slotPointer(m, w.cell, 0), stub);
        if (!r.ok) lines.push(`runs threaded: ${r.reason}`);
      }
      lines.push(...this.disassembly(w.code));
    }
    return lines.join('\n');
  }

  /** The pairs of a vector, each with the address of its operand's cell. */
  private pairsOf(vector: number): NativePair[] {
    const m = this.m;
    const n = Math.floor(slotCount(m, vector) / 2);
    const pairs: NativePair[] = [];
    for (let i = 0; i < n; i++) pairs.push({ code: Number(m.cell(vector + 16 * i)), operand: m.cell(vector + 16 * i + 8), tag: m.cellTag(vector + 16 * i + 8), at: vector + 16 * i + 8 });
    return pairs;
  }

  /**
   * A native word's code, each stretch marked with the word or runtime it was copied from (the
   * pairs compiled again, laid out where the code is: the same bytes, so the same offsets).
   */
  private nativeListing(w: Word, stub: number): string[] {
    const bytes = this.m.codeBytes(w.code);
    const out = [`native code (${bytes.length} bytes, compiled from the pairs; inlined words marked):`];
    const r = this.compileNative(slotPointer(this.m, w.cell, 0), stub);
    const marks = new Map<number, string>();
    if (r.ok) {
      const a = assembleItems(itemsAt(r.lines, w.code));
      if (a.ok && a.bytes.length === bytes.length) {
        let last = '';
        r.lines.forEach((l, i) => {
          if (!isInstruction(l) || l.origin === last) return;
          last = l.origin;
          if (!marks.has(a.offsets[i])) marks.set(a.offsets[i], l.origin);
        });
      }
    }
    for (const l of disassemble(bytes)) {
      const mark = marks.get(l.offset);
      out.push(`  ${l.offset.toString(16).padStart(4, '0')}: ${l.text}${mark ? `    ; ${mark}` : ''}`);
    }
    return out;
  }

  private disassembly(code: number): string[] {
    // The kernel's disassembler, through the see module, on the code object's bytes.
    const bytes = this.m.codeBytes(code);
    return [`native code (${bytes.length} bytes):`, ...disassembleLines(bytes)];
  }
}

const forths = new WeakMap<Bedrock, Forth>();

/** No limit on what a piece of text runs at the top level (it runs until it ends or Ctrl-C, as in
 * gforth); SLICE is how many instructions run between two pauses for the host. */
const STEPS = Infinity;
const SLICE = 5_000_000;

function disassembleLines(bytes: Uint8Array): string[] {
  const r = disassemble(bytes);
  return r.map((l) => `  ${l.offset.toString(16).padStart(4, '0')}: ${l.text}`);
}

function digit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 90) return c - 55;
  if (c >= 97 && c <= 122) return c - 87;
  return -1;
}

function toUpper(c: number): number { return c >= 97 && c <= 122 ? c - 32 : c; }

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => l.replace(/\t/g, ' '));
}

/** A call of the host's file system: its answer, or the File word set's ior for its error. */
function fileCall<T>(f: () => T): T | { ior: number } {
  try {
    return f();
  } catch (e) {
    const code = (e as { code?: string }).code;
    return { ior: code === 'ENOENT' ? -38 : -37 };
  }
}

function iorOf(r: unknown): number {
  return typeof r === 'object' && r !== null && 'ior' in r ? (r as { ior: number }).ior : 0;
}

/**
 * The return stack (the Array in r14) run out above or below by the access that faulted (its
 * depth in r15 past its cells): gforth's `Return stack overflow` or `underflow`, else null.
 */
function returnStackFault(m: Machine, f: Fault): 'Return stack overflow' | 'Return stack underflow' | null {
  if (f.kind !== 'Bounds' || m.registerTag(R14) !== TAG_PTR || m.registerTag(R15) !== TAG_NUM) return null;
  const depth = m.register(R15);
  return depth >= BigInt(RS_CELLS) ? 'Return stack overflow' : depth < 0n ? 'Return stack underflow' : null;
}

/** gforth's words for a machine fault in a Forth word. */
function faultMessage(f: Fault, m: Machine): string {
  switch (f.kind) {
    case 'DivideError': return /zero/.test(f.message) ? 'Division by zero' : 'Result out of range';
    case 'Bounds': return returnStackFault(m, f) ?? 'Invalid memory address';
    case 'Tag': return 'Invalid memory address';
    case 'StackOverflow': return 'Stack overflow';
    case 'StepLimit': return 'Interrupted (the step limit)';
    case 'Interrupted': return 'User interrupt';
    // What Smalltalk code SEND or SMALLTALK ran did not handle, in Smalltalk's words.
    case 'Service': return f.message;
    default: return `${f.kind}: ${f.message}`;
  }
}

let stdinBuffer = '';
let stdinDone = false;
function fillStdin(): void {
  if (stdinDone) return;
  const buf = Buffer.alloc(4096);
  try {
    const n = readSync(0, buf, 0, buf.length, null);
    if (n <= 0) stdinDone = true; else stdinBuffer += buf.subarray(0, n).toString('latin1');
  } catch { stdinDone = true; }
}
function readStdinLine(): string | null {
  while (!stdinBuffer.includes('\n') && !stdinDone) fillStdin();
  if (stdinBuffer === '' && stdinDone) return null;
  const i = stdinBuffer.indexOf('\n');
  const line = i < 0 ? stdinBuffer : stdinBuffer.slice(0, i);
  stdinBuffer = i < 0 ? '' : stdinBuffer.slice(i + 1);
  return line.replace(/\r$/, '');
}
/** Is a character waiting on the standard input (without waiting for one)? */
function stdinReady(): boolean {
  return stdinBuffer !== '';
}
function readStdinChar(): number {
  while (stdinBuffer === '' && !stdinDone) fillStdin();
  if (stdinBuffer === '') return -1;
  const c = stdinBuffer.charCodeAt(0);
  stdinBuffer = stdinBuffer.slice(1);
  return c;
}
