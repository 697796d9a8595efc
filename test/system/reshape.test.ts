/*
 * Class redefinition reshapes in place (kernel/objects/reshape.ts), as in Pharo and GNU
 * Smalltalk, in both back ends: re-running a class definition with other instance variables
 * or another superclass changes the class itself; its methods and its subclasses' are
 * compiled again for the new layout; existing instances, its subclasses' included, are
 * migrated (values kept by name, new variables nil) and keep their identity; forget to a mark
 * made before the change brings back the old shape, methods and instances' layout; a
 * definition that cannot be applied changes nothing and says why. `Object subclass: #Foo`
 * alone keeps the instance variables Foo has, as GNU Smalltalk's does.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

const CLASSES = [
  "Object subclass: #Foo instanceVariableNames: 'a'",
  'Foo a -> ^a',
  'Foo a: x -> a := x',
  "Foo subclass: #Bar instanceVariableNames: 'c'",
  'Bar c -> ^c',
  'Bar c: x -> c := x',
  'Bar both -> ^a + c',
  'F := Foo new a: 1; yourself',
  'B := Bar new a: 10; c: 20; yourself',
  'Keep := Array with: F with: B',
].join('\n');

describe.each(['native', 'threaded'] as const)('class reshape, %s', (backend) => {
  let b: Bedrock;
  beforeEach(() => {
    const booted = bootSystem({ backend });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
    b.run(CLASSES);
  });
  const run = (source: string): string[] => b.run(source);
  const error = (source: string): string => {
    const [o] = b.evaluate(source);
    expect(o.kind, `${source}: ${o.text}`).toBe('error');
    return o.text;
  };

  it('new instance variables: the same class, its methods and its subclass\'s still right, the instances migrated by name', () => {
    expect(run("Object subclass: #Foo instanceVariableNames: 'z a b'\nFoo b -> ^b\nFoo == (Bar superclass)")).toEqual(['Foo', 'Foo>>b', 'true']);
    expect(run('F a\nF b\nB a\nB c\nB b\nB both\nFoo new a: 3; a')).toEqual(['1', 'nil', '10', '20', 'nil', '30', '3']);
    // The instances are the same objects: what held them holds them, changed.
    expect(run('(Keep at: 1) == F\n(Keep at: 2) == B\n(Keep at: 2) both\nF class == Foo')).toEqual(['true', 'true', '30', 'true']);
    expect(run('Foo instanceFixedSize\nBar instanceFixedSize')).toEqual(['3', '4']);
    // A method using the new variable, on an old instance.
    expect(run('Foo b: x -> b := x\nF b: 5. F b + F a')).toEqual(['Foo>>b:', '6']);
  });

  it('another superclass: the class moves in the hierarchy, its instances lose what it no longer inherits', () => {
    run("Object subclass: #Other instanceVariableNames: 'o'\nOther o -> ^o\nFoo subclass: #Baz instanceVariableNames: 'q'\nBaz q -> ^q\nBaz q: x -> q := x\nZ := Baz new a: 1; q: 2; yourself");
    expect(run("Other subclass: #Baz instanceVariableNames: 'q'\nBaz superclass\nZ q\nZ o\nZ class == Baz\n(Z respondsTo: #a)")).toEqual(['Baz', 'Other', '2', 'nil', 'true', 'false']);
  });

  it('forget to a mark made before brings back the old shape, methods and layout, for instances made since too', () => {
    run("Smalltalk mark: #before\nObject subclass: #Foo instanceVariableNames: 'a b'\nFoo b -> ^b\nFoo b: x -> b := x\nF b: 7\nKeep at: 1 put: (Foo new a: 8; b: 9; yourself)");
    expect(run('F b\nB both\nFoo instanceFixedSize')).toEqual(['7', '30', '2']);
    expect(run('Smalltalk forget: #before\nFoo instanceFixedSize\nBar instanceFixedSize\nF a\nB both\n(F respondsTo: #b)')).toEqual(['Smalltalk', '1', '2', '1', '30', 'false']);
    // The Foo in Keep was made with the new shape; it has the old one now (its a kept, its b gone).
    expect(run('(Keep at: 1) a\n(Keep at: 1) instVarAt: 1\n(Keep at: 1) respondsTo: #b')).toEqual(['8', '8', 'false']);
    expect(run('(Keep at: 2) == B')).toEqual(['true']);
  });

  it('a definition that cannot be applied changes nothing and says why', () => {
    expect(error("Object subclass: #Foo instanceVariableNames: 'z'")).toMatch(/^Foo cannot take that shape: Foo>>a:? does not compile: 'a' is not (defined|declared)/);
    expect(error("Bar subclass: #Foo instanceVariableNames: 'a'")).toMatch(/^Foo cannot be a subclass of its own subclass Bar/);
    expect(error("Object subclass: #Foo instanceVariableNames: 'a c'")).toMatch(/^instance variable 'c' would be in Bar twice/);
    expect(error("Object subclass: #Array instanceVariableNames: 'x'")).toMatch(/^Array is one of the kernel's own classes/);
    // Nothing changed.
    expect(run('Foo instanceFixedSize\nBar instanceFixedSize\nF a\nB both\n(Keep at: 1) == F\n#(1 2) size')).toEqual(['1', '2', '1', '30', 'true', '2']);
  });

  it('Object subclass: #Foo again keeps what Foo has, as GNU Smalltalk does; it may move Foo to another superclass', () => {
    expect(run('Object subclass: #Foo\nFoo instVarNames\nF a\nB both\nFoo superclass')).toEqual(['Foo', '#(#a)', '1', '30', 'Object']);
    run("Object subclass: #Base instanceVariableNames: 'base'");
    expect(run('Base subclass: #Foo\nFoo instVarNames\nF a\nB both\nFoo superclass\nF instVarAt: 2')).toEqual(['Foo', '#(#a)', '1', '30', 'Base', '1']);
    // A new class has none; a word class stays one.
    expect(run('Object subclass: #Fresh\nFresh instVarNames\nWordArray subclass: #Words\nWordArray subclass: #Words\n(Words new: 2) at: 1 put: 7; at: 1')).toEqual(['Fresh', '#()', 'Words', 'Words', '7']);
  });

  it('an indexable class keeps its indexed slots', () => {
    run("Object variableSubclass: #Row instanceVariableNames: 'label'\nRow label -> ^label\nRow label: x -> label := x\nR := (Row new: 3) label: #r; yourself\nR at: 2 put: 22");
    expect(run("Object variableSubclass: #Row instanceVariableNames: 'first label'\nR label\nR size\nR at: 2")).toEqual(['Row', '#r', '3', '22']);
  });
});
