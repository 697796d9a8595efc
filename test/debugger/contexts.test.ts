/*
 * Frames as objects (issue 16, item 1), on both back ends: thisContext answers the running
 * frame (sender, method, receiver, arguments and temporaries by name, where in its source it
 * is, printed as Pharo prints a context), read from the machine stack whichever back end made
 * the code; a context whose frame has returned says so instead of reading what is there now;
 * an error nothing handles reports each frame of the user's code with its receiver and the
 * values of its arguments and temporaries. Reading frames changes nothing the program sees.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/compiler/compiler.ts';
import { outcomeLines, plain } from '../../src/session/report.ts';
import { Bedrock, type Outcome } from '../../src/system/bedrock.ts';

const BACKENDS: readonly Backend[] = ['native', 'threaded'];

function one(b: Bedrock, source: string): Outcome {
  const out = b.evaluate(source);
  expect(out, source).toHaveLength(1);
  return out[0];
}

const value = (b: Bedrock, source: string): string => {
  const o = one(b, source);
  expect(o.kind, `${source}: ${o.text}`).toBe('value');
  return o.text;
};

const DEFINITIONS = `Object subclass: #Dbg instanceVariableNames: 'v'
Dbg v: x -> v := x
Dbg printOn: aStream -> aStream nextPutAll: 'Dbg('; print: v; nextPutAll: ')'
Dbg a: x -> | t | t := x * 2. ^self b: t + 1
Dbg b: y -> | u w | u := y. w := u / 0. ^w
Dbg f: n -> | q | q := n + 1. ^{thisContext printString. thisContext sender printString. thisContext receiver printString. thisContext tempNames. thisContext tempNamed: #q. thisContext tempNamed: 'n'. thisContext arguments. thisContext currentSource. thisContext sender currentSource. thisContext selector. thisContext method printString}
Dbg g: n -> ^[:z | {thisContext printString. thisContext tempNames. thisContext isBlockContext. thisContext home printString. thisContext arguments}] value: n
Dbg kept -> ^thisContext
Dbg depth -> | c n | c := thisContext. n := 0. [c notNil] whileTrue: [n := n + 1. c := c sender]. ^n
Dbg viaDepth -> ^self depth
Dbg sum: n -> | s | s := 0. 1 to: n do: [:i | s := s + i. thisContext tempNames size]. ^s
Dbg countdown: n -> n = 0 ifTrue: [^nil frobnicate]. ^self countdown: n - 1
Dbg captured: n -> | k | k := n. ^[k := k + 1. thisContext sender tempNamed: #k] value`;

describe.each(BACKENDS)('contexts, %s back end', (backend) => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = Bedrock.boot({ backend });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
    for (const o of b.evaluate(DEFINITIONS)) expect(o.kind, o.text).not.toBe('error');
  });

  it('thisContext answers the running frame: name, sender, receiver, temporaries by name, position', () => {
    expect(value(b, '(Dbg new v: 1) f: 4')).toBe(
      "#('Dbg>>f:' 'a DoIt' 'Dbg(1)' #(#n #q) 5 4 #(4) 'thisContext currentSource' '(Dbg new v: 1) f: 4' #f: 'Dbg>>f:')");
    expect(value(b, 'thisContext class')).toBe('MethodContext');
  });

  it('a block\'s context is a block context whose home is its method', () => {
    expect(value(b, 'Dbg new g: 7')).toBe("#('[] in Dbg>>g:' #(#z) true 'Dbg>>g:' #(7))");
  });

  it('the sender chain ends at the DoIt (nil above it), and counts the frames', () => {
    expect(value(b, 'Dbg new depth')).toBe('2');
    expect(value(b, 'Dbg new viaDepth')).toBe('3');
  });

  it('variables of an inlined block are temporaries of the method; a captured one is read from its context', () => {
    expect(value(b, 'Dbg new sum: 4')).toBe('10');
    expect(value(b, 'Dbg new captured: 41')).toBe('42');
  });

  it('a context whose method returned is dead: reads are errors, the system goes on', () => {
    expect(value(b, 'Dbg new kept isDead')).toBe('true');
    expect(value(b, 'Dbg new kept printString')).toBe("'a dead MethodContext'");
    const e = one(b, 'Dbg new kept receiver');
    expect(e.kind).toBe('error');
    expect(e.text).toContain('the frame has returned');
    expect(value(b, '3 + 4')).toBe('7');
  });

  it('thisContext cannot be assigned', () => {
    const e = one(b, 'Object zork -> thisContext := 3');
    expect(e.kind).toBe('error');
    expect(e.text).toContain("cannot assign to 'thisContext'");
  });

  it('an unhandled error reports each frame with its receiver and values', () => {
    const o = one(b, '(Dbg new v: 2) a: 5');
    expect(o.kind).toBe('error');
    if (o.kind !== 'error') return;
    expect(o.frames?.map((f) => f.name)).toEqual(['Integer>>/', 'Dbg>>b:', 'Dbg>>a:', 'a DoIt']);
    const bFrame = o.frames![1];
    expect(bFrame.receiver).toBe('Dbg(2)');
    expect(bFrame.variables.map((v) => `${v.name}=${v.text}`)).toEqual(['y=11', 'u=11', 'w=nil']);
    expect(bFrame.source && bFrame.source.text.slice(bFrame.source.start, bFrame.source.end)).toBe('u / 0');
    const text = plain(outcomeLines(o));
    expect(text).toContain('  in Dbg>>b: (Dbg(2)) y=11 u=11 w=nil');
    expect(text).toContain('  in Dbg>>a: (Dbg(2)) x=5 t=10');
    expect(value(b, '3 + 4')).toBe('7');
  });

  it('an inherited method\'s frame is named as GNU Smalltalk names it, Sub(Base)>>selector', () => {
    expect(one(b, "Dbg subclass: #Dbg2 instanceVariableNames: ''").kind).toBe('value');
    const o = one(b, '(Dbg2 new v: 3) a: 5');
    const text = plain(outcomeLines(o));
    expect(text).toContain('  in Dbg2(Dbg)>>b: (Dbg(3)) y=11 u=11 w=nil\n  in Dbg2(Dbg)>>a: (Dbg(3)) x=5 t=10\n  in a DoIt');
    // The frames keep the defining class's name (the debugger's list shows the receiver beside it).
    expect(o.kind === 'error' && o.frames?.[1].name).toBe('Dbg>>b:');
  });

  it('a recursion folds in the backtrace and shows the innermost frame\'s values', () => {
    const o = one(b, 'Dbg new countdown: 3');
    expect(plain(outcomeLines(o))).toContain('  in Dbg>>countdown: (×4) (Dbg(nil)) n=0');
  });

  it('with no one to debug it, an evaluation stopped for a debugger ends with its error', () => {
    b.pauseOnError = true;
    try {
      const o = one(b, '(Dbg new v: 2) a: 5');
      expect(o.kind === 'error' && o.text).toBe('ZeroDivide: division by zero');
      expect(value(b, '[(Dbg new v: 2) a: 5] on: ZeroDivide do: [:e | e return: 7]')).toBe('7');
      expect(one(b, 'Dbg new halt').text).toBe('Halt');
    } finally {
      b.pauseOnError = false;
    }
  });

  it('a machine fault reports the frame it happened in', () => {
    expect(one(b, 'Dbg poke: a -> | here | here := a + 1. ^Memory at: 16rFFFFFFFFF').kind).toBe('defined');
    const o = one(b, 'Dbg new poke: 41');
    expect(o.kind).toBe('error');
    if (o.kind !== 'error') return;
    expect(o.frames?.[0]?.name).toBe('Dbg>>poke:');
    expect(o.frames?.[0]?.variables.map((v) => `${v.name}=${v.text}`)).toEqual(['a=41', 'here=42']);
  });
});
