/*
 * How many statements of GNU Smalltalk's own regression tests (tests/*.st in its sources, with
 * the output gst -r gives in tests/*.ok) Bedrock answers as GNU Smalltalk does. Not a test of
 * the suite: a measure, run by hand:
 *
 *   npx tsx test/gst/compare.ts DIR [NAME ...] [--show]
 *
 * DIR holds NAME.st and NAME.ok (by default every .st there with an .ok). Each `Eval [ ... ]`
 * of a file is run on its own (so a statement Bedrock cannot read costs only itself), the text
 * between them (class definitions, chunks of methods) is filed in as Bedrock files in a .st
 * file; what an Eval prints (Transcript, printNl) and 'returned value is X' is compared with
 * the Eval's block of the .ok. A block where GNU Smalltalk reports an error matches when Bedrock
 * reports one too (their backtraces differ). --show prints every block that differs.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSourceFile } from '../../src/lang/filein.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { outputParts } from '../../src/session/report.ts';
import { bootSystem } from '../support/system.ts';
import { defineGlobal } from '../../kernel/objects/globals.ts';

interface Segment { readonly eval: boolean; readonly text: string }

/** The file cut into its Evals and the text between them (strings, comments, characters skipped). */
export function segments(text: string): Segment[] {
  const out: Segment[] = [];
  let i = 0, last = 0;
  const skip = (): boolean => {
    const c = text[i];
    if (c === "'") { i++; while (i < text.length) { if (text[i] === "'") { if (text[i + 1] === "'") { i += 2; continue; } break; } i++; } i++; return true; }
    if (c === '"') { i++; while (i < text.length && text[i] !== '"') i++; i++; return true; }
    if (c === '$') { i += 2; return true; }
    return false;
  };
  while (i < text.length) {
    if (skip()) continue;
    const m = /^Eval\s*\[/.exec(text.slice(i, i + 40));
    if (m && (i === 0 || !/[\w:]/.test(text[i - 1]))) {
      const start = i;
      i += m[0].length;
      let depth = 1;
      while (i < text.length && depth > 0) {
        if (skip()) continue;
        if (text[i] === '[') depth++;
        else if (text[i] === ']') depth--;
        i++;
      }
      if (start > last) out.push({ eval: false, text: text.slice(last, start) });
      out.push({ eval: true, text: text.slice(start, i) });
      last = i;
      continue;
    }
    i++;
  }
  if (last < text.length) out.push({ eval: false, text: text.slice(last) });
  return out;
}

/** The .ok's blocks, one an Eval: the lines after each 'Execution begins...'. */
export function okBlocks(ok: string): string[] {
  return ok.split(/^Execution begins\.\.\.\n/m).slice(1).map((b) => b.replace(/\n+$/, ''));
}

/** An error as gst -r reports it: a runtime error, or the compiler's (a parse error, an undefined variable). */
const isErrorBlock = (block: string): boolean =>
  /^\s*(Error|error:|Object: .* error:|.*doesNotUnderstand|.*:\d+: parse error|.*:\d+: undefined variable \S+ referenced)/m.test(block) && /returned value is nil$/.test(block);

/**
 * The value as gst -r shows it: literals (nil, booleans, integers, strings, symbols,
 * characters) by their printString, a Float by its digits, any other object as
 * 'Class new "<0>"' (or 'new: N' when indexable), which is what the .ok files hold. A Float
 * prints as GNU Smalltalk's printString does (NaN, Inf: gst -r writes them nan, inf).
 */
const GST_VALUE = "[:v | | literal | literal := v isNil or: [v == true or: [v == false]]. " +
  "literal := literal or: [v isInteger or: [v isSymbol or: [v isCharacter or: [v isFloat]]]]. " +
  "literal := literal or: [v class class == Metaclass or: [v class == Metaclass]]. " +
  "(v isString and: [v isSymbol not]) ifTrue: ['''', v, ''''] ifFalse: [literal ifTrue: [v isFloat ifTrue: [v gnuPrintString] ifFalse: [v printString]] ifFalse: [v class name, ' new \"<0>\"']]] value: GstRegressionValue";

/** Do the two returned-value lines say the same, as far as gst -r says anything? */
function sameValue(gst: string, bedrock: string): boolean {
  if (gst === bedrock) return true;
  // gst -r prints a Float's value in C: inf, -inf, nan (its printString says Inf, -Inf, NaN).
  if (/^-?inf$|^nan$/.test(gst)) return bedrock.toLowerCase() === gst;
  const object = /^(\w+) new(: \d+)? "<0>"$/.exec(gst);
  if (object) return bedrock === `${object[1]} new "<0>"`;
  // gst -r prints a Float it answers as C's %g does, to 6 digits, with its class's letter: 1.00000d+16.
  const g = Number(gst.replace(/^(-?\d+\.\d+)[deq]([+-]\d+)$/, '$1e$2')), b = Number(bedrock);
  return /^-?\d+\.\d+([deq][+-]?\d+)?$/.test(gst) && Number.isFinite(b) && Math.abs(g - b) <= 1e-5 * Math.abs(g);
}

function sameBlock(gst: string, bedrock: string): boolean {
  const g = gst.split('\n'), b = bedrock.split('\n');
  if (g.length !== b.length) return false;
  return g.every((line, i) => {
    if (line === b[i]) return true;
    const gv = /^returned value is (.*)$/.exec(line), bv = /^returned value is (.*)$/.exec(b[i]);
    return gv !== null && bv !== null && sameValue(gv[1], bv[1]);
  });
}

/** What Bedrock does with one Eval, in the .ok's form. */
function runEval(b: Bedrock, text: string, name: string): { block: string; error: boolean } {
  const read = readSourceFile(text, name, 'smalltalk');
  if (read.error || read.items.length === 0) return { block: `syntax error: ${read.error?.message ?? 'nothing read'}`, error: true };
  let block = '', error = false;
  for (const item of read.items) {
    const o = b.evaluateItem(item);
    const { before, after } = outputParts(o);
    block += before;
    if (o.kind === 'error') { error = true; block += `error: ${o.text}\n${after}`; }
    else if (o.kind === 'value') {
      defineGlobal(b.kernel, 'GstRegressionValue', o.value);
      block += `returned value is ${b.run(GST_VALUE).join('').replace(/^'(.*)'$/s, '$1').replace(/''/g, "'")}`;
    }
  }
  if (error) block += 'returned value is nil';
  return { block: block.replace(/\n+$/, ''), error };
}

function fileIn(b: Bedrock, text: string, name: string): string[] {
  const read = readSourceFile(text, name, 'smalltalk');
  const problems: string[] = [];
  for (const item of read.items) {
    const o = b.evaluateItem(item);
    if (o.kind === 'error') problems.push(o.text.split('\n')[0]);
  }
  if (read.error) problems.push(`syntax error: ${read.error.message}`);
  return problems;
}

function compareFile(dir: string, name: string, show: boolean): { matched: number; total: number; note: string } {
  const b = bootSystem();
  b.timeoutMs = 20_000;
  // gst -r is GNU Smalltalk's regression-testing mode, in which its global RegressionTesting is true.
  b.run('Smalltalk at: #RegressionTesting put: true');
  const text = readFileSync(join(dir, `${name}.st`), 'utf8');
  const blocks = okBlocks(readFileSync(join(dir, `${name}.ok`), 'utf8'));
  const segs = segments(text);
  const evals = segs.filter((s) => s.eval).length;
  let matched = 0, index = 0;
  const problems: string[] = [];
  for (const s of segs) {
    if (!s.eval) { problems.push(...fileIn(b, s.text, `${name}.st`)); continue; }
    const want = blocks[index++] ?? '';
    const got = runEval(b, s.text, `${name}.st`);
    const same = sameBlock(want, got.block) || (got.error && isErrorBlock(want));
    if (same) matched++;
    else if (show) console.log(`--- ${name}.st: ${s.text.replace(/\s+/g, ' ').slice(0, 160)}\n  gst:     ${want.replace(/\n/g, '\n           ')}\n  Bedrock: ${got.block.replace(/\n/g, '\n           ')}`);
  }
  if (show) for (const p of problems) console.log(`--- ${name}.st (between the Evals): ${p}`);
  const note = evals === blocks.length ? '' : ` (${evals} Evals, ${blocks.length} blocks in the .ok)`;
  return { matched, total: evals, note };
}

function main(): void {
  const args = process.argv.slice(2);
  const show = args.includes('--show');
  const [dir, ...names] = args.filter((a) => a !== '--show');
  if (!dir) { console.error('usage: npx tsx test/gst/compare.ts DIR [NAME ...] [--show]'); process.exit(2); }
  const all = names.length > 0 ? names : readdirSync(dir).filter((f) => f.endsWith('.st')).map((f) => f.slice(0, -3)).filter((n) => readdirSync(dir).includes(`${n}.ok`)).sort();
  let m = 0, t = 0;
  for (const name of all) {
    const r = compareFile(dir, name, show);
    m += r.matched; t += r.total;
    console.log(`${name}.st: ${r.matched} of ${r.total} statements as gst -r answers them${r.note}`);
  }
  console.log(`all: ${m} of ${t}`);
}

main();
