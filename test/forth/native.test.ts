/*
 * Forth colon definitions compiled to native code (src/forth/native.ts): what a user relies
 * on is that a word does what its threaded code did, so random programs (stack shuffles,
 * arithmetic, comparisons, IF ELSE THEN, DO LOOP with I and J, BEGIN UNTIL, >R R> R@, EXIT,
 * calls of earlier words) run natively, threaded, and in gforth must print the same (seeded;
 * BEDROCK_SEED replays one). Then the code itself: the copied bodies, the peephole's work,
 * and what native code shares with threaded code (RECURSE, CATCH, locals, DOES>, redefinition).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import type { Forth } from '../../src/forth/forth.ts';
import { bootForth, forthOutput } from '../support/forth.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';
import { missingTools, oraclesPresent } from '../support/oracles.ts';
import { parseItems } from '../../kernel/machine/x86/assembler.ts';
import { isInstruction, optimize, type Instruction, type Line } from '../../src/compiler/peephole.ts';
import { FORTH_RULES, forthBarrier, textOf } from '../../src/forth/native.ts';

let b: Bedrock;
let f: Forth;

beforeAll(() => {
  ({ bedrock: b, forth: f } = bootForth());
});

const out = (text: string): string => forthOutput(f, text);

/** What `text` prints with colon definitions compiled natively or threaded. */
function run(text: string, native: boolean): string {
  f.nativeCode = native;
  try {
    const r = f.interpret(text, 'random.fs', 'file');
    f.clearStack();
    return r.ok ? r.output : `${r.output}\nERROR ${r.error}`;
  } finally {
    f.nativeCode = true;
  }
}

// ---- random programs -------------------------------------------------------------------

/** Words of a fixed stack effect: [text, items taken, items left]. */
const SHUFFLES: readonly [string, number, number][] = [
  ['DUP', 1, 2], ['DROP', 1, 0], ['SWAP', 2, 2], ['OVER', 2, 3], ['ROT', 3, 3], ['NIP', 2, 1], ['TUCK', 2, 3],
  ['2DUP', 2, 4], ['2DROP', 2, 0], ['2SWAP', 4, 4], ['2OVER', 4, 6], ['2 PICK', 3, 4],
];
const BINARY = ['+', '-', '*', 'AND', 'OR', 'XOR', '<', '>', '=', '<>', 'U<', 'U>', 'MIN', 'MAX', '63 AND LSHIFT', '63 AND RSHIFT'];
const UNARY = ['1+', '1-', 'NEGATE', 'INVERT', '0=', '0<', '0>', '0<>', '2*', '2/', 'ABS', 'CELLS', 'CELL+', 'CHAR+'];
const CONDITIONS = ['0=', '0<', '0>', '0<>', '1 AND', '3 <', '-2 >', '0 =', 'DUP 2 U<  NIP'];

interface Word { readonly name: string; readonly takes: number; readonly leaves: number }

function literal(r: Random): string {
  return r.chance(0.7) ? String(r.below(21) - 10) : r.int64().toString();
}

/**
 * A sequence from depth `d` to depth `to` (never below 0): what a word body, a branch or a
 * loop body is; `loops` DO loops are open around it (I, J); at `nest` 0 it is a word's own
 * body (where EXIT may leave).
 */
function block(r: Random, words: readonly Word[], d: number, to: number, size: number, loops: number, nest: number): string {
  const parts: string[] = [];
  for (let n = 0; n < size; n++) {
    const roll = r.below(100);
    if (roll < 14 || d === 0) { parts.push(literal(r)); d++; }
    else if (roll < 30) {
      const [t, take, leave] = r.pick(SHUFFLES.filter(([, take, leave]) => take <= d && d - take + leave <= 8));
      parts.push(t); d += leave - take;
    } else if (roll < 48 && d >= 2) { parts.push(r.pick(BINARY)); d--; }
    else if (roll < 58) parts.push(r.pick(UNARY));
    else if (roll < 63 && loops > 0) { parts.push(loops > 1 && r.chance(0.5) ? 'J' : 'I'); d++; }
    else if (roll < 70 && nest < 3) {
      // IF ELSE THEN: both ways from d-1 to the same depth.
      const after = Math.max(0, Math.min(8, d - 1 + r.below(3) - 1));
      const yes = block(r, words, d - 1, after, 1 + r.below(3), loops, nest + 1);
      const no = r.chance(0.5) ? ` ELSE ${block(r, words, d - 1, after, 1 + r.below(3), loops, nest + 1)}` : '';
      if (no === '' && after !== d - 1) { parts.push(`${r.pick(CONDITIONS)} IF ${block(r, words, d - 1, d - 1, 2, loops, nest + 1)} THEN`); d--; continue; }
      parts.push(`${r.pick(CONDITIONS)} IF ${yes}${no} THEN`);
      d = after;
    } else if (roll < 76 && nest < 3) {
      // (DO with equal limit and index goes round 2^64 times: only ?DO gets 0)
      const kind = r.pick(['DO', '?DO']);
      const limit = kind === 'DO' ? 1 + r.below(4) : r.below(5);
      const step = r.chance(0.3) ? `${r.pick(['1', '2', '-1'])} +LOOP` : 'LOOP';
      const start = step === '-1 +LOOP' ? `0 ${limit}` : `${limit} 0`;
      const leave = r.chance(0.2) ? ' I 2 = IF LEAVE THEN' : '';
      parts.push(`${start} ${kind}${leave} ${block(r, words, d, d, 1 + r.below(3), loops + 1, nest + 1)} ${step}`);
    } else if (roll < 80 && nest < 3 && loops === 0) {
      // BEGIN UNTIL, its count on the return stack.
      parts.push(`${1 + r.below(4)} BEGIN >R ${block(r, words, d, d, 1 + r.below(3), 0, nest + 1)} R> 1- DUP 0= UNTIL DROP`);
    } else if (roll < 85 && d >= 2 && loops === 0) {
      // (from d to d, the top through the return stack)
      parts.push(`>R ${block(r, words, d - 1, d - 1, 1 + r.below(2), 0, nest + 1)} R@ + R>`);
    } else if (roll < 95 && words.length > 0) {
      const w = r.pick(words.filter((x) => x.takes <= d && d - x.takes + x.leaves <= 8));
      if (!w) continue;
      parts.push(w.name); d += w.leaves - w.takes;
    } else if (d === to && d >= 1 && nest === 0) parts.push(`DUP ${r.pick(CONDITIONS)} IF EXIT THEN`);
  }
  while (d > to) { parts.push(d >= 2 && r.chance(0.5) ? r.pick(BINARY) : 'DROP'); d--; }
  while (d < to) { parts.push(d >= 1 && r.chance(0.5) ? 'DUP' : literal(r)); d++; }
  return parts.join(' ');
}

/** A program: words w0 .. wn, each defined on the earlier ones (and a DOES> word, a CONSTANT, a VALUE), each run on a few inputs and its results printed. */
function program(r: Random, prefix: string): string {
  // A word made by a CREATE ... DOES> definer, a CONSTANT and a VALUE to call too.
  const lines: string[] = [
    `: ${prefix}D CREATE , DOES> @ + ;  ${literal(r)} ${prefix}D ${prefix}K  ${literal(r)} CONSTANT ${prefix}C  ${literal(r)} VALUE ${prefix}V`,
  ];
  const words: Word[] = [{ name: `${prefix}K`, takes: 1, leaves: 1 }, { name: `${prefix}C`, takes: 0, leaves: 1 }, { name: `${prefix}V`, takes: 0, leaves: 1 }];
  for (let i = 0; i < 8; i++) {
    const takes = r.below(4), leaves = r.below(3) + 1;
    const name = `${prefix}${i}`;
    lines.push(`: ${name} ${block(r, words, takes, leaves, 3 + r.below(8), 0, 0)} ;`);
    words.push({ name, takes, leaves });
    for (let k = 0; k < 3; k++) {
      lines.push(`${Array.from({ length: takes }, () => literal(r)).join(' ')} ${name} ${'. '.repeat(leaves)}CR`);
    }
  }
  return lines.join('\n') + '\n';
}

const gforth = oraclesPresent('Forth native code against gforth', missingTools([['gforth', ['--version']]]));

describe('Forth native code: random programs print what threaded code and gforth print', () => {
  it('native and threaded agree (seeded)', () => {
    const r = makeRandom(testSeed());
    console.log(`random Forth programs with seed ${r.seed} (BEDROCK_SEED replays)`);
    for (let i = 0; i < 30; i++) {
      const text = program(r, `RN${i}W`);
      expect(run(text, true), `seed ${r.seed}, program ${i}:\n${text}`).toBe(run(text, false));
    }
    // (and they were native code: every word of the last program)
    for (let w = 0; w < 8; w++) expect(out(`SEE RN29W${w}`)).toContain('native code (');
  });

  it.runIf(gforth)('native code and gforth agree (seeded)', () => {
    const r = makeRandom(testSeed() + 1);
    console.log(`random Forth programs for gforth with seed ${r.seed}`);
    const texts = Array.from({ length: 30 }, (_, i) => program(r, `RG${i}W`));
    const dir = mkdtempSync(join(tmpdir(), 'bedrock-forth-'));
    try {
      // One gforth run for all: each program's output after a line of its own.
      const file = join(dir, 'programs.fs');
      writeFileSync(file, texts.map((t, i) => `.( @@${i}) CR\n${t}`).join(''));
      const g = spawnSync('gforth', [file, '-e', 'bye'], { encoding: 'utf8' });
      expect(g.status, g.stderr).toBe(0);
      const theirs = g.stdout.split(/@@\d+\n/).slice(1);
      texts.forEach((t, i) => expect(run(t, true), `seed ${r.seed}, program ${i}:\n${t}`).toBe(theirs[i]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Forth native code: the code', () => {
  it('copies the primitives inline, and the peephole leaves fib as a compare and a branch', () => {
    out(': NFIB DUP 2 < IF EXIT THEN DUP 1- RECURSE SWAP 2 - RECURSE + ;');
    expect(out('25 NFIB .')).toBe('75025 ');
    const see = out('SEE NFIB');
    expect(see).toContain('native code (');
    // DUP 2 < IF: a compare and a branch, no flag made.
    expect(see).toMatch(/cmp rax, 2 .*\n.*jge /);
    expect(see).not.toMatch(/cmovl/);
    // RECURSE is a call of its own start; the return address goes to the return stack.
    expect(see).toMatch(/call 0x0 +; recurse/);
    expect(see).toMatch(/pop rcx +; entry\n.*mov \[r14\+r15\*8\], rcx/);
  });

  it('calls threaded words and is called by them, both ways through EXECUTE and CATCH', () => {
    out(': NSQ DUP * ;  : NCALL [\'] NSQ EXECUTE 1+ ;  : NTHROWS 7 ?DUP IF THROW THEN ;');
    expect(out('5 NCALL .')).toBe('26 ');
    expect(out("' NTHROWS CATCH . ' NCALL CATCH DROP")).toBe('7 ');
    // DOES>: the definer is native code, and so is the part after DOES> in the word it makes.
    out(': NCONST CREATE , DOES> @ ;  42 NCONST N42  : NUSE N42 1+ ;  : NARRAY CREATE CELLS ALLOT DOES> SWAP CELLS + ;  3 NARRAY NA');
    expect(out('NUSE . 7 1 NA ! 1 NA @ . 0 NA 2 NA SWAP - .')).toBe('43 7 16 ');
    expect(out('SEE NCONST')).toContain('native code (');
    expect(out('SEE N42')).toMatch(/native code \(\d+ bytes\):\n.*pop rcx\n.*mov \[r14\+r15\*8\], rcx/);
    expect(out('SEE NUSE')).toContain('native code (');
    // ... and threaded, as before, when native code is off.
    expect(run(': NCONST2 CREATE , DOES> @ 1+ ; 5 NCONST2 N5 N5 . ', false)).toBe('6 ');
  });

  it('keeps the return stack for >R R> I J, locals and EXIT inside loops', () => {
    out(': NLOC {: a b | c -- :} a b + TO c c c * ;  : NFIND 10 0 DO I 4 = IF I UNLOOP EXIT THEN LOOP -1 ;');
    expect(out('3 4 NLOC . NFIND .')).toBe('49 4 ');
    out(': NIJ 3 0 DO 2 0 DO J 10 * I + . LOOP LOOP ;  : NR 1 2 >R >R R@ R> R> ;');
    expect(out('NIJ NR . . .')).toBe('0 1 10 11 20 21 2 1 1 ');
  });

  it('puts what a CREATE, CONSTANT or VALUE pushes, and the code of a small colon definition, in place of its call', () => {
    out('CREATE NTAB 10 , 20 , 30 ,  7 CONSTANT NSEVEN  5 VALUE NFIVE  : NCELL CELLS NTAB + ;  : NGET NCELL @ NSEVEN + NFIVE + ;');
    expect(out('2 NGET . 9 TO NFIVE 0 NGET .')).toBe('42 26 ');
    const see = out('SEE NGET');
    expect(see).toMatch(/; ncell: cells/);
    expect(see).not.toMatch(/call/);
    // A word that uses the return stack stays a call (its return address is there).
    out(': NRS >R 1 R> + ;  : NUSE-RS 41 NRS ;');
    expect(out('NUSE-RS .')).toBe('42 ');
    expect(out('SEE NUSE-RS')).toMatch(/call .*; call nrs/);
  });

  it('binds a call to the definition the name had when the caller was compiled, as Forth does', () => {
    out(': NBASE 1 ;  : NUSER NBASE 10 * ;  : NBASE 2 ;');
    expect(out('NUSER . NBASE .')).toBe('10 2 ');
    out('MARKER -NATIVE  : NBASE 3 ;  : NUSER2 NBASE ;');
    expect(out('NUSER2 .')).toBe('3 ');
    out('-NATIVE');
    expect(out('NBASE . NUSER .')).toBe('2 10 ');
  });
});

describe('Forth native code: the Forth peephole rules, one test each', () => {
  /** Optimize `text` (assembly, `;` between statements) with the one rule named, as the back end does. */
  function rule(name: string, text: string): string {
    const only = FORTH_RULES.filter((r) => r.name === name);
    expect(only, name).toHaveLength(1);
    const parsed = parseItems(text);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const lines: Line[] = parsed.items.map((i) => (i.kind === 'label' ? { label: i.name, origin: '' } : { mnemonic: (i as { mnemonic: string }).mnemonic, operands: (i as { operands: Instruction['operands'] }).operands, hints: {}, origin: '' }));
    return optimize(lines, only, forthBarrier).lines.map((l) => (isInstruction(l) ? textOf(l) : `${l.label}:`)).join('; ');
  }
  const EXIT = 'sub r15, 1; mov rcx, [r14+r15*8]; jmp rcx';

  it('nop: a copied label needs no instruction of its own', () => {
    expect(rule('nop', `add rax, 1; skip: nop; ${EXIT}`)).toBe(`add rax, 1; skip:; ${EXIT}`);
  });

  it('branch-over-jump: jne over; jmp T; over: is je T (the label stays)', () => {
    expect(rule('branch-over-jump', `jne skip; jmp T; skip:; add rax, 1; T:; ${EXIT}`)).toBe(`je T; skip:; add rax, 1; T:; ${EXIT}`);
    expect(rule('branch-over-jump', `jne other; jmp T; skip:; add rax, 1; other:; T:; ${EXIT}`)).toContain('jmp T');
  });

  it("test-before-pop: IF tests the top before the pop (rcx dead after)", () => {
    expect(rule('test-before-pop', `mov rcx, rax; pop rax; cmp rcx, 0; je T; add rax, 1; T:; ${EXIT}`)).toBe(`cmp rax, 0; pop rax; je T; add rax, 1; T:; ${EXIT}`);
    // rcx read at T: left alone
    expect(rule('test-before-pop', `mov rcx, rax; pop rax; cmp rcx, 0; je T; add rax, 1; T:; add rax, rcx; ${EXIT}`)).toContain('mov rcx, rax');
  });

  it('flag-branch: a comparison\'s flag made only for IF becomes the branch on the comparison', () => {
    expect(rule('flag-branch', `cmp rax, 2; mov rax, 0; mov rdx, -1; cmovl rax, rdx; cmp rax, 0; pop rax; je T; add rax, 1; T:; ${EXIT}`))
      .toBe(`cmp rax, 2; pop rax; jge T; add rax, 1; T:; ${EXIT}`);
    expect(rule('flag-branch', `cmp rax, 2; mov rax, 0; mov rdx, -1; cmovl rax, rdx; cmp rax, 0; pop rax; je T; add rax, rdx; T:; ${EXIT}`)).toContain('cmovl');
  });

  it('compare-through: mov rcx, A; cmp rcx, X compares A (rcx dead after)', () => {
    expect(rule('compare-through', `mov rcx, rax; cmp rcx, 2; jge T; T:; ${EXIT}`)).toBe(`cmp rax, 2; jge T; T:; ${EXIT}`);
    expect(rule('compare-through', `mov rcx, rax; cmp rcx, 2; jge T; add rax, rcx; T:; ${EXIT}`)).toContain('mov rcx, rax');
  });

  it('commute-constant: a number put under the top only to be added to it is the immediate operand', () => {
    expect(rule('commute-constant', `mov rcx, rax; mov rax, 8192; add rax, rcx; ${EXIT}`)).toBe(`add rax, 0x2000; ${EXIT}`);
    // (no 64-bit immediate form)
    expect(rule('commute-constant', `mov rcx, rax; mov rax, 0x100000000; add rax, rcx; ${EXIT}`)).toContain('mov rcx, rax');
  });

  it('load-op: a value loaded above the top only to be added to it is added from where it is', () => {
    expect(rule('load-op', `push rax; mov rax, [r14+r15*8-8]; pop rcx; add rax, rcx; ${EXIT}`)).toBe(`add rax, [r14+r15*8-8]; ${EXIT}`);
    // (the value is on the stack the push moved)
    expect(rule('load-op', `push rax; mov rax, [rsp+8]; pop rcx; add rax, rcx; ${EXIT}`)).toContain('push rax');
  });

  it('load-add-add: I 1+ + is two additions on the top', () => {
    expect(rule('load-add-add', `push rax; mov rax, [r14+r15*8-8]; add rax, 1; pop rcx; add rax, rcx; ${EXIT}`)).toBe(`add rax, [r14+r15*8-8]; add rax, 1; ${EXIT}`);
    expect(rule('load-add-add', `push rax; mov rax, [r14+r15*8-8]; add rax, 1; pop rcx; add rax, rcx; add rax, rcx; ${EXIT}`)).toContain('pop rcx');
  });

  it('push-constant: a number loaded only to be pushed is pushed as an immediate', () => {
    expect(rule('push-constant', `mov rax, 0; push rax; mov rax, [rsp+8]; ${EXIT}`)).toBe(`push 0; mov rax, [rsp+8]; ${EXIT}`);
    expect(rule('push-constant', `mov rax, 0; push rax; mov rax, [rax+8]; ${EXIT}`)).toContain('push rax');
  });

  it('fold: arithmetic on a number just loaded is the number, unless a branch reads the flags', () => {
    expect(rule('fold', `mov rax, 8190; add rax, 1; push rax; ${EXIT}`)).toBe(`mov rax, 0x1fff; push rax; ${EXIT}`);
    expect(rule('fold', `mov rax, -3; shl rax, 3; push rax; ${EXIT}`)).toBe(`mov rax, -24; push rax; ${EXIT}`);
    expect(rule('fold', `mov rax, 1; sub rax, 1; jne T; T:; ${EXIT}`)).toContain('sub rax, 1');
  });

  it('push-read-pop: push A; cmp A, X; pop A is the compare alone', () => {
    expect(rule('push-read-pop', `push rax; cmp rax, 2; pop rax; jge T; T:; ${EXIT}`)).toBe(`cmp rax, 2; jge T; T:; ${EXIT}`);
    expect(rule('push-read-pop', `push rax; cmp [rsp], 2; pop rax; jge T; T:; ${EXIT}`)).toContain('push rax');
  });
});
