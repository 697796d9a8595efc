/*
 * The system as the language reaches it, in both back ends: define, override, mark and forget
 * written as Bedrock source (Smalltalk mark: / forget: / marks), the Transcript, methods as
 * objects (Foo >> #bar), and see, which shows a method's source, threaded code and native
 * code with each inlined fragment marked by its origin.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import type { Backend } from '../../src/compiler/compiler.ts';

const BACKENDS: readonly Backend[] = ['native', 'threaded'];

function boot(backend: Backend): Bedrock {
  const b = bootSystem({ backend });
  if (typeof b === 'string') throw new Error(b);
  return b;
}

describe.each(BACKENDS)('mark and forget in the language (%s)', (backend) => {
  let b: Bedrock;
  beforeAll(() => { b = boot(backend); });

  it('an override shadows, and forget brings the old method back', () => {
    expect(b.run([
      'Object subclass: #Animal',
      "Animal speak -> ^'...'",
      'Smalltalk mark: #quiet',
      "Animal speak -> ^'woof'",
      'Animal new speak',
      'Smalltalk marks size',
      'Smalltalk marks at: 1',
      'Smalltalk forget: #quiet',
      'Animal new speak',
      'Smalltalk marks size',
    ].join('\n'))).toEqual(['Animal', 'Animal>>speak', 'Smalltalk', 'Animal>>speak', "'woof'", '1', "'quiet'", 'Smalltalk', "'...'", '0']);
  });

  it('classes and globals made since a mark are gone after forget; older ones stay', () => {
    expect(b.run([
      'Smalltalk mark: #before',
      'Object subclass: #Zebra',
      'Zebra stripes -> ^42',
      'Counter := 7',
      'Zebra new stripes + Counter',
      'Smalltalk forget: #before',
      'Zebra',
      'Counter',
      'Animal new speak',
    ].join('\n'))).toEqual([
      'Smalltalk', 'Zebra', 'Zebra>>stripes', '7', '49', 'Smalltalk',
      expect.stringMatching(/Zebra is not defined/), expect.stringMatching(/Counter is not defined/), "'...'",
    ]);
  });

  it('marks nest: forgetting an outer mark removes the inner ones too', () => {
    expect(b.run([
      'Smalltalk mark: #outer',
      'Integer double -> ^self * 2',
      'Smalltalk mark: #inner',
      'Integer double -> ^self * 3',
      '5 double',
      'Smalltalk forget: #inner',
      '5 double',
      'Smalltalk mark: #inner',
      '(Smalltalk marks at: 1) , (Smalltalk marks at: 2)',
      'Smalltalk forget: #outer',
      'Smalltalk marks size',
      '5 double',
    ].join('\n'))).toEqual([
      'Smalltalk', 'Integer>>double', 'Smalltalk', 'Integer>>double', '15', 'Smalltalk', '10', 'Smalltalk',
      "'innerouter'", 'Smalltalk', '0', '5 does not understand #double',
    ]);
  });

  it('forgetting a mark that does not exist is a clear error and changes nothing', () => {
    expect(b.run("Smalltalk forget: #nowhere\nSmalltalk mark: ''\nAnimal new speak")).toEqual([
      "there is no mark named 'nowhere' (there are no marks)", 'a mark needs a name (a String or a Symbol)', "'...'",
    ]);
  });
});

describe.each(BACKENDS)('the Transcript and methods as objects (%s)', (backend) => {
  let b: Bedrock;
  beforeAll(() => { b = boot(backend); });

  it('Transcript output comes with the outcome of the item that wrote it', () => {
    const [o, p] = b.evaluate("Transcript show: 'fib 10 = '; print: 55; cr\n3 + 4");
    expect(o.output).toBe('fib 10 = 55\n');
    expect(p.output).toBeUndefined();
    expect(p.text).toBe('7');
  });

  it('inspect prints the object as GNU Smalltalk does: its class, its variables by name, a collection\'s contents', () => {
    b.run("Object subclass: #Wallet instanceVariableNames: 'coins owner'\nWallet fill -> coins := 150");
    const out = (source: string): string | undefined => b.evaluate(source).map((o) => o.output ?? '').join('');
    expect(out('Wallet new fill inspect')).toBe('An instance of Wallet\n  coins: 150\n  owner: nil\n');
    expect(out('#(1 $a) inspect')).toBe('An instance of Array\n  contents: [\n    [1]: 1\n    [2]: $a\n  ]\n');
    expect(out('(3/4) inspect')).toBe('An instance of Fraction\n  numerator: 3\n  denominator: 4\n');
    expect(out('(Set with: 5) inspect')).toMatch(/^An instance of Set\n  tally: 1\n(.*\n)*  contents: \[\n    5\n  \]\n$/);
    expect(b.run('| p | p := 3@4. p inspect == p')).toEqual(['true']);
  });

  it('Foo >> #bar is the method, printed as Foo>>bar; a KeyNotFound when Foo does not define it', () => {
    expect(b.run('Object subclass: #Shape\nShape area -> ^0\nShape >> #area\n(Shape >> #area) selector\n(Shape >> #area) methodClass\nShape >> #perimeter\nShape see: #perimeter'))
      .toEqual(['Shape', 'Shape>>area', 'Shape>>area', '#area', 'Shape', 'KeyNotFound: key #perimeter not found: Shape does not define it', 'Error: Shape does not define #perimeter']);
  });
});

describe.each(BACKENDS)('see (%s)', (backend) => {
  let b: Bedrock;
  beforeAll(() => { b = boot(backend); });

  it('shows the source, the threaded pairs and the native code of a method', () => {
    b.run('Object subclass: #Greeter\nGreeter greet: n -> ^n max: 1');
    const [text] = b.run('Greeter see: #greet:');
    expect(text).toMatch(new RegExp(`^Greeter>>greet: +\\(a send; runs ${backend} code\\)`));
    expect(text).toContain('source:\n  Greeter greet: n -> ^n max: 1');
    expect(text).toMatch(/threaded code \(\d+ pairs\):\n +0: /);
    expect(text).toMatch(/send1: #max:/);
    expect(text).toMatch(/native code \(\d+ bytes\):\n  0000: push rbp +; prologue/);
    expect(text).toMatch(/ret\s*$/);
  });

  it('marks each inlined primitive fragment by its origin (the seed cascade)', () => {
    b.run('Object subclass: #Poker\nPoker poke -> Memory at: 16rCAFEBABE; put: 16rDEADBEEF; put: 16rFEEDFACE');
    const [text] = b.run('Poker see: #poke');
    const native = text.slice(text.indexOf('native code'));
    expect(native).toMatch(/mov rdi, 0xcafebabe +; Memory>>at:/);
    expect(native).toMatch(/mov \[rdi\*8\], rax +; Memory>>put:/);
    // the optimizer removed the dead load: no instruction reads [rdi*8] into rax
    expect(native).not.toMatch(/mov rax, \[rdi\*8\]/);
  });

  it('shows an assembly method as its machine code', () => {
    const [text] = b.run('SmallInteger see: #quo:');
    expect(text).toMatch(/^SmallInteger>>quo: +\(a primitive taking its arguments in registers; runs native code\)/);
    expect(text).toMatch(/idiv rsi/);
    expect(text).not.toContain('threaded code');
  });
});

describe.each(BACKENDS)('the class names a user reaches for first are free (%s)', (backend) => {
  let b: Bedrock;
  beforeAll(() => { b = boot(backend); });

  it('Object subclass: #Stack, the tutorials\' first class, defines it (the machine\'s stacks are MachineStack)', () => {
    expect(b.run([
      "Object subclass: #Stack instanceVariableNames: 'items'",
      'Stack >> push: x [ items isNil ifTrue: [items := OrderedCollection new]. items addLast: x ]',
      'Stack >> pop [ ^items removeLast ]',
      '(Stack new push: 3; push: 4; yourself) pop',
      'MachineStack name',
    ].join('\n'))).toEqual(['Stack', 'Stack>>push:', 'Stack>>pop', '4', '#MachineStack']);
  });

  it('no well-known class has a name a user is likely to give their own (the kernel\'s cannot change shape)', () => {
    // Memory, CPU and ALU are the seed's own objects; the rest are Smalltalk's (or only the kernel's, with names no tutorial uses).
    for (const name of ['Queue', 'Node', 'Counter', 'Account', 'Animal', 'Shape', 'Person', 'Point3D', 'Matrix']) {
      expect(b.run(`Object subclass: #${name} instanceVariableNames: 'a b'`)).toEqual([name]);
    }
  });
});
