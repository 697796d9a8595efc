/*
 * Whole files in GNU Smalltalk's form and the chunk format (filein.ts): which form a file is
 * in, chunks and their '!!', methodsFor: sections, statements ended by '.', top-level
 * temporaries, and errors that name the file, the line and the column as the file has them.
 */
import { describe, expect, it } from 'vitest';
import { formatSyntaxError, type DoIt, type Item, type MethodDefinition } from '../../src/lang/ast.ts';
import { fileFormat, parseMethodText, readSourceFile } from '../../src/lang/filein.ts';
import { parse } from '../../src/lang/parser.ts';
import { showItem } from './show.ts';

function read(text: string, name = 'x.st'): readonly Item[] {
  const r = readSourceFile(text, name);
  if (r.error) throw new Error(formatSyntaxError(r.error));
  return r.items;
}

const shown = (text: string, name?: string): string[] => read(text, name).map(showItem);

const CHUNKS = [
  '"Exported from Pharo"',
  'Object subclass: #Animal',
  "\tinstanceVariableNames: 'name'",
  "\tclassVariableNames: ''",
  "\tpackage: 'Zoo'!",
  "Animal comment: 'It''s an animal!!'!",
  '',
  "!Animal methodsFor: 'accessing'!",
  'name',
  '\t^name!',
  'name: aName',
  '\tname := aName! !',
  '',
  "!Animal class methodsFor: 'instance creation' stamp: 'ab 1/2/2020 10:00'!",
  'named: aName',
  '\t"Make one!!"',
  '\t^self new name: aName; yourself! !',
  '',
  "Transcript showCr: (Animal named: 'Rex') name!",
].join('\n');

describe('which form a file is in', () => {
  it('by its name, then by what it holds', () => {
    expect(fileFormat('3 + 4', 'a.st')).toBe('smalltalk');
    expect(fileFormat('3 + 4', 'a.bedrock')).toBe('bedrock');
    expect(fileFormat('3 + 4', 'a.txt')).toBe('bedrock');
    expect(fileFormat(CHUNKS, 'a.txt')).toBe('smalltalk');
    expect(fileFormat('Object subclass: Foo [ bar [ ^1 ] ]', 'a')).toBe('smalltalk');
    expect(fileFormat('Object subclass: Foo [ bar [ ^1 ] ]\nFoo baz -> 2', 'a')).toBe('bedrock');
    expect(fileFormat("'Hi!' displayNl", 'a')).toBe('bedrock');
  });
});

describe('the chunk format', () => {
  it('statements, methodsFor: sections on both sides, and a doubled ! inside a chunk', () => {
    expect(shown(CHUNKS)).toEqual([
      "(Object subclass: #Animal instanceVariableNames: 'name' classVariableNames: '' package: 'Zoo')",
      "(Animal comment: 'It''s an animal!')",
      "Animal>>name() <category: 'accessing'> ^name",
      "Animal>>name:(aName) <category: 'accessing'> (name := aName)",
      "Animal class>>named:(aName) <category: 'instance creation'> ^((self new); name: aName; yourself)",
      "(Transcript showCr: ((Animal named: 'Rex') name))",
    ]);
  });

  it("a method from a chunk reads back from its source, which is in GNU Smalltalk's form, its methodsFor: category a pragma", () => {
    const m = read(CHUNKS).find((i) => i.kind === 'method' && i.classSide) as MethodDefinition;
    expect(m.source).toBe('Animal class >> named: aName [ <category: \'instance creation\'>\n\t"Make one!"\n\t^self new name: aName; yourself\n]');
    const again = parse(m.source);
    expect(again.ok && again.items.map(showItem)).toEqual([showItem(m)]);
  });

  it('the comment of commentStamp:prior: and a chunk of statements with temporaries', () => {
    expect(shown("!Foo commentStamp: 'x' prior: 0!\nA foo, it's said!\n| a b |\na := 3. b := a + 1.\nb printNl!")).toEqual([
      "(Foo comment: 'A foo, it''s said')", '(a := nil)', '(b := nil)', '(a := 3)', '(b := (a + 1))', '(b printNl)',
    ]);
  });

  it('errors name the file, line and column as written (a !! counts as two characters); the next chunk is read', () => {
    const r = readSourceFile("Transcript show: 'a!!b'. 3 +!\n4 printNl!", 'f.st');
    expect(r.items).toHaveLength(2);
    expect(r.error).toBeUndefined();
    expect(r.skipped?.map((s) => s.before)).toEqual([1]);
    expect(formatSyntaxError(r.skipped![0].error).split('\n')).toEqual([
      "f.st:1:29: expected an argument after '+'",
      "  Transcript show: 'a!!b'. 3 +!",
      '                              ^',
    ]);
    const m = readSourceFile("!Foo methodsFor: 'x'!\nbar\n\t^'!!' , ]! !", 'g.st');
    expect(formatSyntaxError(m.skipped![0].error).split('\n')[0]).toBe("g.st:3:10: expected an argument after ',', found ']'");
    const s = readSourceFile("Transcript show: 'a!b'!\n3 printNl!", 'h.st');
    expect(s.items).toHaveLength(1);
    expect(formatSyntaxError(s.skipped![0].error).split('\n')[0]).toBe("h.st:1:18: this string runs past the '!' that ends the chunk (write a '!' inside a chunk as '!!')");
  });
});

describe("GNU Smalltalk's form", () => {
  it("statements end with '.', not with lines; bracket constructs need no '.'", () => {
    const text = "Object subclass: Foo [\n  bar [ ^1 ]\n]\nTranscript\nshowCr: 'a';\nshowCr: 'b'.\nEval [ 3 ]\nFoo new bar printNl";
    expect(shown(text)).toEqual([
      'Object subclass: Foo [ Foo>>bar() ^1 ]', "(Transcript; showCr: 'a'; showCr: 'b')", '3', '(((Foo new) bar) printNl)',
    ]);
    // A statement whose lines are not indented is journalled as Eval [ ].
    const cascade = read(text)[1] as DoIt;
    expect(cascade.replay).toBe("Eval [\nTranscript\nshowCr: 'a';\nshowCr: 'b'\n]");
    expect(parse(cascade.replay!).ok).toBe(true);
  });

  it("a '!' in a string is a '!' when the file has no chunks", () => {
    expect(shown("Object subclass: Greeter [ greet [ ^'Hi!' ] ]\n'Wow!' displayNl.")).toEqual([
      "Object subclass: Greeter [ Greeter>>greet() ^'Hi!' ]", "('Wow!' displayNl)",
    ]);
  });

  it("a missing '.' between statements is an error at the second", () => {
    expect(formatSyntaxError(readSourceFile('3 printNl\n4 printNl', 'a.st').error!).split('\n')[0]).toBe("a.st:2:1: expected '.' (or a chunk's '!') after the statement, found '4'");
  });
});

describe('compile: takes a method as the chunk format writes it', () => {
  it('a pattern and a body, or the syntax error', () => {
    const m = parseMethodText('double: x\n\t^x * 2', 'Foo', false) as MethodDefinition;
    expect(showItem(m)).toBe('Foo>>double:(x) ^(x * 2)');
    const e = parseMethodText('double: \n\t^x * 2', 'Foo', false);
    expect('message' in e && e.message).toBe("expected a parameter name after 'double:', found '^'");
  });
});
