/*
 * Existing Smalltalk code, loaded from files as GNU Smalltalk and Pharo write it: the programs
 * in test/filein/*.st (GNU Smalltalk's bracket syntax and the chunk format) print what their
 * .expected files say, in both back ends, and their errors name the file and line; `Foo
 * fileOut` writes the chunk format, which a fresh system reads back as the same class (whose
 * fileOut is then the same text); `Smalltalk fileIn:` reads a file from inside a running
 * evaluation and goes on after an error; `compile:` compiles a method from its text.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { readSourceFile } from '../../src/lang/filein.ts';
import { runSmalltalkFile } from '../../src/cli/session-commands.ts';
import { Workspace } from '../../src/session/workspace.ts';
import { BACKENDS, boot } from './cases.ts';

const DIR = new URL('../filein/', import.meta.url);
const PROGRAMS = readdirSync(DIR).filter((f) => f.endsWith('.st')).sort();
const work = mkdtempSync(join(tmpdir(), 'bedrock-filein-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * One system per back end, marked when booted: each test starts from the mark, and goes back
 * to it after (forget is whole-system, so the next test sees none of this one's classes).
 */
function fresh(backend: (typeof BACKENDS)[number]): () => Bedrock {
  let b: Bedrock;
  beforeAll(() => { b = boot(backend); b.kernel.mark('clean'); });
  afterEach(() => { expect(b.kernel.forget('clean')).toBe(null); b.kernel.mark('clean'); });
  return () => b;
}

function runFile(b: Bedrock, path: string, name: string): { out: string[]; err: string[]; ok: boolean } {
  const ws = new Workspace(b);
  const out: string[] = [];
  const err: string[] = [];
  const ok = runSmalltalkFile(ws, readSourceFile(readFileSync(path, 'utf8'), name), { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { out, err, ok };
}

describe.each(BACKENDS)('programs from files (%s)', (backend) => {
  const system = fresh(backend);
  for (const file of PROGRAMS) {
    it(`${file} prints what ${file.replace(/\.st$/, '.expected')} says`, () => {
      const expected = readFileSync(new URL(file.replace(/\.st$/, '.expected'), DIR), 'utf8').trimEnd().split('\n');
      const r = runFile(system(), new URL(file, DIR).pathname, file);
      expect(r.out).toEqual(expected);
      // Each program has one statement that fails on purpose: its error names the file and line.
      expect(r.err[0]).toMatch(new RegExp(`^${file.replace('.', '\\.')}:\\d+:1: `));
      expect(r.ok).toBe(false);
    });
  }
});

const CLASSES = `Object subclass: #Shape instanceVariableNames: 'name' classVariableNames: 'Made' package: 'Shapes'
Shape subclass: #Square instanceVariableNames: 'side' classVariableNames: '' package: 'Shapes'
Shape comment: 'Something with an area! (Really.)'
Shape class named: aString -> Made := (Made ifNil: [0]) + 1. ^self new setName: aString
Shape class made -> ^Made
Shape setName: aString -> name := aString
Shape name -> ^name
Shape area -> ^self subclassResponsibility
Shape describe ->
    "Name and area!"
    ^name, ' has area ', self area printString, '!'
Square side: aNumber -> side := aNumber
Square area -> ^side * side
Square + other -> ^self area + other area
Square answer -> mov rax, 42; ret
Square class unit -> ^(self named: 'unit') side: 1
Object subclass: Circle [
    | radius |
    Circle class >> radius: r [ ^self new setRadius: r ]
    setRadius: r [ radius := r ]
    area [ "roughly" ^radius * radius * 3 ]
]`;

describe.each(BACKENDS)('fileOut, fileIn and compile: (%s)', (backend) => {
  const system = fresh(backend);

  it('a round trip through a file gives the same class, whose fileOut is the same text', () => {
    const first = new Workspace(system());
    const defined = first.evaluate(CLASSES);
    expect(defined.filter((o) => o.kind === 'error').map((o) => o.text)).toEqual([]);
    const out = (name: string): string => join(work, `${backend}-${name}`);
    expect(first.evaluate(`Shape fileOut: '${out('Shape.st')}'. Square fileOut: '${out('Square.st')}'. Circle fileOut: '${out('Circle.st')}'`).map((o) => o.text)).toEqual([`'${out('Circle.st')}'`]);
    const shape = readFileSync(out('Shape.st'), 'utf8');
    expect(shape).toContain("Object subclass: #Shape\n\tinstanceVariableNames: 'name'\n\tclassVariableNames: 'Made'\n\tpoolDictionaries: ''\n\tcategory: 'Shapes'!\n");
    expect(shape).toContain("Shape comment: 'Something with an area!! (Really.)'!");
    expect(shape).toContain("!Shape methodsFor: 'as yet unclassified'!\n\nsetName: aString\n    name := aString!\n");
    expect(shape).toContain("describe\n    \"Name and area!!\"\n    ^name, ' has area ', self area printString, '!!'!\n");
    expect(shape).toContain("!Shape class methodsFor: 'as yet unclassified'!\n");
    expect(readFileSync(out('Square.st'), 'utf8')).toContain('answer\n    mov rax, 42; ret!\n');

    // A system without them (as booted), which reads them back.
    expect(system().kernel.forget('clean')).toBe(null);
    system().kernel.mark('clean');
    const second = new Workspace(system());
    expect(second.evaluate('Smalltalk includesKey: #Shape')[0].text).toBe('false');
    const read = second.evaluate(`Smalltalk fileIn: '${out('Shape.st')}'. Smalltalk fileIn: '${out('Square.st')}'. Smalltalk fileIn: '${out('Circle.st')}'`);
    expect(read.map((o) => o.kind)).toEqual(['value']);
    const check = `(Square named: 'sq') side: 3; describe
Square unit + ((Square named: 'b') side: 2)
Square new answer
Shape made
Shape comment
(Circle radius: 2) area
Shape new area`;
    const expected = ["'sq has area 9!'", '5', '42', '3', "'Something with an area! (Really.)'", '12', 'Error: a subclass of Shape should have implemented this message'];
    expect(second.evaluate(check).map((o) => o.text.split('\n')[0])).toEqual(expected);
    expect(second.evaluate(`Shape fileOut: '${out('Shape2.st')}'. Square fileOut: '${out('Square2.st')}'. Circle fileOut: '${out('Circle2.st')}'`)[0].kind).toBe('value');
    for (const c of ['Shape', 'Square', 'Circle']) expect(readFileSync(out(`${c}2.st`), 'utf8'), c).toBe(readFileSync(out(`${c}.st`), 'utf8'));
  });

  it('fileIn: reads a file from a running evaluation; an error is written with its place, and the file goes on', () => {
    const path = join(work, `${backend}-mixed.st`);
    writeFileSync(path, "Object subclass: Greeter [ greet [ ^'hi' ] ]\nTranscript showCr: Greeter new greet.\n1/0.\nTranscript showCr: 'still here'.\nGreeter >> broken [ ^ ]\nTranscript showCr: 'and here'.\n");
    const ws = new Workspace(system());
    const [o] = ws.evaluate(`Smalltalk fileIn: '${path}'`);
    expect(o.kind).toBe('value');
    expect(o.output!.split('\n')).toEqual([
      'hi', `${path}:3: ZeroDivide: division by zero`, 'still here',
      `${path}:5:23: expected an expression after '^', found ']'`, '  Greeter >> broken [ ^ ]', '                        ^', '',
    ]);
    expect(ws.evaluate("Smalltalk fileIn: 'no/such/file.st'")[0].text).toBe('Error: no/such/file.st: no such file');
  });

  it('a chunk that does not parse is reported with its place, and the chunks after it are read', () => {
    const path = join(work, `${backend}-broken.st`);
    writeFileSync(path, [
      "Object subclass: #Broken instanceVariableNames: '' classVariableNames: '' package: 'X'!",
      '', "!Broken methodsFor: 'a'!", 'bad', '    ^ 1 + + !', 'good', '    ^42! !', '',
      'Transcript showCr: Broken new good printString!', 'Transcript showCr: (3 + ) printString!', "Transcript showCr: 'after'!", '',
    ].join('\n'));
    const r = runFile(system(), path, 'broken.st');
    expect(r.out).toEqual(['42', 'after']);
    expect(r.err.filter((l) => /^broken\.st:/.test(l))).toEqual([
      "broken.st:5:11: expected an argument after '+', found '+'", "broken.st:10:25: expected an argument after '+', found ')'",
    ]);
    expect(r.ok).toBe(false);
  });

  it('a file shows no statement values, and does not print them (a printOn: that writes runs only when asked), as gst', () => {
    const path = join(work, `${backend}-quiet.st`);
    writeFileSync(path, [
      "Object subclass: #Noisy instanceVariableNames: '' classVariableNames: '' package: 'X'!",
      "!Noisy methodsFor: 'printing'!", 'printOn: aStream', "    Transcript showCr: 'printed'. aStream nextPutAll: 'a Noisy'! !", '',
      'Noisy new!', 'Transcript showCr: Noisy new printString!', '3 + 4!', '',
    ].join('\n'));
    const b = system();
    const r = runFile(b, path, 'quiet.st');
    expect(r.out).toEqual(['printed', 'a Noisy']);
    expect(r.ok).toBe(true);
    // The REPL and piped mode still print values.
    expect(b.printValues).toBe(true);
    expect(new Workspace(b).evaluate('Noisy new').map((o) => [o.text, o.output])).toEqual([['a Noisy', 'printed\n']]);
  });

  it('compile: defines a method from its text, and says what is wrong with a bad one', () => {
    const ws = new Workspace(system());
    expect(ws.evaluate("Object subclass: #Calc\nCalc compile: 'double: x\n\t^x * 2'\nCalc new double: 21\nCalc class compile: 'zero ^0' classified: 'x'\nCalc zero\nCalc compile: 'oops ^ + 1'")
      .map((o) => o.text.split('\n')[0])).toEqual(['Calc', '#double:', '42', '#zero', '0', "Error: line 1, column 8: expected an expression after '^', found '+'"]);
  });
});
