/*
 * The shapes of the kernel's own objects: which class index each well-known behaviour has,
 * and what each slot of a behaviour, method entry, compiled method, binding, mark and log
 * entry holds. All of them live in the fixed space (they never move), so machine code and
 * the host can name them by address.
 *
 * A behaviour (format POINTERS):
 *
 *   +--------------+-------------------------------------------------------------+
 *   | 0 name       | Symbol                                                      |
 *   | 1 parent     | Behaviour, or nil for the VM object (the root)              |
 *   | 2 methods    | MethodEntry: head of the override chain, newest first; nil  |
 *   | 3 index      | number: its class index (objects name their class by it)    |
 *   | 4 format     | number: instances' format | indexable 0x10 | fixed slots << 8  |
 *   | 5 ivars      | Array of Symbols (instance variable names), or nil          |
 *   +--------------+-------------------------------------------------------------+
 *
 * A method entry, never written after it is made (defining shadows, forgetting restores heads):
 *
 *   +------------+------------+-------------+
 *   | 0 selector | 1 method   | 2 next      |     selector: Symbol; method: CompiledMethod;
 *   +------------+------------+-------------+     next: the entry it shadows or follows, or nil
 *
 * A compiled method:
 *
 *   0 code      the code object of its body (what the native compiler inlines)
 *   1 entry     the code object a send calls: the body itself, or an adapter that moves the
 *               send's arguments into the registers a primitive names (kernel/ABI.md)
 *   2 selector  3 owner (the behaviour it was defined in)   4 source (String or nil)
 *   5 kind      number: METHOD_* below                     6 arity (number of arguments)
 *   7 threaded  Array of (method, operand) pairs, or nil
 *   8 literals  Array of the objects the code refers to by address (kept alive by it), or nil
 *   9 origins   Array of (offset, String) pairs: where each stretch of the native code came
 *               from (an operation of the method, or the primitive it was copied from), or nil
 *  10 pragmas   Array of the pragmas at the start of its body (`<primitive: 60>`), each an
 *               Array of its selector and its literal arguments, or nil
 *  11 inlined   Array of (behaviour, selector, method) triples: the methods the compiler found
 *               for those selectors from those behaviours and put in this one's code (copied
 *               in, or called or jumped to directly), or nil. When a lookup would now find
 *               another, the method is out of date and is compiled again (src/compiler/dependents.ts)
 */

import { FRAME } from '../abi.ts';
import { ALLOCATE_FIXED, IDENTITY_HASH_MASK, IDENTITY_HASH_SHIFT } from '../machine/cells.ts';

/** Well-known class indices. 0 is no class (free chunks). Numbers have a class by their tag. */
export const CLASS = Object.freeze({
  FREE: 0,
  VM: 1,
  Object: 2,
  Memory: 3,
  CPU: 4,
  ALU: 5,
  Boolean: 6,
  UndefinedObject: 7,
  SmallInteger: 8,
  Symbol: 9,
  String: 10,
  Array: 11,
  Behaviour: 12,
  MethodEntry: 13,
  CompiledMethod: 14,
  CodeObject: 15,
  /** Machine stacks (a process's, an actor's): named so, not Stack, which is the users' (Pharo's Stack, the tutorials' `Object subclass: #Stack`). */
  MachineStack: 16,
  CodeAddress: 17,
  StackAddress: 18,
  Message: 19,
  Mark: 20,
  Binding: 21,
  LogEntry: 22,
  KernelRoots: 23,
  Threaded: 24,
  Character: 25,
  Integer: 26,
  BlockClosure: 27,
  Context: 28,
  /** The class of every metaclass (`Object class class`). */
  Metaclass: 29,
  /** The classes of true and false, under Boolean. */
  True: 30,
  False: 31,
  /** A send's cache (SEND_SITE below). */
  SendSite: 32,
  /** A Symbol whose text has a character above 255: a word object of code points (Pharo's WideSymbol). */
  WideSymbol: 33,
  /** An Array whose elements do not keep them alive: a major collection makes those nothing else holds nil (gc.ts). */
  WeakArray: 34,
  /** The first index given to classes made at run time. */
  FIRST_FREE: 40,
});

/** Is this class index a Symbol's (a byte Symbol or a WideSymbol)? */
export function isSymbolClass(index: number): boolean {
  return index === CLASS.Symbol || index === CLASS.WideSymbol;
}

export type WellKnownClass = Exclude<keyof typeof CLASS, 'FREE' | 'FIRST_FREE'>;

/**
 * Each well-known behaviour's parent; the VM object is the root. Genesis makes them in this
 * order (a parent first): Metaclass right after Behaviour, so every metaclass made from then on
 * is an instance of it.
 */
export const PARENT: Readonly<Record<WellKnownClass, WellKnownClass | null>> = Object.freeze({
  VM: null,
  Object: 'VM', Memory: 'VM', CPU: 'VM', ALU: 'VM', Threaded: 'VM',
  Boolean: 'Object', UndefinedObject: 'Object', Integer: 'Object', SmallInteger: 'Integer', Symbol: 'String', String: 'Object',
  Array: 'Object', Behaviour: 'Object', Metaclass: 'Behaviour', MethodEntry: 'Object', CompiledMethod: 'Object', CodeObject: 'Object',
  MachineStack: 'Object', CodeAddress: 'Object', StackAddress: 'Object', Message: 'Object', Mark: 'Object',
  Binding: 'Object', LogEntry: 'Object', KernelRoots: 'Object', Character: 'Object',
  BlockClosure: 'Object', Context: 'Object', True: 'Boolean', False: 'Boolean', SendSite: 'Object',
  WideSymbol: 'Symbol', WeakArray: 'Array',
});

/**
 * The shape of the well-known classes' instances, where it is not plain pointers with no
 * indexed slots: strings and symbols are indexable bytes, arrays indexable pointers.
 */
export const INSTANCE_SPECS: Readonly<Partial<Record<WellKnownClass, { readonly format?: number; readonly indexable?: boolean; readonly fixedSlots?: number }>>> = Object.freeze({
  String: { format: 2, indexable: true },
  Symbol: { format: 2, indexable: true },
  WideSymbol: { format: 1, indexable: true },
  Array: { indexable: true },
  WeakArray: { indexable: true },
  Character: { fixedSlots: 1 },
  Message: { fixedSlots: 3 },
  BlockClosure: { fixedSlots: 5 },
  Context: { fixedSlots: 5, indexable: true },
  SendSite: { fixedSlots: 3 },
});

/**
 * Behaviours that are their own single instance: `Memory at: 100` is sent to the Memory
 * behaviour itself, whose header names its own class index, so the lookup starts in its chain.
 */
export const SINGLETONS: readonly WellKnownClass[] = Object.freeze(['VM', 'Memory', 'CPU', 'ALU', 'Threaded']);

/** The bits of a behaviour's format slot. */
export const INSTANCE_FORMAT = Object.freeze({ FORMAT_MASK: 0xf, INDEXABLE: 0x10, FIXED_SHIFT: 8 });

export const BEHAVIOUR = Object.freeze({ NAME: 0, PARENT: 1, METHODS: 2, INDEX: 3, FORMAT: 4, IVARS: 5, SIZE: 6 });
export const ENTRY = Object.freeze({ SELECTOR: 0, METHOD: 1, NEXT: 2, SIZE: 3 });
export const METHOD = Object.freeze({
  CODE: 0, ENTRY: 1, SELECTOR: 2, OWNER: 3, SOURCE: 4, KIND: 5, ARITY: 6, THREADED: 7, LITERALS: 8, ORIGINS: 9, PRAGMAS: 10, INLINED: 11, SIZE: 12,
});
/** A global: name, value, and the binding it was defined after (the globals chain, newest first). */
export const BINDING = Object.freeze({ NAME: 0, VALUE: 1, NEXT: 2, SIZE: 3 });
/** A Message: selector, arguments, and (one made for doesNotUnderstand:) the class its lookup started in. */
export const MESSAGE = Object.freeze({ SELECTOR: 0, ARGUMENTS: 1, LOOKUP_CLASS: 2, SIZE: 3 });
/**
 * A mark: what `forget` restores. heads[i] is the method chain head of class index i when
 * the mark was made, for every i below classCount.
 */
export const MARK = Object.freeze({ NAME: 0, PARENT: 1, HEADS: 2, GLOBALS: 3, LOG: 4, CLASS_COUNT: 5, SIZE: 6 });
/**
 * One definition in the log: what kind, which behaviour and selector, and the entry before it.
 * DATA is what undoing it needs, for the kinds that change something a mark's heads do not
 * record: a reshape's behaviour as it was (reshape.ts SHAPE), else nil.
 */
export const LOG = Object.freeze({ KIND: 0, BEHAVIOUR: 1, NAME: 2, SOURCE: 3, TIME: 4, PREVIOUS: 5, DATA: 6, SIZE: 7 });

/** The kernel's roots: everything the system keeps alive, reachable from one fixed object. */
export const ROOTS = Object.freeze({
  NIL: 0, TRUE: 1, FALSE: 2, CLASS_TABLE: 3, GLOBALS: 4, MARKS: 5, LOG: 6,
  DNU_SELECTOR: 7, DNU_TRAMPOLINE: 8, NEXT_CLASS: 9, CHARACTERS: 10,
  /** Head of the chain of active contexts (homes of non-local returns, ensure records). */
  ACTIVE: 11, UNWIND: 12,
  /**
   * SmallInteger arithmetic as compiled code inlines it (arithmetic.ts): the methods the
   * special selectors found when inlining began (an Array, or nil before), and a number that
   * is 0 while they still answer, so inlined fast paths may run, and 1 once one is overridden.
   */
  ARITHMETIC: 13, ARITHMETIC_OVERRIDDEN: 14,
  /**
   * Sends in machine code (send.ts): the kernel's send routine, and the send epoch, a number
   * in steps past the class index bits which every definition, forget and class change makes
   * new (a count of those changes; a send site's key is a class index alone, and the change
   * empties the sites it concerns: send.ts SendSites).
   */
  SEND: 15, SEND_EPOCH: 16,
  /** The global method cache (send.ts MethodCache): an Array the send routine probes. */
  METHOD_CACHE: 17,
  /**
   * ==, isNil and notNil as compiled code inlines them (identity.ts): the methods that defined
   * them when inlining began (an Array, or nil before), and a number that is 0 while no other
   * definition of them exists in any behaviour, and 1 once one does.
   */
  IDENTITY: 18, IDENTITY_OVERRIDDEN: 19,
  /**
   * Array at: and at:put: as compiled code inlines them (indexing.ts): the methods Array's
   * lookup found when inlining began (an Array, or nil before), and a number that is 0 while
   * they still answer, 1 once a definition changes what Array's lookup finds.
   */
  INDEXING: 20, INDEXING_OVERRIDDEN: 21,
  /**
   * not as compiled code inlines it for true and false (booleans.ts): the methods True's and
   * False's lookup found when inlining began (an Array, or nil before), and a number that is 0
   * while they still answer, 1 once a definition changes what either lookup finds.
   */
  BOOLEAN: 22, BOOLEAN_OVERRIDDEN: 23,
  /**
   * Float arithmetic and comparisons as compiled code inlines them for two Floats
   * (float-arithmetic.ts): the methods Float's lookup found when inlining began (an Array, or
   * nil before), a number that is 0 while they still answer and 1 once a definition changes
   * what one finds, and Float's class index (Float is the library's class, not the kernel's).
   */
  FLOAT: 24, FLOAT_OVERRIDDEN: 25, FLOAT_CLASS: 26,
  SIZE: 27,
});

/**
 * A block closure: its code (what `value` jumps to), the context its outer variables live in,
 * the home method's self, its home context (where `^` returns to), and its argument count.
 */
/**
 * A send site (one per dynamic send in compiled code; kernel/ABI.md): what the send routine
 * looks at before anything else.
 *
 *   0 selector   the Symbol sent
 *   1 key        a number: the class index of the receiver last seen | the send epoch then
 *                (0: nothing cached)
 *   2 entry      the code the key found (the method's entry), or nil
 */
export const SEND_SITE = Object.freeze({ SELECTOR: 0, KEY: 1, ENTRY: 2, SIZE: 3 });

/** Where a header keeps its class index (bits 47..63), and so how far the send epoch is shifted. */
export const HEADER_CLASS_SHIFT = 47;
/** The send epoch counts in steps of this (past the 17 class index bits). */
export const SEND_EPOCH_STEP = 1 << 17;

/**
 * The global method cache, direct-mapped, in an Array of 3 cells an entry, which the send
 * routine probes in machine code and the host fills (send.ts):
 *
 *   entry i = ((class index * METHOD_CACHE_HASH) xor (selector address >> 3)) & (SIZE - 1)
 *   cells 3i, 3i+1, 3i+2:  class index (0: empty) | selector | the method's entry
 */
export const METHOD_CACHE_SIZE = 4096;
export const METHOD_CACHE_HASH = 40503;

export const CLOSURE = Object.freeze({ CODE: 0, OUTER: 1, RECEIVER: 2, HOME: 3, ARGC: 4, SIZE: 5 });

/**
 * A context: variables captured by blocks live here instead of in a frame.
 *
 *   0 parent   the enclosing context (the outer variables), or nil
 *   1 frame    while its method runs: the frame (a stack address) `^` returns through; nil after
 *   2 next     the next context on the chain of active contexts (roots.active)
 *   3 ensure   an ensure record's block (run when the chain unwinds through it), or nil
 *   4 kind     0: the frame is native code's (rbp); 1: threaded code's (r12)
 *   5...       the captured variables
 *   then       a native home's last HOME_SAVED.SIZE slots: rbx, r12 and r13 as they were when
 *              its method was entered (its caller's: threaded code's run: keeps its pair index,
 *              frame and return address there), which a non-local return to it restores
 *              (Kernel>>unwind), however many run: frames of blocks it skips
 */
export const CONTEXT = Object.freeze({ PARENT: 0, FRAME: 1, NEXT: 2, ENSURE: 3, KIND: 4, VARS: 5 });
/** The registers a native home context keeps in its last slots, in this order (see CONTEXT). */
export const HOME_SAVED = Object.freeze({ RBX: 0, R12: 1, R13: 2, SIZE: 3 });

/** How a compiled method takes its arguments (kernel/ABI.md, "Primitives and their parameters"). */
export const METHOD_KIND = Object.freeze({
  /** A body in the send convention: receiver and arguments on the value stack, last in rax. */
  SEND: 0,
  /** A primitive naming its parameters: receiver in rax, parameters in rsi, rdx, rcx, r8, r9. */
  REGISTERS: 1,
  /** A primitive naming no parameter: its one argument in rax, as the send leaves it. */
  TOS: 2,
});

/** Registers a primitive's named parameters are bound to, in order (kernel/abi.ts). */
export { PARAMETER_REGISTERS } from '../abi.ts';

/** Host service numbers (r11 at `syscall`). */
export const SERVICE = Object.freeze({ ALLOCATE: 0, SEND: 1, FAIL: 2, COLLECT: 3, SUPER: 4, INTERN: 9, IMAGE: 10, SYSTEM: 11, SEND_SITE: 12, RESHAPE: 13, FORTH: 20, PROCESS: 21, ACTOR: 22, DEBUG: 32 });

/** Byte offsets of an object's slots from its pointer, as PREFIX_NAME (SIZE left out). */
const slotOffsets = (prefix: string, layout: Readonly<Record<string, number>>): Record<string, number> =>
  Object.fromEntries(Object.entries(layout).filter(([name]) => name !== 'SIZE').map(([name, i]) => [`${prefix}_${name}`, 8 * i]));

/**
 * The constants an assembly body may name in capitals (as JonesForth's `defconst` exports its
 * layout to Forth), so that no .bedrock source holds a bare offset: the services' numbers,
 * class indices, and byte offsets, of a slot from an object's pointer (`[rax+CLOSURE_ARGC]`,
 * `[r8+ROOT_ACTIVE]`), of the header (`[rax+HEADER]`, read-only), of a slot in a compiled
 * method's frame (`[r12+FRAME_SELF]`), of a threaded pair's parts (`[rbp+rbx*8+PAIR_OPERAND]`).
 * None is an address: a number reaches only low memory, and code reaches the kernel's cells
 * through the roots' pointer, held as a literal (`mov rcx, [rip+ROOTS]; mov rdx, [rcx+ROOT_ACTIVE]`).
 */
export function kernelConstants(_roots?: number): Readonly<Record<string, number>> {
  return KERNEL_CONSTANTS;
}

const KERNEL_CONSTANTS: Readonly<Record<string, number>> = Object.freeze({
  ...SERVICE,
  HEADER: -8,
  ...slotOffsets('ROOT', {
    NIL: ROOTS.NIL, TRUE: ROOTS.TRUE, FALSE: ROOTS.FALSE, CLASS_TABLE: ROOTS.CLASS_TABLE, GLOBALS: ROOTS.GLOBALS, MARKS: ROOTS.MARKS, ACTIVE: ROOTS.ACTIVE,
    CHARACTERS: ROOTS.CHARACTERS, LOG: ROOTS.LOG, NEXT_CLASS: ROOTS.NEXT_CLASS, ARITHMETIC: ROOTS.ARITHMETIC_OVERRIDDEN, SEND_EPOCH: ROOTS.SEND_EPOCH, METHOD_CACHE: ROOTS.METHOD_CACHE,
  }),
  ...slotOffsets('CLOSURE', CLOSURE),
  ...slotOffsets('CONTEXT', CONTEXT),
  ...slotOffsets('BEHAVIOUR', BEHAVIOUR),
  ...slotOffsets('BINDING', BINDING),
  ...slotOffsets('MARK', MARK),
  ...slotOffsets('LOG', LOG),
  /** The slot counts of the kernel's objects the library makes itself (behaviour.bedrock). */
  BINDING_SLOTS: BINDING.SIZE,
  LOG_SLOTS: LOG.SIZE,
  BEHAVIOUR_SLOTS: BEHAVIOUR.SIZE,
  /** The first class index given to classes made at run time: below it, the kernel's own (their shape cannot change). */
  FIRST_FREE_CLASS: CLASS.FIRST_FREE,
  /** Added to ALLOCATE's format (r8): the object is made in the fixed space (kernel/memory/heap.ts). */
  ALLOCATE_FIXED,
  ...slotOffsets('MESSAGE', MESSAGE),
  ...slotOffsets('METHOD', METHOD),
  ...slotOffsets('ENTRY', ENTRY),
  ...slotOffsets('SITE', SEND_SITE),
  /** A send's site of many arguments (src/compiler/compiler.ts): the selector (or entry), then 8 x the count. */
  SITE_MANY_COUNT: 8,
  /** A super send's site: the selector, the behaviour to look in, 8 x the count. */
  SUPER_SITE_BEHAVIOUR: 8,
  SUPER_SITE_MANY_COUNT: 16,
  /** Threaded code's closure site: code, argument count, flags, where its own closure is. */
  ...slotOffsets('CLOSURE_SITE', { CODE: 0, ARGC: 1, FLAGS: 2, OFFSET: 3 }),
  /** A threaded pair: the method, then its operand; inside a pair's method, rbx is past it already. */
  PAIR_METHOD: 0,
  PAIR_OPERAND: 8,
  PAIR_RUNNING_OPERAND: -8,
  /** An entry of the global method cache (METHOD_CACHE_SIZE): class index, selector, the method's entry. */
  CACHE_CLASS: 0,
  CACHE_SELECTOR: 8,
  CACHE_ENTRY: 16,
  /** A native home context's saved registers, from the end of its slots (CONTEXT, HOME_SAVED). */
  HOME_RBX: -8 * (HOME_SAVED.SIZE - HOME_SAVED.RBX),
  HOME_R12: -8 * (HOME_SAVED.SIZE - HOME_SAVED.R12),
  HOME_R13: -8 * (HOME_SAVED.SIZE - HOME_SAVED.R13),
  /** One cell; and where a 1-based index lands, scaled by 8 (`[rax+index*8+ONE_BASED_CELL]`) or not (bytes). */
  CELL: 8,
  ONE_BASED_CELL: -8,
  ONE_BASED_BYTE: -1,
  /** The header's slot count is its low 32 bits. */
  HEADER_SLOTS_SHIFT: 32,
  /** A pointers or words object's identity hash in its header (cells.ts). */
  IDENTITY_HASH_SHIFT,
  IDENTITY_HASH_MASK,
  FRAME_SPILLED: FRAME.SPILLED,
  FRAME_SELF: FRAME.SELF,
  FRAME_ENV: FRAME.TEMP0,
  ...slotOffsets('HOME_SAVED', HOME_SAVED),
  BLOCK_CLOSURE: CLASS.BlockClosure,
  CHARACTER_CLASS: CLASS.Character,
  CONTEXT_CLASS: CLASS.Context,
  SMALLINTEGER_CLASS: CLASS.SmallInteger,
  STRING_CLASS: CLASS.String,
  CACHE_HASH: METHOD_CACHE_HASH,
  CACHE_MASK: METHOD_CACHE_SIZE - 1,
  CLASS_MASK: SEND_EPOCH_STEP - 1,
  CLASS_SHIFT: HEADER_CLASS_SHIFT,
});
