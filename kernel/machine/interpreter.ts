/*
 * The interpreter: the run loop that executes decoded instructions on the machine.
 *
 * It is the reference tier and the single-step debugger's engine. Speed comes from three
 * choices: instructions are decoded once per code object and linked to their successors
 * (insn.ts), so the loop goes from record to record with one switch; registers live in a
 * BigInt64Array and arithmetic is done straight on it, which V8 compiles to 64-bit machine
 * arithmetic; and flags are lazy (flags.ts), read through 32-bit halves.
 *
 * Every instruction checks everything before it changes anything, so a fault leaves the
 * machine as it was before the faulting instruction. The loop looks at the interrupt word
 * and the step limit every CHECK_EVERY instructions and exactly at the limit.
 *
 * The write barrier (kernel/memory/gc.ts reads it): a store of a PTR-tagged value into a
 * cell sets the cell's card; one tag compare, on stores only. Pushes and calls need none
 * (the live stack is a root). A host service may collect (objects move; registers and
 * memory are updated) and grow memory (every view is new) or change the stack, so the loop
 * takes its views and the stack's bounds again after a `syscall`; the fixed space's end
 * (which grows) is read from the machine on stores.
 *
 * Translated code (kernel/machine/wasm): an entry of a translated code object (Plan.entries)
 * is a TRANSLATED record; reaching one enters the WebAssembly function there with the
 * instructions left before the next check as its budget, and when it comes back the loop goes on where it says
 * (a return address, or an instruction to execute here: `noEnter`, so it is not entered
 * again at once). Translated code that calls an untranslated object runs this loop nested
 * (runNested), which ends when control returns past the call.
 *
 * (Measured: keeping the hot loop's locals few matters. Splitting the loop in two, or a
 * try/finally in a function V8 may inline into it, cost the register loop 3-8%.)
 */
import { BrokenStructure } from './faults.ts';
import * as cells from './cells.ts';
import type { Fault, FaultKind } from './faults.ts';
import * as flags from './flags.ts';
import { below, carry, condition, setZeroFlag } from './flags.ts';
import { Insn, makeFault, OP } from './insn.ts';
import { executeSse } from './sse.ts';
import { SAMPLE_HEAT } from './wasm/tier.ts';
import { NEXT_INSN, NESTED_RUN_WEIGHT, RET_TO, RETURNED, STOP_AT, FAULT as FAULTED } from './wasm/translate.ts';
import type { Machine, RunResult } from './machine.ts';
import type { Operand } from './x86/operand.ts';
import { RCX, RIP, RSP } from './x86/table.ts';

/** `syscall` takes the number of the host service in r11. */
export const SERVICE_REGISTER = 11;

const CHECK_EVERY = 1 << 14;
/** With a translating tier the checks are further apart: each is a WebAssembly budget (about 1-3 ms). */
const CHECK_EVERY_TIERED = 1 << 21;
// Imported constants copied into module constants: the loop compares with literals.
const { STATE } = cells;
const TAG_CODE = cells.TAG_CODE, TAG_HDR = cells.TAG_HDR, TAG_NUM = cells.TAG_NUM, TAG_PTR = cells.TAG_PTR, TAG_STACK = cells.TAG_STACK, TAG_POISON = cells.TAG_POISON;
const CARD_SHIFT = cells.CARD_SHIFT;
const FLAGS_EXPLICIT = flags.FLAGS_EXPLICIT, BIT_ZF = flags.BIT_ZF, FBITS = STATE.FLAG_BITS;
const FLAGS_ADD = flags.FLAGS_ADD, FLAGS_SUB = flags.FLAGS_SUB, FLAGS_LOGIC = flags.FLAGS_LOGIC, FLAGS_EAGER = flags.FLAGS_EAGER;
const A32 = STATE.FLAG_A32, B32 = STATE.FLAG_B32, R32 = STATE.FLAG_RES32;
// The routine numbers as module constants, so the switch compares against literals.
const ADD_RI = OP.ADD_RI;
const ADD_RR = OP.ADD_RR;
const ALU_LOAD = OP.ALU_LOAD;
const AND_RI = OP.AND_RI;
const AND_RR = OP.AND_RR;
const CALL = OP.CALL;
const CALL_RM = OP.CALL_RM;
const CMOV_RR = OP.CMOV_RR;
const CMP_RI = OP.CMP_RI;
const CMP_RR = OP.CMP_RR;
const DEC_R = OP.DEC_R;
const EXIT = OP.EXIT;
const FAULT = OP.FAULT;
const INC_R = OP.INC_R;
const JCC = OP.JCC;
const JZ = OP.JZ;
const SYSCALL = OP.SYSCALL;
const JMP = OP.JMP;
const JMP_RM = OP.JMP_RM;
const LEA = OP.LEA;
const MOV_LOAD = OP.MOV_LOAD;
const MOV_RI = OP.MOV_RI;
const MOV_RR = OP.MOV_RR;
const MOV_STORE = OP.MOV_STORE;
const MOV_STORE_I = OP.MOV_STORE_I;
const NOP = OP.NOP;
const OR_RI = OP.OR_RI;
const OR_RR = OP.OR_RR;
const POP_R = OP.POP_R;
const PUSH_I = OP.PUSH_I;
const PUSH_R = OP.PUSH_R;
const RET = OP.RET;
const RET_N = OP.RET_N;
const SETCC_R = OP.SETCC_R;
const SUB_RI = OP.SUB_RI;
const SUB_RR = OP.SUB_RR;
const TEST_RI = OP.TEST_RI;
const LAR_R = OP.LAR_R;
const RSP_ADJ = OP.RSP_ADJ;
const TRANSLATED = OP.TRANSLATED;
const MOV_RSP = OP.MOV_RSP;
const TAG_VALUES: readonly bigint[] = Object.freeze([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
const TEST_RR = OP.TEST_RR;
const XOR_RI = OP.XOR_RI;
const XOR_RR = OP.XOR_RR;

const FA = STATE.FLAG_A, FB = STATE.FLAG_B, FR = STATE.FLAG_RES;
const FK = STATE.FLAG_KIND, FC = STATE.FLAG_CF, FO = STATE.FLAG_OF;
const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;

/** A run of this loop nested under translated code (runNested). */
interface Nest {
  /** rsp when it began: [watchSp] is the return address the translated caller pushed. */
  readonly watchSp: number;
  /** That return address (the translated caller's continuation). */
  readonly expected: number;
  /** WebAssembly calls nested under it. */
  readonly depth: number;
  /** How it ended (a translate.ts status). */
  status: number;
}

/** V8's RangeError for a host stack that ran out. */
function isHostStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && e.message === 'Maximum call stack size exceeded';
}

/** Run from `first` until the code returns to the host, faults, or is stopped. */
export function run(m: Machine, first: Insn, limit: number): RunResult {
  return execute(m, first, limit, null);
}

/**
 * The tier's stub: run from `first` for translated code that called it, until control
 * returns past the return address it pushed; spend at most STATE.BUDGET instructions.
 * Returns how it ended: RETURNED (to the caller's continuation), RET_TO (elsewhere, in
 * STATE.TARGET), STOP_AT (the budget ran out, or a check: go on at NEXT) or FAULT.
 */
export function runNested(m: Machine, first: Insn, expected: number, depth: number): number {
  const S32 = m.store.state32;
  const nest: Nest = { watchSp: S32[2 * RSP], expected, depth, status: RETURNED };
  const budget = S32[STATE.BUDGET];
  const r = execute(m, first, budget, nest);
  m.store.state32[STATE.BUDGET] = budget - r.steps;
  return nest.status;
}

function execute(m: Machine, first: Insn, limit: number, nest: Nest | null): RunResult {
  const st = m.store;
  let S = st.state64, S32 = st.state32, RT = st.regTags;
  let C = st.cells, C32 = st.cells32, T = st.tags, K = st.cards;
  const fixedLo = m.fixedLo; // the fixed space grows only upwards: its end is read from m
  let stackLo = m.stackLo, stackHi = m.stackHi;
  let ins = first;
  let done = 0;
  // A watch (Machine.watch: a debugger's single-stepping) is asked before every instruction
  // but the first, and translated code is not entered meanwhile: the interpreter steps. Only
  // the outermost run watches (not one a host service started, nor the tier's nested runs).
  const watch = nest !== null || m.inService.length > 0 ? null : m.watch;
  const every = watch !== null ? 1 : m.tier ? CHECK_EVERY_TIERED : CHECK_EVERY;
  let checkAt = Math.min(limit, every);
  let fault: Fault | null = null;
  /** An instruction translated code stopped before: executed here, not entered again. */
  let noEnter: Insn | null = null;
  const watchSp = nest ? nest.watchSp : Infinity;
  const depth = nest ? nest.depth + NESTED_RUN_WEIGHT : m.depth;
  const hotCalls = m.hotCalls, urgentCalls = m.tier ? m.tier.urgentCalls : Infinity;
  const hotLoops = m.tier && watch === null ? m.tier.hotLoops : Infinity;
  if (!nest) m.beginRun();

  const stop = (kind: FaultKind, message: string, at: Insn): Fault => makeFault(kind, message, at);
  /** Leave a nested run: control went to (lo, tag) past the caller's return address. */
  const leave = (lo: number, tag: number): void => {
    S32[STATE.TARGET] = lo; S32[STATE.TARGET_TAG] = tag;
    nest!.status = lo === nest!.expected && tag === TAG_CODE ? RETURNED : RET_TO;
  };

  loop: for (;;) {
    if (done === checkAt && ins.op !== EXIT) {
      if (nest) {
        // A nested run spends its caller's budget; the outermost run makes the checks.
        if (done >= limit) { nest.status = STOP_AT; m.stoppedAt = ins; S32[STATE.NEXT_MODE] = NEXT_INSN; break; }
      } else {
        if (Atomics.load(m.interrupt, 0) !== 0) {
          Atomics.store(m.interrupt, 0, 0);
          fault = stop('Interrupted', `interrupted after ${m.totalSteps + done} instructions`, ins);
          m.resumeAt = ins;
          break;
        }
        if (done >= limit || m.stopSoon) {
          fault = stop('StepLimit', `stopped after ${done} instructions (the step limit)`, ins);
          m.resumeAt = ins;
          break;
        }
        if (watch !== null && watch(ins)) {
          fault = stop('StepLimit', 'stopped where the watch asked', ins);
          m.resumeAt = ins;
          m.watchStopped = true;
          break;
        }
      }
      checkAt = Math.min(limit, done + every);
      const tier = m.tier;
      if (tier && watch === null) {
        // What runs at a checkpoint is hot too (a long loop makes few calls).
        const code = ins.code;
        if ((code.heat += SAMPLE_HEAT) >= hotCalls) tier.hot(code);
        if (tier.pending) tier.compile();
      }
    }
    let op = ins.op;
    if (op === TRANSLATED) {
      const t = ins.code.translation;
      if (ins !== noEnter && t !== null && watch === null) {
        // Enter the translated function at this label, with the budget up to the next check.
        S32[STATE.BUDGET] = checkAt - done;
        m.tier!.stats.entries++;
        let status: number;
        try {
          status = m.tier!.enter(ins.code, -1, ins.txLabel, depth);
        } catch (e) {
          // The host's stack ran out under translated code (its frames larger than MAX_DEPTH
          // allows for): a StackOverflow, as when the machine's own stack runs out, never a host
          // crash. A nested run leaves it to the run that entered translated code first.
          if (nest !== null || !isHostStackOverflow(e)) throw e;
          fault = stop('StackOverflow', 'calls nested too deeply for the host\'s stack (under translated code)', ins);
          m.nestedFault = null;
          break;
        }
        S = st.state64; S32 = st.state32; RT = st.regTags; C = st.cells; C32 = st.cells32; T = st.tags; K = st.cards;
        stackLo = m.stackLo; stackHi = m.stackHi;
        done = checkAt - S32[STATE.BUDGET];
        if (status === RET_TO) {
          const lo = S32[STATE.TARGET], tag = S32[STATE.TARGET_TAG];
          if (S32[2 * RSP] > watchSp) { leave(lo, tag); break; }
          const target = m.controlTargetOf(lo, 0, tag, ins, 'return address');
          if (target === null) { fault = m.pending; break loop; }
          ins = target;
        } else if (status === STOP_AT) {
          ins = S32[STATE.NEXT_MODE] === NEXT_INSN ? m.stoppedAt! : m.nextAfterTranslated();
          if (ins.op === TRANSLATED) noEnter = ins;
        } else {
          fault = m.nestedFault ?? stop('Service', 'translated code returned an unknown status', ins);
          m.nestedFault = null;
          break;
        }
        continue;
      }
      noEnter = null;
      op = ins.baseOp;
    }
    switch (op) {
      case MOV_RR: {
        S[ins.d] = S[ins.s];
        RT[ins.d] = RT[ins.s];
        ins = ins.next ?? m.link(ins);
        break;
      }
      case MOV_RI: {
        S[ins.d] = ins.imm;
        RT[ins.d] = TAG_NUM;
        ins = ins.next ?? m.link(ins);
        break;
      }
      case MOV_LOAD: {
        // [reg+disp] on the stack (a frame's slots) is checked here; all else by m.access,
        // which also raises the fault when this quick check fails.
        const b = ins.base;
        let a = b >= 0 && b !== RIP && RT[b] === TAG_STACK && ins.index < 0 && S32[2 * b + 1] === 0 ? S32[2 * b] + ins.disp : -1;
        if (a < stackLo || a + 8 > stackHi || (a & 7) !== 0 || T[a >> 3] === TAG_POISON) a = m.access(ins, false, 8);
        if (a < 0) { fault = m.pending; break loop; }
        const c = a >> 3, t = T[c];
        S[ins.d] = C[c];
        RT[ins.d] = t === TAG_HDR ? TAG_NUM : t;
        ins = ins.next ?? m.link(ins);
        break;
      }
      case MOV_STORE: case MOV_STORE_I: {
        const b = ins.base;
        let a = b >= 0 && b !== RIP && RT[b] === TAG_STACK && ins.index < 0 && S32[2 * b + 1] === 0 ? S32[2 * b] + ins.disp : -1;
        if (a < stackLo || a + 8 > stackHi || (a & 7) !== 0 || T[a >> 3] === TAG_POISON || T[a >> 3] === TAG_HDR) a = m.access(ins, true, 8);
        if (a < 0) { fault = m.pending; break loop; }
        const c = a >> 3;
        if (op === MOV_STORE) {
          const t = RT[ins.s];
          C[c] = S[ins.s]; T[c] = t;
          if (t === TAG_PTR) K[c >> CARD_SHIFT] = 1;
        } else { C[c] = ins.imm; T[c] = TAG_NUM; }
        if (c >= fixedLo && c < m.fixedHi) m.codeWritten(c);
        ins = m.resync ? m.resyncAfter(ins) : ins.next ?? m.link(ins);
        break;
      }
      case LEA: {
        let v = ins.dispBig;
        if (ins.base === RIP) v += ins.retBig; else if (ins.base >= 0) v += S[ins.base];
        if (ins.index >= 0) v += S[ins.index] * ins.scaleBig;
        S[ins.d] = v;
        RT[ins.d] = TAG_NUM;
        ins = ins.next ?? m.link(ins);
        break;
      }
      case ADD_RR: {
        const d = ins.d;
        S[FA] = S[d]; S[FB] = S[ins.s];
        S[d] = S[d] + S[ins.s];
        S[FR] = S[d]; S32[FK] = FLAGS_ADD; RT[d] = TAG_NUM;
        ins = ins.next ?? m.link(ins);
        break;
      }
      case ADD_RI: {
        const d = ins.d;
        S[FA] = S[d]; S[FB] = ins.imm;
        S[d] = S[d] + ins.imm;
        S[FR] = S[d]; S32[FK] = FLAGS_ADD; RT[d] = TAG_NUM;
        ins = ins.next ?? m.link(ins);
        break;
      }
      case SUB_RR: {
        const d = ins.d;
        S[FA] = S[d]; S[FB] = S[ins.s];
        S[d] = S[d] - S[ins.s];
        S[FR] = S[d]; S32[FK] = FLAGS_SUB; RT[d] = TAG_NUM;
        ins = ins.next ?? m.link(ins);
        break;
      }
      case SUB_RI: {
        const d = ins.d;
        S[FA] = S[d]; S[FB] = ins.imm;
        S[d] = S[d] - ins.imm;
        S[FR] = S[d]; S32[FK] = FLAGS_SUB; RT[d] = TAG_NUM;
        ins = ins.next ?? m.link(ins);
        break;
      }
      case CMP_RR: {
        S[FA] = S[ins.d]; S[FB] = S[ins.s];
        S[FR] = S[ins.d] - S[ins.s]; S32[FK] = FLAGS_SUB;
        ins = ins.next ?? m.link(ins);
        break;
      }
      case CMP_RI: {
        S[FA] = S[ins.d]; S[FB] = ins.imm;
        S[FR] = S[ins.d] - ins.imm; S32[FK] = FLAGS_SUB;
        ins = ins.next ?? m.link(ins);
        break;
      }
      case AND_RR: { const d = ins.d; S[d] = S[d] & S[ins.s]; S[FR] = S[d]; S32[FK] = FLAGS_LOGIC; RT[d] = TAG_NUM; ins = ins.next ?? m.link(ins); break; }
      case AND_RI: { const d = ins.d; S[d] = S[d] & ins.imm; S[FR] = S[d]; S32[FK] = FLAGS_LOGIC; RT[d] = TAG_NUM; ins = ins.next ?? m.link(ins); break; }
      case OR_RR: { const d = ins.d; S[d] = S[d] | S[ins.s]; S[FR] = S[d]; S32[FK] = FLAGS_LOGIC; RT[d] = TAG_NUM; ins = ins.next ?? m.link(ins); break; }
      case OR_RI: { const d = ins.d; S[d] = S[d] | ins.imm; S[FR] = S[d]; S32[FK] = FLAGS_LOGIC; RT[d] = TAG_NUM; ins = ins.next ?? m.link(ins); break; }
      case XOR_RR: { const d = ins.d; S[d] = S[d] ^ S[ins.s]; S[FR] = S[d]; S32[FK] = FLAGS_LOGIC; RT[d] = TAG_NUM; ins = ins.next ?? m.link(ins); break; }
      case XOR_RI: { const d = ins.d; S[d] = S[d] ^ ins.imm; S[FR] = S[d]; S32[FK] = FLAGS_LOGIC; RT[d] = TAG_NUM; ins = ins.next ?? m.link(ins); break; }
      case TEST_RR: { S[FR] = S[ins.d] & S[ins.s]; S32[FK] = FLAGS_LOGIC; ins = ins.next ?? m.link(ins); break; }
      case TEST_RI: { S[FR] = S[ins.d] & ins.imm; S32[FK] = FLAGS_LOGIC; ins = ins.next ?? m.link(ins); break; }
      case INC_R: {
        const d = ins.d;
        const k = S32[FK];
        S32[FC] = (k === FLAGS_ADD ? below(S32[R32 + 1], S32[R32], S32[A32 + 1], S32[A32])
          : k === FLAGS_SUB ? below(S32[A32 + 1], S32[A32], S32[B32 + 1], S32[B32]) : carry(S32)) ? 1 : 0;
        S[d] = S[d] + 1n;
        S[FR] = S[d];
        S32[FO] = S32[2 * d + 1] === -0x80000000 && S32[2 * d] === 0 ? 1 : 0;
        S32[FK] = FLAGS_EAGER; RT[d] = TAG_NUM;
        ins = ins.next ?? m.link(ins);
        break;
      }
      case DEC_R: {
        const d = ins.d;
        const k = S32[FK];
        S32[FC] = (k === FLAGS_ADD ? below(S32[R32 + 1], S32[R32], S32[A32 + 1], S32[A32])
          : k === FLAGS_SUB ? below(S32[A32 + 1], S32[A32], S32[B32 + 1], S32[B32]) : carry(S32)) ? 1 : 0;
        S[d] = S[d] - 1n;
        S[FR] = S[d];
        S32[FO] = S32[2 * d + 1] === 0x7fffffff && S32[2 * d] === -1 ? 1 : 0;
        S32[FK] = FLAGS_EAGER; RT[d] = TAG_NUM;
        ins = ins.next ?? m.link(ins);
        break;
      }
      case ALU_LOAD: {
        const a = m.access(ins, false, 8);
        if (a < 0) { fault = m.pending; break loop; }
        aluToRegister(S, S32, RT, ins.d, ins.alu, C[a >> 3]);
        ins = ins.next ?? m.link(ins);
        break;
      }
      case JMP: {
        const target = ins.jump ?? m.linkJump(ins);
        // (a jump back is a loop: hotLoops of them translate its code, entered at the next label)
        if (target.off <= ins.off && ++target.code.loops === hotLoops) m.tier!.loopHot(target.code);
        ins = target;
        break;
      }
      case JZ: {
        const z = S32[FK] === FLAGS_EXPLICIT ? (S32[FBITS] & BIT_ZF) !== 0 : (S32[R32] | S32[R32 + 1]) === 0;
        if (z === (ins.cc === 4)) {
          const target = ins.jump ?? m.linkJump(ins);
          if (target.off <= ins.off && ++target.code.loops === hotLoops) m.tier!.loopHot(target.code);
          ins = target;
        } else ins = ins.next ?? m.link(ins);
        break;
      }
      case JCC: {
        if (condition(S32, ins.cc)) {
          const target = ins.jump ?? m.linkJump(ins);
          if (target.off <= ins.off && ++target.code.loops === hotLoops) m.tier!.loopHot(target.code);
          ins = target;
        } else ins = ins.next ?? m.link(ins);
        break;
      }
      case CALL: {
        const target = ins.jump ?? m.linkJump(ins);
        if (target.op === FAULT && target.faultAt === ins) { fault = stop(target.faultKind as FaultKind, target.faultMessage, ins); break loop; }
        const sp = S32[2 * RSP] - 8;
        if (sp < stackLo) { fault = stop('StackOverflow', 'call with a full stack', ins); break loop; }
        C[sp >> 3] = ins.retBig; T[sp >> 3] = TAG_CODE;
        S32[2 * RSP] = sp;
        ins = target;
        { const heat = ++target.code.heat; if (heat === hotCalls || heat === urgentCalls) m.tier!.hot(target.code); }
        break;
      }
      case RET: case RET_N: {
        const sp = S32[2 * RSP];
        const after = sp + 8 + (op === RET_N ? ins.immNum : 0);
        if (sp + 8 > stackHi) { fault = stop('StackOverflow', 'ret with an empty stack', ins); break loop; }
        if (after > stackHi) { fault = stop('StackOverflow', `ret ${ins.immNum} would pop past the bottom of the stack`, ins); break loop; }
        const c = sp >> 3;
        if (T[c] === TAG_POISON) { fault = stop('Poisoned', `the return address at ${hexAddress(sp)} belongs to an object sent to another actor`, ins); break loop; }
        const lo = C32[2 * c], tag = T[c];
        let target = ins.seenTarget;
        if (target === null || lo !== ins.seenLo || tag !== ins.seenTag || C32[2 * c + 1] !== 0) {
          target = ins.seenTarget2;
          if (target === null || lo !== ins.seenLo2 || tag !== ins.seenTag2 || C32[2 * c + 1] !== 0) {
            target = m.controlTargetOf(lo, C32[2 * c + 1], tag, ins, 'return address');
            if (target === null) { fault = m.pending; break loop; }
          }
          ins.seenLo2 = ins.seenLo; ins.seenTag2 = ins.seenTag; ins.seenTarget2 = ins.seenTarget;
          ins.seenLo = lo; ins.seenTag = tag; ins.seenTarget = target;
        }
        S32[2 * RSP] = after;
        if (after > watchSp) { leave(lo, tag); done++; break loop; }
        ins = target;
        break;
      }
      case JMP_RM: case CALL_RM: {
        // The target value: its low half, high half and tag, from a register or memory.
        let lo: number, hi: number, tag: number, cell = -1;
        if (ins.isMem) {
          const a = m.access(ins, false, 8);
          if (a < 0) { fault = m.pending; break loop; }
          cell = a >> 3;
          lo = C32[2 * cell]; hi = C32[2 * cell + 1]; tag = T[cell];
        } else {
          lo = S32[2 * ins.d]; hi = S32[2 * ins.d + 1]; tag = RT[ins.d];
        }
        let target = ins.seenTarget;
        if (target === null || lo !== ins.seenLo || tag !== ins.seenTag || hi !== 0) {
          target = m.controlTargetOf(lo, hi, tag, ins, op === CALL_RM ? 'call target' : 'jump target');
          if (target === null) { fault = m.pending; break loop; }
          ins.seenLo = lo; ins.seenTag = tag; ins.seenTarget = target;
        }
        if (op === CALL_RM) {
          const sp = S32[2 * RSP] - 8;
          if (sp < stackLo) { fault = stop('StackOverflow', 'call with a full stack', ins); break loop; }
          C[sp >> 3] = ins.retBig; T[sp >> 3] = TAG_CODE;
          S32[2 * RSP] = sp;
          { const heat = ++target.code.heat; if (heat === hotCalls || heat === urgentCalls) m.tier!.hot(target.code); }
        } else if (S32[2 * RSP] > watchSp) {
          // a threaded primitive's `jmp r13`, after taking its return address off the stack
          leave(lo, tag); done++; break loop;
        }
        ins = target;
        break;
      }
      case PUSH_R: {
        const sp = S32[2 * RSP] - 8;
        if (sp < stackLo) { fault = stop('StackOverflow', 'push with a full stack', ins); break loop; }
        C[sp >> 3] = S[ins.d]; T[sp >> 3] = RT[ins.d];
        S32[2 * RSP] = sp;
        ins = ins.next ?? m.link(ins);
        break;
      }
      case PUSH_I: {
        const sp = S32[2 * RSP] - 8;
        if (sp < stackLo) { fault = stop('StackOverflow', 'push with a full stack', ins); break loop; }
        C[sp >> 3] = ins.imm; T[sp >> 3] = TAG_NUM;
        S32[2 * RSP] = sp;
        ins = ins.next ?? m.link(ins);
        break;
      }
      case POP_R: {
        const sp = S32[2 * RSP];
        if (sp + 8 > stackHi) { fault = stop('StackOverflow', 'pop with an empty stack', ins); break loop; }
        if (T[sp >> 3] === TAG_POISON) { fault = stop('Poisoned', `the cell at ${hexAddress(sp)} belongs to an object sent to another actor`, ins); break loop; }
        S[ins.d] = C[sp >> 3]; RT[ins.d] = T[sp >> 3];
        S32[2 * RSP] = sp + 8;
        ins = ins.next ?? m.link(ins);
        break;
      }
      case CMOV_RR: {
        if (condition(S32, ins.cc)) { S[ins.d] = S[ins.s]; RT[ins.d] = RT[ins.s]; }
        ins = ins.next ?? m.link(ins);
        break;
      }
      case SETCC_R: {
        const bit = condition(S32, ins.cc) ? 1 : 0;
        const d = ins.d;
        if (d < 16) { S32[2 * d] = (S32[2 * d] & ~0xff) | bit; RT[d] = TAG_NUM; } else { const r = d - 16; S32[2 * r] = (S32[2 * r] & ~0xff00) | (bit << 8); RT[r] = TAG_NUM; }
        ins = ins.next ?? m.link(ins);
        break;
      }
      case NOP: {
        ins = ins.next ?? m.link(ins);
        break;
      }
      case EXIT:
        // Reached under translated code (a jump to the exit stub): the host's return, which
        // only the outermost run makes; it is passed up as the return to the stub it is.
        if (nest) leave(m.exitStub, TAG_PTR);
        break loop;
      case FAULT:
        fault = stop(ins.faultKind as FaultKind, ins.faultMessage, ins);
        break loop;
      case SYSCALL: {
        if (!enterService(m, ins)) { fault = m.pending; break loop; }
        // A host service may have grown memory or collected: take the views and bounds again.
        S = st.state64; S32 = st.state32; RT = st.regTags; C = st.cells; C32 = st.cells32; T = st.tags; K = st.cards;
        stackLo = m.stackLo; stackHi = m.stackHi;
        ins = m.resync ? m.resyncAfter(ins) : ins.next ?? m.link(ins);
        break;
      }
      case LAR_R: {
        S[ins.d] = TAG_VALUES[RT[ins.s]];
        RT[ins.d] = TAG_NUM;
        setZeroFlag(S32);
        ins = ins.next ?? m.link(ins);
        break;
      }
      case RSP_ADJ: {
        // add/sub rsp, imm within the stack; leaving it goes the general way, which faults.
        const sp = S32[2 * RSP] + (ins.alu === 0 ? ins.immNum : -ins.immNum);
        if (sp < stackLo || sp > stackHi) {
          if (!general(m, ins)) { fault = m.pending; break loop; }
          ins = ins.next ?? m.link(ins);
          break;
        }
        const a = S[RSP];
        S[FA] = a; S[FB] = ins.imm;
        S[RSP] = ins.alu === 0 ? a + ins.imm : a - ins.imm;
        S[FR] = S[RSP]; S32[FK] = ins.alu === 0 ? FLAGS_ADD : FLAGS_SUB;
        ins = ins.next ?? m.link(ins);
        break;
      }
      case MOV_RSP: {
        const s = ins.s, v = S32[2 * s];
        if (RT[s] !== TAG_STACK || S32[2 * s + 1] !== 0 || v < stackLo || v > stackHi) {
          if (!general(m, ins)) { fault = m.pending; break loop; }
          ins = ins.next ?? m.link(ins);
          break;
        }
        S[RSP] = S[s];
        ins = ins.next ?? m.link(ins);
        break;
      }
      default: {
        if (!general(m, ins)) {
          fault = m.pending;
          if (fault?.kind === 'Breakpoint') { done++; m.resumeAt = ins.next ?? m.link(ins); }
          break loop;
        }
        ins = m.resync ? m.resyncAfter(ins) : ins.next ?? m.link(ins);
        break;
      }
    }
    done++;
  }
  if (!nest) m.totalSteps += done;
  else if (fault) { nest.status = FAULTED; m.nestedFault = fault; }
  m.pending = null;
  return { fault, steps: done };
}

/** Execute one straight-line instruction with the general routine (the tier's step import). */
export function stepOne(m: Machine, ins: Insn): boolean {
  return general(m, ins);
}

/**
 * Enter the host service numbered by r11. While it runs, this instruction is on
 * m.inService (its code is a root). Returns false with m.pending set when it refuses.
 */
export function enterService(m: Machine, ins: Insn): boolean {
  const S = m.store.state64, S32 = m.store.state32;
  // The service number is in r11, so rax (the top of the stack) passes through.
  const lo = S32[2 * SERVICE_REGISTER], hi = S32[2 * SERVICE_REGISTER + 1];
  const service = hi === 0 && lo >= 0 && lo < m.services.length ? m.services[lo] : undefined;
  if (!service) { m.raise('Service', `there is no host service ${S[SERVICE_REGISTER]}`, ins); return false; }
  m.inService.push(ins);
  let refusal: string | null;
  try {
    refusal = service(m);
  } catch (e) {
    if (!(e instanceof BrokenStructure)) throw e;
    m.refusal = null;
    refusal = e.message;
  }
  m.inService.pop();
  if (refusal !== null) { m.raise(m.refusal ?? 'Service', refusal, ins); m.refusal = null; return false; }
  m.refusal = null;
  return true;
}

/** dst op= value for the ALU group (ALU numbering from insn.ts), with flags. */
function aluToRegister(S: BigInt64Array, S32: Int32Array, RT: Uint8Array, d: number, alu: number, value: bigint): void {
  switch (alu) {
    case 0: S[FA] = S[d]; S[FB] = value; S[d] = S[d] + value; S[FR] = S[d]; S32[FK] = FLAGS_ADD; break;
    case 5: S[FA] = S[d]; S[FB] = value; S[d] = S[d] - value; S[FR] = S[d]; S32[FK] = FLAGS_SUB; break;
    case 7: S[FA] = S[d]; S[FB] = value; S[FR] = S[d] - value; S32[FK] = FLAGS_SUB; return;
    case 1: S[d] = S[d] | value; S[FR] = S[d]; S32[FK] = FLAGS_LOGIC; break;
    case 4: S[d] = S[d] & value; S[FR] = S[d]; S32[FK] = FLAGS_LOGIC; break;
    case 6: S[d] = S[d] ^ value; S[FR] = S[d]; S32[FK] = FLAGS_LOGIC; break;
    default: S[FR] = S[d] & value; S32[FK] = FLAGS_LOGIC; return;
  }
  RT[d] = TAG_NUM;
}

// ---- the general routine ------------------------------------------------------------------
//
// Everything without a routine of its own: memory destinations, writes to rsp, imul, idiv,
// cqo, neg, not, shifts, push/pop of memory, setcc/cmovcc with memory, int3 and syscall.
// Operands are read and written through the decoded operand list, so one routine serves
// every form the table has. Returns false with m.pending set when the instruction faults.

let value = 0n;
let valueTag = 0;

function read(m: Machine, ins: Insn, op: Operand): boolean {
  const st = m.store;
  switch (op.kind) {
    case 'reg': value = st.state64[op.reg]; valueTag = st.regTags[op.reg]; return true;
    case 'reg8': {
      const r = op.reg < 16 ? op.reg : op.reg - 16;
      const shift = op.reg < 16 ? 0n : 8n;
      value = (st.state64[r] >> shift) & 0xffn;
      valueTag = TAG_NUM;
      return true;
    }
    case 'reg16': value = st.state64[op.reg] & 0xffffn; valueTag = st.regTags[op.reg]; return true;
    case 'imm': value = op.value; valueTag = TAG_NUM; return true;
    case 'mem': {
      const width = op.size === 8 ? 1 : op.size === 16 ? 2 : 8;
      const a = m.access(ins, false, width);
      if (a < 0) return false;
      if (width === 1) { value = BigInt(st.bytes[a]); valueTag = TAG_NUM; return true; }
      if (width === 2) { value = BigInt(st.bytes[a] | (st.bytes[a + 1] << 8)); valueTag = st.tags[a >> 3]; return true; }
      value = st.cells[a >> 3];
      const t = st.tags[a >> 3];
      valueTag = t === TAG_HDR ? TAG_NUM : t;
      return true;
    }
    case 'rel': value = BigInt(op.target); valueTag = TAG_NUM; return true;
    case 'xmm': m.raise('InvalidOpcode', 'an xmm register is not an operand here', ins); return false;
  }
}

/** rsp may only be given an address inside the stack object, tagged STACK. */
function writeRsp(m: Machine, ins: Insn, v: bigint, tag: number): boolean {
  if (tag !== TAG_STACK) {
    m.raise('Tag', 'rsp can only hold an address in the stack, and this result is ' + (tag === TAG_NUM ? 'a number' : 'not a stack address'), ins);
    return false;
  }
  if (v < BigInt(m.stackLo) || v > BigInt(m.stackHi)) {
    m.raise('StackOverflow', `rsp would leave the stack (0x${v.toString(16)})`, ins);
    return false;
  }
  m.store.state64[RSP] = v;
  m.store.regTags[RSP] = TAG_STACK;
  return true;
}

function write(m: Machine, ins: Insn, op: Operand, v: bigint, tag: number): boolean {
  const st = m.store;
  switch (op.kind) {
    case 'reg':
      if (op.reg === RSP) return writeRsp(m, ins, v, tag);
      st.state64[op.reg] = v;
      st.regTags[op.reg] = tag;
      return true;
    case 'reg8': {
      const r = op.reg < 16 ? op.reg : op.reg - 16;
      if (r === RSP) return writeRsp(m, ins, (st.state64[RSP] & ~0xffn) | (v & 0xffn), TAG_NUM);
      const shift = op.reg < 16 ? 0n : 8n;
      st.state64[r] = (st.state64[r] & ~(0xffn << shift)) | ((v & 0xffn) << shift);
      st.regTags[r] = TAG_NUM;
      return true;
    }
    case 'mem': {
      const width = op.size === 8 ? 1 : 8;
      const a = m.access(ins, true, width);
      if (a < 0) return false;
      const c = a >> 3;
      if (width === 1) { st.bytes[a] = Number(v & 0xffn); st.tags[c] = TAG_NUM; } else {
        st.cells[c] = v; st.tags[c] = tag;
        if (tag === TAG_PTR) st.cards[c >> CARD_SHIFT] = 1;
      }
      if (c >= m.fixedLo && c < m.fixedHi) m.codeWritten(c);
      return true;
    }
    default:
      m.raise('InvalidOpcode', 'cannot write to this operand', ins);
      return false;
  }
}

function setFlags(S: BigInt64Array, S32: Int32Array, kind: number, a: bigint, b: bigint, res: bigint): void {
  S[FA] = a; S[FB] = b; S[FR] = res; S32[FK] = kind;
}

function setEager(S: BigInt64Array, S32: Int32Array, res: bigint, cf: boolean, of: boolean): void {
  S[FR] = res; S32[FC] = cf ? 1 : 0; S32[FO] = of ? 1 : 0; S32[FK] = FLAGS_EAGER;
}

/** Tag of a result of add/sub/and/lea: a stack address only when rsp adjusts itself by a number. */
function derivedTag(dest: Operand, baseTag: number, otherTag: number): number {
  return dest.kind === 'reg' && dest.reg === RSP && baseTag === TAG_STACK && otherTag === TAG_NUM ? TAG_STACK : TAG_NUM;
}

function general(m: Machine, ins: Insn): boolean {
  const row = ins.row!;
  const ops = ins.decoded!.operands;
  const S = m.store.state64, S32 = m.store.state32;
  switch (row.operation) {
    case 'mov':
      return read(m, ins, ops[1]) && write(m, ins, ops[0], value, valueTag);
    case 'lea': {
      const mop = ops[1];
      if (mop.kind !== 'mem') return false;
      let v = BigInt(mop.disp);
      let baseTag = TAG_NUM;
      if (mop.base === RIP) v += ins.retBig;
      else if (mop.base >= 0) { v += S[mop.base]; baseTag = m.store.regTags[mop.base]; }
      let indexTag = TAG_NUM;
      if (mop.index >= 0) { v += S[mop.index] * BigInt(mop.scale); indexTag = m.store.regTags[mop.index] === TAG_NUM ? TAG_NUM : -1; }
      return write(m, ins, ops[0], BigInt.asIntN(64, v), derivedTag(ops[0], baseTag, indexTag));
    }
    case 'add': case 'or': case 'and': case 'sub': case 'xor': case 'cmp': case 'test': {
      if (!read(m, ins, ops[0])) return false;
      const a = value, aTag = valueTag;
      if (!read(m, ins, ops[1])) return false;
      const b = value, bTag = valueTag;
      let res: bigint, kind: number;
      switch (row.operation) {
        case 'add': res = BigInt.asIntN(64, a + b); kind = FLAGS_ADD; break;
        case 'sub': case 'cmp': res = BigInt.asIntN(64, a - b); kind = FLAGS_SUB; break;
        case 'or': res = a | b; kind = FLAGS_LOGIC; break;
        case 'xor': res = a ^ b; kind = FLAGS_LOGIC; break;
        default: res = a & b; kind = FLAGS_LOGIC; break;
      }
      if (row.operation !== 'cmp' && row.operation !== 'test') {
        const keepsStack = row.operation === 'add' || row.operation === 'sub' || row.operation === 'and';
        const tag = keepsStack ? derivedTag(ops[0], aTag, bTag) : TAG_NUM;
        if (!write(m, ins, ops[0], res, tag)) return false;
      }
      setFlags(S, S32, kind, a, b, res);
      return true;
    }
    case 'imul': {
      const three = ops.length === 3;
      if (!read(m, ins, ops[three ? 1 : 0])) return false;
      const a = value;
      if (!read(m, ins, ops[three ? 2 : 1])) return false;
      const full = a * value;
      const res = BigInt.asIntN(64, full);
      if (!write(m, ins, ops[0], res, TAG_NUM)) return false;
      setEager(S, S32, res, full !== res, full !== res);
      return true;
    }
    case 'idiv': {
      if (!read(m, ins, ops[0])) return false;
      const divisor = value;
      if (divisor === 0n) { m.raise('DivideError', 'division by zero', ins); return false; }
      const dividend = (S[2] << 64n) | BigInt.asUintN(64, S[0]);
      const q = dividend / divisor, r = dividend % divisor;
      if (q < INT64_MIN || q > INT64_MAX) { m.raise('DivideError', 'the quotient does not fit in 64 bits', ins); return false; }
      S[0] = q; S[2] = r;
      m.store.regTags[0] = TAG_NUM; m.store.regTags[2] = TAG_NUM;
      return true;
    }
    case 'cqo':
      S[2] = S[0] < 0n ? -1n : 0n;
      m.store.regTags[2] = TAG_NUM;
      return true;
    case 'neg': {
      if (!read(m, ins, ops[0])) return false;
      const a = value, res = BigInt.asIntN(64, -a);
      if (!write(m, ins, ops[0], res, TAG_NUM)) return false;
      setEager(S, S32, res, a !== 0n, a === INT64_MIN);
      return true;
    }
    case 'not':
      return read(m, ins, ops[0]) && write(m, ins, ops[0], ~value, TAG_NUM);
    case 'inc': case 'dec': {
      if (!read(m, ins, ops[0])) return false;
      const a = value;
      const res = BigInt.asIntN(64, row.operation === 'inc' ? a + 1n : a - 1n);
      const cf = carry(S32);
      if (!write(m, ins, ops[0], res, TAG_NUM)) return false;
      setEager(S, S32, res, cf, row.operation === 'inc' ? res === INT64_MIN : res === INT64_MAX);
      return true;
    }
    case 'shl': case 'shr': case 'sar': {
      if (!read(m, ins, ops[0])) return false;
      const a = value;
      const count = row.operands[1] === 'cl' ? Number(S[RCX] & 63n) : ins.immNum & 63;
      if (count === 0) return true; // no change, not even to the flags
      const c = BigInt(count);
      const ua = BigInt.asUintN(64, a);
      let res: bigint, cf: boolean, of: boolean;
      if (row.operation === 'shl') {
        res = BigInt.asIntN(64, ua << c);
        cf = ((ua >> (64n - c)) & 1n) === 1n;
        of = (res < 0n) !== cf;
      } else if (row.operation === 'shr') {
        res = BigInt.asIntN(64, ua >> c);
        cf = ((ua >> (c - 1n)) & 1n) === 1n;
        of = a < 0n;
      } else {
        res = a >> c;
        cf = ((a >> (c - 1n)) & 1n) === 1n;
        of = false;
      }
      if (!write(m, ins, ops[0], res, TAG_NUM)) return false;
      setEager(S, S32, res, cf, of);
      return true;
    }
    case 'push': {
      if (!read(m, ins, ops[0])) return false;
      const sp = S32[2 * RSP] - 8;
      if (sp < m.stackLo) { m.raise('StackOverflow', 'push with a full stack', ins); return false; }
      m.store.cells[sp >> 3] = value; m.store.tags[sp >> 3] = valueTag;
      S32[2 * RSP] = sp;
      return true;
    }
    case 'pop': {
      const sp = S32[2 * RSP];
      if (sp + 8 > m.stackHi) { m.raise('StackOverflow', 'pop with an empty stack', ins); return false; }
      const v = m.store.cells[sp >> 3], t = m.store.tags[sp >> 3];
      if (t === TAG_POISON) { m.raise('Poisoned', `the cell at ${hexAddress(sp)} belongs to an object sent to another actor`, ins); return false; }
      // The destination's address is computed with rsp already incremented, as on the CPU.
      S32[2 * RSP] = sp + 8;
      if (!write(m, ins, ops[0], v, t)) { S32[2 * RSP] = sp; return false; }
      return true;
    }
    case 'setcc':
      return write(m, ins, ops[0], condition(S32, row.cc) ? 1n : 0n, TAG_NUM);
    case 'cmovcc': {
      if (!read(m, ins, ops[1])) return false;
      return condition(S32, row.cc) ? write(m, ins, ops[0], value, valueTag) : true;
    }
    case 'int3':
      m.raise('Breakpoint', 'int3 breakpoint', ins);
      return false;
    case 'movzx':
      return read(m, ins, ops[1]) && write(m, ins, ops[0], value & 0xffn, TAG_NUM);
    case 'lar': {
      // The access rights of a value on this machine are its tag (cells.ts): the tag of the
      // register, or of the cell the word lies in. ZF says the rights were loaded.
      if (!read(m, ins, ops[1])) return false;
      if (!write(m, ins, ops[0], BigInt(valueTag), TAG_NUM)) return false;
      setZeroFlag(S32);
      return true;
    }
    case 'nop':
      return true;
    default:
      if (row.sse) return executeSse(m, ins);
      m.raise('InvalidOpcode', `'${row.mnemonic}' has no routine`, ins);
      return false;
  }
}

/** A byte address as the machine's messages write it. */
function hexAddress(a: number): string {
  return `0x${a.toString(16)}`;
}
