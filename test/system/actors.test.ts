/*
 * Actors (issue 14 items 1-3; bootstrap/system/actor.bedrock, src/system/actor-service.ts):
 * a block runs in a new actor on a worker thread, started from a snapshot of the spawning
 * image, and its value comes back; messages and arguments are copied into the other heap and
 * the sender's objects poisoned, so using them again is a Poisoned fault that names them;
 * nested, shared and cyclic graphs, large arrays and strings cross; code and the machine's
 * capabilities are refused; an actor's error comes back with its text; value can time out;
 * an actor in an endless loop is terminated.
 */
import { describeCases } from './cases.ts';

describeCases('actors', [
  ['spawn runs a block in an actor; value answers its value', '[3 + 4] spawn value', ['7']],
  ['spawnWith: gives the block its argument', '([:n | n * 2] spawnWith: 21) valueWithin: 60000Within: 60000', ['42']],
  ['the actor has the spawner\'s classes and methods',
    'Object subclass: #Doubler instanceVariableNames: \'k\'\nDoubler of: n -> ^n * 2\n[Doubler new of: 21] spawn valueWithin: 60000',
    ['Doubler', 'Doubler>>of:', '42']],
  ['send: puts a message in the mailbox; Actor receive takes it', '| a | a := [Actor receive , \' world\'] spawn. a send: \'hello\'. a valueWithin: 60000', ["'hello world'"]],
  ['a copy arrives equal, and the value comes back',
    '([:x | x] spawnWith: (Array with: 1 with: \'two\' with: #three with: $c with: 100 factorial with: Object)) valueWithin: 60000 = (Array with: 1 with: \'two\' with: #three with: $c with: 100 factorial with: Object)',
    ['true']],
  ['the sender\'s object is poisoned: using it again is a Poisoned fault naming it',
    '| s a | s := \'abc\' copy. a := [Actor receive size] spawn. a send: s. a valueWithin: 60000. s size',
    [/^Poisoned fault .*the object at 0x[0-9a-f]+ was sent to another actor \(it was 'abc', sent to actor \d+ \(send:\)\)$/]],
  ['numbers, symbols, nil, booleans and classes cross without poisoning',
    '| a | a := [{Actor receive. Actor receive. Actor receive. Actor receive}] spawn. a send: 42; send: #sym; send: nil; send: Object. {a valueWithin: 60000. #sym size}',
    ['#(#(42 #sym nil Object) 3)']],
  ['shared parts and cycles arrive as they were',
    '| c | c := Array new: 2. c at: 1 put: c. c at: 2 put: (Array with: 5). ([:x | {(x at: 1) == x. (x at: 2) first}] spawnWith: c) valueWithin: 60000Within: 60000',
    ['#(true 5)']],
  ['large arrays and strings cross', '({[:x | x size] spawnWith: (Array new: 100000 withAll: 7). [:x | x size] spawnWith: (String new: 50000 withAll: $z)} collect: [:a | a valueWithin: 60000])', ['#(100000 50000)']],
  ['code and capabilities are refused', '[:x | x] spawnWith: [3]\n[:x | x] spawnWith: Memory', ['a BlockClosure cannot be sent to an actor', 'Memory (a capability of the machine) cannot be sent to an actor']],
  ['an actor that ends with an error makes value signal it', '[1/0] spawn valueWithin: 60000\n[[nil foo] spawn valueWithin: 60000] on: ActorError do: [:e | e messageText]',
    ['ActorError: ZeroDivide: division by zero', "'nil does not understand #foo'"]],
  ['Actor reply: sends to the spawner, which receives', '| a | a := [Actor reply: 5. Actor reply: 6. 7] spawn. {a receive. a receive. a valueWithin: 60000}', ['#(5 6 7)']],
  ['isRunning', '| a | a := [3] spawn. a valueWithin: 60000. a isRunning', ['false']],
  ['valueWithin: times out; terminate stops an endless actor',
    '| a | a := [Actor reply: #started. [true] whileTrue] spawn. {a receive. [a valueWithin: 200] on: ActorTimeout do: [:e | #timedOut]. a terminate isRunning}',
    ['#(#started #timedOut false)']],
]);
