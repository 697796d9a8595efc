/*
 * Actors (issue 14 items 1-3; bootstrap/system/actor.bedrock, src/system/actor-service.ts), as
 * a user of the command line has them: one `bedrock run -` child (the built bundle, so each
 * actor's worker is dist/actor-worker.cjs) runs every case in order. A block runs in a new
 * actor on a worker thread, started from a snapshot of the spawning image, and its value comes
 * back; messages and arguments are copied into the other heap and the sender's objects
 * poisoned, so using them again is a Poisoned fault that names them; nested, shared and cyclic
 * graphs, large arrays and strings cross; code and the machine's capabilities are refused; an
 * actor's error comes back with its text; value can time out; an actor in an endless loop is
 * terminated; and the process ends at the end of its input although an actor still runs. A
 * save while an actor runs is refused (issue 14 item 5), and made once it has been terminated;
 * in the image opened again that Actor is ended.
 *
 * Values go to stdout and errors to stderr, so after each case the program prints a marker on
 * both ('== N' as a value, and an Error whose text is == N); each case's part of either stream
 * is what lies between its markers (an error's first line; the lines under it, indented, are
 * its backtrace).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/bedrock.js', import.meta.url));

type Expected = string | RegExp;
/** name, source, the values it prints, the first lines of the errors it reports. */
type ActorCase = readonly [name: string, source: string, out: readonly Expected[], err: readonly Expected[]];

const CASES: readonly ActorCase[] = [
  ['spawn runs a block in an actor; value answers its value', '[3 + 4] spawn value', ['7'], []],
  ['spawnWith: gives the block its argument', '([:n | n * 2] spawnWith: 21) valueWithin: 60000', ['42'], []],
  ['the actor has the spawner\'s classes and methods',
    'Object subclass: #Doubler instanceVariableNames: \'k\'\nDoubler of: n -> ^n * 2\n[Doubler new of: 21] spawn valueWithin: 60000',
    ['Doubler', 'Doubler>>of:', '42'], []],
  ['send: puts a message in the mailbox; Actor receive takes it',
    '| a | a := [Actor receive , \' world\'] spawn. a send: \'hello\'. a valueWithin: 60000', ["'hello world'"], []],
  ['a copy arrives equal, and the value comes back',
    '(([:x | x] spawnWith: (Array with: 1 with: \'two\' with: #three with: $c with: 100 factorial with: Object)) valueWithin: 60000) = (Array with: 1 with: \'two\' with: #three with: $c with: 100 factorial with: Object)',
    ['true'], []],
  ['Floats and Fractions cross by value', '([:x | x] spawnWith: {1.5. 1/3. 0.1 + 0.2}) valueWithin: 60000', ['an Array(1.5 (1/3) 0.30000000000000004)'], []],
  ['the sender\'s object is poisoned: using it again is a Poisoned fault naming it',
    '| s a | s := \'abc\' copy. a := [Actor receive size] spawn. a send: s. a valueWithin: 60000. s size', [],
    [/^Poisoned fault .*the object at 0x[0-9a-f]+ was sent to another actor \(it was 'abc', sent to actor \d+ \(send:\)\)$/]],
  ['a Poisoned fault is an exception a handler catches (PoisonedFault, an Error), its text naming the object',
    '| s a | s := \'abc\' copy. a := [Actor receive size] spawn. a send: s. a valueWithin: 60000. [s size] on: PoisonedFault do: [:e | e messageText]\n| s a | s := #(1 2) copy. a := [Actor receive size] spawn. a send: s. a valueWithin: 60000. [s first] on: Error do: [:e | e class name]',
    [/^'Poisoned fault .*the object at 0x[0-9a-f]+ was sent to another actor \(it was ''abc'', sent to actor \d+ \(send:\)\)'$/, '#PoisonedFault'], []],
  ['the argument of spawnWith:, and a part of it, are named when used again',
    '| s a | s := \'xyz\' copy. a := Array with: s. ([:x | x size] spawnWith: a) valueWithin: 60000. {[a size] on: PoisonedFault do: [:e | e messageText]. [s size] on: PoisonedFault do: [:e | e messageText]}',
    [/^#\('Poisoned fault .*\(it was an Array, sent to actor \d+ \(the arguments of spawnWith:\)\)' 'Poisoned fault .*\(it was ''xyz'', sent to actor \d+ \(the arguments of spawnWith:\)\)'\)$/], []],
  ['numbers, symbols, nil, booleans and classes cross without poisoning',
    '| a | a := [{Actor receive. Actor receive. Actor receive. Actor receive}] spawn. a send: 42; send: #sym; send: nil; send: Object. {a valueWithin: 60000. #sym size}',
    ['an Array(an Array(42 #sym nil Object) 3)'], []],
  ['shared parts and cycles arrive as they were',
    '| c | c := Array new: 2. c at: 1 put: c. c at: 2 put: (Array with: 5). ([:x | {(x at: 1) == x. (x at: 2) first}] spawnWith: c) valueWithin: 60000',
    ['#(true 5)'], []],
  ['large arrays and strings cross',
    '{[:x | x size] spawnWith: (Array new: 100000 withAll: 7). [:x | x size] spawnWith: (String new: 50000 withAll: $z)} collect: [:a | a valueWithin: 60000]',
    ['#(100000 50000)'], []],
  ['code, contexts, processes, actors and capabilities are refused',
    '[:x | x] spawnWith: [3]\n[:x | x] spawnWith: Memory\n[:x | x] spawnWith: thisContext\n[:x | x] spawnWith: Processor activeProcess\n[:x | x] spawnWith: [3] spawn\n[:x | x] spawnWith: Object >> #printString', [],
    ['a BlockClosure cannot be sent to an actor', 'Memory (a capability of the machine) cannot be sent to an actor', 'a MethodContext cannot be sent to an actor',
      'a Process cannot be sent to an actor', 'an Actor cannot be sent to an actor', 'a CompiledMethod cannot be sent to an actor']],
  ['an actor that ends with an error makes value signal it',
    '[1/0] spawn valueWithin: 60000\n[[nil foo] spawn valueWithin: 60000] on: ActorError do: [:e | e messageText]',
    ["'nil does not understand #foo'"], ['ActorError: ZeroDivide: division by zero']],
  ['the actor\'s error carries its backtrace: the user\'s frames, blocks included, innermost first, not the frames that started the block',
    '[[#(1 2) collect: [:x | x / 0]] spawn valueWithin: 60000] on: ActorError do: [:e | e actorBacktrace lines asArray]\n[[nil foo] spawn valueWithin: 60000] on: ActorError do: [:e | e actorBacktrace lines asArray]',
    ["#('SmallInteger(Integer)>>/ (1) aNumber=0' '[] in a DoIt x=1' 'Array(SequenceableCollection)>>collect: (#(1 2)) aBlock=a BlockClosure result=#(nil nil) i=1' '[] in a DoIt')",
      "#('[] in a DoIt')"], []],
  ['an error in an actor an actor spawned comes back once (not ActorError: ActorError: ...), each actor\'s frames told, the innermost actor\'s first',
    '[[[[1/0] spawn valueWithin: 60000] spawn valueWithin: 60000] spawn valueWithin: 60000] on: ActorError do: [:e | {e messageText. e actorBacktrace lines asArray}]\n[[1/0] spawn valueWithin: 60000] spawn valueWithin: 60000',
    [/^#\('ZeroDivide: division by zero' #\('in the actor''s actor''s actor, SmallInteger\(Integer\)>>\/ \(1\) aNumber=0' 'in the actor''s actor''s actor, \[\] in a DoIt' 'in the actor''s actor, Actor>>valueWithin: \(an Actor \(1, ended\)\) milliseconds=60000 [^']*(''[^']*)*' 'in the actor''s actor, \[\] in a DoIt' 'Actor>>valueWithin: \(an Actor \(1, ended\)\) milliseconds=60000 r=an Array deadline=\d+' '\[\] in a DoIt'\)\)$/],
    ['ActorError: ZeroDivide: division by zero']],
  ['processes an actor forks run before it ends (Processor runUntilIdle, the spawner\'s compiled one), their Transcript output coming back before its value',
    '([[Transcript showCr: \'forked in the actor\'] fork. 5] spawn) valueWithin: 60000\n| s | s := Semaphore new. ([[Transcript showCr: \'one\'. s signal] fork. [s wait. Transcript showCr: \'two\'] fork. 6] spawn) valueWithin: 60000',
    ['forked in the actor', '5', 'one', 'two', '6'], []],
  ['a definition made between spawns is seen by the next actors, on every worker of the pool (their code and symbols go again)',
    'Integer dbl -> ^self * 2\n(1 to: 4) collect: [:i | [i dbl] spawn valueWithin: 60000]\nInteger dbl -> ^self * 3\n(1 to: 4) collect: [:i | [i dbl] spawn valueWithin: 60000]\nInteger madeNow -> ^#symbolMadeNow\n(1 to: 4) collect: [:i | [i madeNow == (\'symbol\', \'MadeNow\') asSymbol] spawn valueWithin: 60000]',
    ['Integer>>dbl', '#(2 4 6 8)', 'Integer>>dbl', '#(3 6 9 12)', 'Integer>>madeNow', '#(true true true true)'], []],
  ['Actor reply: sends to the spawner, which receives',
    '| a | a := [Actor reply: 5. Actor reply: 6. 7] spawn. {a receive. a receive. a valueWithin: 60000}', ['#(5 6 7)'], []],
  ['isRunning', '| a | a := [3] spawn. a valueWithin: 60000. a isRunning', ['false'], []],
  ['valueWithin: times out; terminate stops an endless actor',
    '| a | a := [Actor reply: #started. [true] whileTrue] spawn. {a receive. [a valueWithin: 200] on: ActorTimeout do: [:e | #timedOut]. a terminate isRunning}',
    ['#(#started #timedOut false)'], []],
  ['a process of the spawner runs while value waits (so it can send what the actor waits for)',
    '| a log | log := OrderedCollection new. a := [Actor receive * 2] spawn. [log add: #forked. a send: 21] fork. {a valueWithin: 60000. log asArray}',
    ['#(42 #(#forked))'], []],
  ['many round trips: each message arrives once, in order',
    '| e got | e := [[true] whileTrue: [Actor reply: Actor receive]] spawn. got := (1 to: 300) collect: [:i | e send: i. e receive]. e terminate. got = (1 to: 300) asArray',
    ['true'], []],
  ['Actor receiveWithin: times out inside an actor',
    '([[Actor receiveWithin: 50] on: ActorTimeout do: [:e | e messageText]] spawn) valueWithin: 60000', ["'no message came within 50 ms'"], []],
  ['an actor still running at the end of the input does not keep the process alive',
    'Forever := [[true] whileTrue] spawn. Forever isRunning', ['true'], []],
];

const program = CASES.map(([, source], i) => `${source}\n'== ${i}'\nError signal: '== ${i}'\n`).join('');

/** bedrock ARGS with `input` on stdin, in `cwd`; it must end by itself (bounded). */
async function bedrock(args: string[], input: string, cwd?: string): Promise<{ out: string; err: string; status: number | null }> {
  const proc = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...(cwd && { cwd }) });
  let out = '', err = '';
  proc.stdout.on('data', (d) => { out += String(d); });
  proc.stderr.on('data', (d) => { err += String(d); });
  proc.stdin.end(input);
  const killer = setTimeout(() => proc.kill('SIGKILL'), 170_000);
  const status = await new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
  clearTimeout(killer);
  return { out, err, status };
}

let out = '', err = '', status: number | null = null;
beforeAll(async () => {
  // (An endless actor is left running at the end of the input.)
  ({ out, err, status } = await bedrock(['run', '-'], program));
}, 180_000);

const dir = mkdtempSync(join(tmpdir(), 'bedrock-actors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each case's lines of a stream: those before its marker, after the one before. */
function sections(text: string, marker: (i: number) => string): string[][] {
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith(' '));
  const parts: string[][] = [];
  let at = 0;
  for (let i = 0; i < CASES.length; i++) {
    const end = lines.indexOf(marker(i), at);
    parts.push(end < 0 ? ['(no marker: the run stopped before this case)'] : lines.slice(at, end));
    at = end < 0 ? lines.length : end + 1;
  }
  return parts;
}

describe('actors from the command line', () => {
  it('the run ends by itself, with the status of a run that reported errors', () => {
    expect(status, `stdout:\n${out}\nstderr:\n${err}`).toBe(1);
  });
  CASES.forEach(([name, source, wantOut, wantErr], i) => {
    it(name, () => {
      const gotOut = sections(out, (n) => `'== ${n}'`)[i];
      const gotErr = sections(err, (n) => `Error: == ${n}`)[i];
      const say = `${source}\n=> ${gotOut.join('\n=> ')}\n!! ${gotErr.join('\n!! ')}`;
      expect(gotOut.length, say).toBe(wantOut.length);
      expect(gotErr.length, say).toBe(wantErr.length);
      wantOut.forEach((w, j) => (typeof w === 'string' ? expect(gotOut[j], say).toBe(w) : expect(gotOut[j], say).toMatch(w)));
      wantErr.forEach((w, j) => (typeof w === 'string' ? expect(gotErr[j], say).toBe(w) : expect(gotErr[j], say).toMatch(w)));
    });
  });

  it('an actor\'s error nothing handles is reported with the actor\'s frames, innermost first, before the spawner\'s', () => {
    const at = err.indexOf('ActorError: ZeroDivide: division by zero\n');
    expect(at, err).toBeGreaterThanOrEqual(0);
    const lines = err.slice(at).split('\n');
    expect(lines.slice(1, 5), err).toEqual([
      '  [1/0] spawn valueWithin: 60000',
      '  ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~',
      '  in the actor, SmallInteger(Integer)>>/ (1) aNumber=0',
      '  in the actor, [] in a DoIt',
    ]);
    expect(lines[5], err).toMatch(/^  in Actor>>valueWithin: \(an Actor \(\d+, ended\)\) milliseconds=60000 /);
  });

  it('an error in an actor\'s actor, nothing handling it, is told with the frames of both, the innermost actor\'s first', () => {
    const at = err.indexOf('  [[1/0] spawn valueWithin: 60000] spawn valueWithin: 60000\n');
    expect(at, err).toBeGreaterThanOrEqual(0);
    const lines = err.slice(err.lastIndexOf('\n', at - 2) + 1).split('\n');
    expect(lines[0], err).toBe('ActorError: ZeroDivide: division by zero');
    expect(lines.slice(3, 6), err).toEqual([
      '  in the actor\'s actor, SmallInteger(Integer)>>/ (1) aNumber=0',
      '  in the actor\'s actor, [] in a DoIt',
      lines[5].startsWith('  in the actor, Actor>>valueWithin: (an Actor (1, ended)) milliseconds=60000 ') ? lines[5] : '  in the actor, Actor>>valueWithin: ...',
    ]);
    expect(lines[6], err).toBe('  in the actor, [] in a DoIt');
    expect(lines[7], err).toMatch(/^  in Actor>>valueWithin: \(an Actor \(\d+, ended\)\) milliseconds=60000 /);
  });

  it('a save while an actor runs is refused; once it is terminated the save is made', async () => {
    const r = await bedrock(['a.image'], "F := [[true] whileTrue] spawn\nImage save\nF terminate. Image save\nF isRunning\n", dir);
    expect(r.out, r.err).toBe('an Actor (1, running)\nImage\nImage\nfalse\n');
    expect(r.err).toMatch(/^Image save: cannot save while an actor is running: wait for it \(value\) or terminate it, then save$/m);
    expect(r.err.match(/cannot save/g)).toHaveLength(1);
    // Opened again, the Actor names a worker that is gone: it is ended.
    const again = await bedrock(['a.image'], 'F isRunning\n[F value] on: ActorError do: [:e | e messageText]\n', dir);
    expect(again.out, again.err).toBe("false\n'the actor ran in an earlier session (its worker is gone)'\n");
  }, 180_000);
});
