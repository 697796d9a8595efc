/*
 * GNU Smalltalk's bracket syntax as items of the language (brackets.ts): class definitions
 * and extensions with their variables, pragmas and methods, `Foo >> bar [ ]`, `Eval [ ]`, and
 * the errors they give; pragmas and #[ ] literals in method bodies.
 */
import { describe, expect, it } from 'vitest';
import { formatSyntaxError, type ClassDefinition, type Item, type MethodDefinition } from '../../src/lang/ast.ts';
import { parse } from '../../src/lang/parser.ts';
import { showItem } from './show.ts';

function items(source: string): readonly Item[] {
  const r = parse(source);
  if (!r.ok) throw new Error(formatSyntaxError(r.error));
  return r.items;
}

const shown = (source: string): string[] => items(source).map(showItem);

function error(source: string): string {
  const r = parse(source);
  expect(r.ok, source).toBe(false);
  return r.ok ? '' : formatSyntaxError(r.error).split('\n')[0];
}

describe('GNU Smalltalk bracket constructs', () => {
  it('a class with instance variables, a comment, a class variable and methods of every kind', () => {
    const source = [
      'Object subclass: Animal [',
      '    | name sound |',
      "    <comment: 'An animal'>",
      '    Count := 0.',
      '    Animal class >> named: aName [ ^self new setName: aName ]',
      '    setName: aName [ name := aName ]',
      "    speak [ <category: 'talking'> ^name, ' speaks' ]",
      '    + other [ ^name, other name ]',
      '    at: i put: v [ | t | t := v. ^t ]',
      ']',
    ].join('\n');
    expect(shown(source)).toEqual([
      "Object subclass: Animal [ |name sound|; <comment: 'An animal'>; Count := 0; " +
        'Animal class>>named:(aName) ^((self new) setName: aName); Animal>>setName:(aName) (name := aName); ' +
        "Animal>>speak() <category: 'talking'> ^(name , ' speaks'); Animal>>+(other) ^(name , (other name)); " +
        'Animal>>at:put:(i v) |t| (t := v). ^t ]',
    ]);
    const cls = items(source)[0] as ClassDefinition;
    // Each method's source is a whole definition that reads back as the method.
    expect(cls.methods.map((m) => m.source)).toEqual([
      'Animal class >> named: aName [ ^self new setName: aName ]',
      'Animal >> setName: aName [ name := aName ]',
      "Animal >> speak [ <category: 'talking'> ^name, ' speaks' ]",
      'Animal >> + other [ ^name, other name ]',
      'Animal >> at: i put: v [ | t | t := v. ^t ]',
    ]);
    for (const m of cls.methods) expect(shown(m.source)).toEqual([showItem(m)]);
  });

  it('a symbol may name the class; extend, class extend, Foo class [ ], Foo >> bar [ ] and Eval [ ]', () => {
    expect(shown('Object subclass: #Foo [ bar [ ^1 ] ]')).toEqual(['Object subclass: Foo [ Foo>>bar() ^1 ]']);
    expect(shown('Integer extend [ double [ ^self * 2 ] ]')).toEqual(['Integer extend [ Integer>>double() ^(self * 2) ]']);
    expect(shown('Integer class extend [ zero [ ^0 ] ]')).toEqual(['Integer class extend [ Integer class>>zero() ^0 ]']);
    expect(shown('Foo class [ | count | ]')).toEqual(['Foo class extend [ class |count| ]']);
    expect(shown('Object subclass: Foo [ Foo class [ | count | ] ]')).toEqual(['Object subclass: Foo [ class |count| ]']);
    // A method of another class inside a class's body, as GNU Smalltalk's own tests write it.
    expect(shown('True extend [ Object >> should: aBlock [ ^aBlock value ] assert [ ^1 ] Object class >> make [ ^self new ] ]'))
      .toEqual(['True extend [ Object>>should:(aBlock) ^(aBlock value); True>>assert() ^1; Object class>>make() ^(self new) ]']);
    expect(shown('Integer >> triple [ ^self * 3 ]\nInteger class >> one [ ^1 ]')).toEqual(['Integer>>triple() ^(self * 3)', 'Integer class>>one() ^1']);
    expect(shown('Eval [ | a | a := 3.\na printNl ]')).toEqual(['|a| (a := 3). (a printNl)']);
    expect((items('Integer class >> one [ ^1 ]')[0] as MethodDefinition).source).toBe('Integer class >> one [ ^1 ]');
  });

  it('a class body spans lines whatever their indentation (the bracket is open)', () => {
    expect(shown('Object subclass: Foo [\nbar [\n^1\n]\n]\n3 + 4')).toEqual(['Object subclass: Foo [ Foo>>bar() ^1 ]', '(3 + 4)']);
  });

  it('a method body in x86-64', () => {
    expect(shown('Foo >> answer [ mov rax, 42; ret ]')).toEqual(['Foo>>answer() asm{mov rax, 42; ret}']);
    expect(shown('Foo >> at: i [ mov rax, [rax+i*8-8]\n ret ]')).toEqual(['Foo>>at:(i) asm{mov rax, [rax+i*8-8]\n ret}']);
    // A statement that begins with a variable named like a mnemonic is not assembly.
    expect(shown('Foo >> bar [ test foo ]')).toEqual(['Foo>>bar() (test foo)']);
  });

  it('errors say what was expected, where', () => {
    expect(error('Object subclass: Foo [ bar ^1 ]')).toBe("line 1, column 28: expected '[' to begin the body of Foo>>bar, found '^'");
    expect(error('Object subclass: Foo [ bar [ ^1 ]')).toMatch(/^line 1, column 34: expected ']' to close the body of Foo started at line 1, column 22/);
    expect(error('Object subclass: Foo [ 3 ]')).toBe("line 1, column 24: expected a method, '| variables |', a pragma, a class variable (Name := value.) or ']' in the body of Foo, found '3'");
    expect(error('Eval [ 3 + ]')).toBe("line 1, column 12: expected an argument after '+', found ']'");
    expect(error('Foo >> bar [ ^1 ] 3')).toBe("line 1, column 19: expected the end of the item after the construct's closing ']', found '3'");
  });
});

describe('pragmas and byte arrays', () => {
  it('pragmas before and after the temporaries of a method', () => {
    expect(shown("Foo bar -> <primitive: 60> | t | <category: 'x'> ^t")).toEqual(["Foo>>bar() <primitive: 60> <category: 'x'> |t| ^t"]);
    expect(shown('Foo >> bar [ <primitive: VMpr_Object_basicAt> <unary> ^nil ]')).toEqual(['Foo>>bar() <primitive: #VMpr_Object_basicAt> <unary> ^nil']);
    expect(error('Foo >> bar [ <primitive: 60 ^1 ]')).toBe("line 1, column 29: expected '>' to close the pragma started at line 1, column 14, found '^'");
  });

  it('#[1 2 3] is a ByteArray literal, also inside literal arrays', () => {
    expect(shown('#[1 2 255]')).toEqual(['#[1 2 255]']);
    expect(shown('#(1 #[2 3] $a)')).toEqual(['#(1 #[2 3] $a)']);
    expect(error('#[1 256]')).toBe("line 1, column 5: expected a byte (an integer from 0 to 255) or ']' to close the byte array started at line 1, column 1, found '256'");
  });
});
