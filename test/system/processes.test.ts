/*
 * Processes inside one actor (issue 14 item 4; bootstrap/system/process.bedrock), in both back
 * ends: they interleave at yield and wait in the order Pharo and GNU Smalltalk give (a forked
 * process runs when the active one yields or waits, first come first served within a priority,
 * a more urgent one at once); a Semaphore wakes its waiters in order; Delays wake in the order
 * of their times; a SharedQueue hands items over in order; critical: excludes; terminate and
 * suspend take a process out; errors inside a process end only that process; waiting with
 * nothing else to run is a deadlock error, and the system goes on. Each process runs on its own
 * machine stack: a deep recursion in one leaves the others' frames as they were.
 */
import { describe } from 'vitest';
import { describeCases, type Case } from './cases.ts';

const CASES: readonly Case[] = [
  ['fork: the new process runs when the active one yields',
    '| r | r := OrderedCollection new. [r add: 1] fork. r add: 2. Processor yield. r add: 3. r asArray',
    ['#(2 1 3)']],
  ['what a statement left ready runs when it has answered, before the next statement',
    'Log := OrderedCollection new. [Log add: #forked] fork. Log add: #main. Log size\nLog asArray',
    ['1', '#(#main #forked)']],
  ['producer and consumer with a Semaphore interleave as in Pharo',
    'R := OrderedCollection new. S := Semaphore new. [R add: #c1. S wait. R add: #c2. S wait. R add: #c3] fork. [R add: #p1. S signal. R add: #p2. S signal. R add: #p3] fork. Processor yield. R asArray\nR asArray',
    ['#(#c1 #p1 #p2 #p3)', '#(#c1 #p1 #p2 #p3 #c2 #c3)']],
  ['a signal before the wait is counted',
    '| s | s := Semaphore new. s signal; signal. s wait. s wait. s signals',
    ['0']],
  ['waiters wake first come, first served',
    '| r s | r := OrderedCollection new. s := Semaphore new. #(1 2 3) do: [:i | [s wait. r add: i] fork]. Processor yield. s signal; signal; signal. Processor yield. r asArray',
    ['#(1 2 3)']],
  ['yield takes turns round the processes of one priority',
    '| r | r := OrderedCollection new. #(#a #b) do: [:n | [1 to: 3 do: [:i | r add: n -> i. Processor yield]] fork]. Processor yield. Processor yield. Processor yield. Processor yield. r asArray',
    ['an Array(#a->1 #b->1 #a->2 #b->2 #a->3 #b->3)']],
  ['a more urgent process runs at once; a less urgent one when the active one waits',
    '| r | r := OrderedCollection new. [r add: #low] forkAt: Processor userBackgroundPriority. [r add: #high] forkAt: Processor userInterruptPriority. r add: #main. r asArray',
    ['#(#high #main)']],
  ['a SharedQueue hands items over in order, its reader waiting while it is empty',
    '| r q | r := OrderedCollection new. q := SharedQueue new. [5 timesRepeat: [r add: q next]] fork. #(1 4 9 16 25) do: [:x | q nextPut: x]. Processor yield. r asArray',
    ['#(1 4 9 16 25)']],
  ['critical: lets one process in at a time',
    '| m r | r := OrderedCollection new. m := Semaphore forMutualExclusion. #(1 2 3) do: [:i | [m critical: [r add: i. Processor yield. r add: i negated]] fork]. 6 timesRepeat: [Processor yield]. r asArray',
    ['#(1 -1 2 -2 3 -3)']],
  ['terminate takes a process out for good',
    '| r p | r := OrderedCollection new. p := [r add: 1. Processor yield. r add: 2] fork. Processor yield. p terminate. Processor yield. {r asArray. p isTerminated}',
    ['#(#(1) true)']],
  // GNU Smalltalk 3.2.5 (gst) prints the same orders for the first four, as OrderedCollections; in
  // the fifth it lets the terminated process run on to #never first, where Pharo does not.
  ['terminate runs the pending ensure: blocks of a waiting process, innermost first',
    '| r s p | r := OrderedCollection new. s := Semaphore new. p := [[[r add: #waiting. s wait. r add: #never] ensure: [r add: #inner]] ensure: [r add: #outer]] fork. Processor yield. r add: #terminating. p terminate. r add: #after. {r asArray. p isTerminated}',
    ['#(#(#waiting #terminating #inner #outer #after) true)']],
  ['terminate runs a pending ifCurtailed: block',
    '| r s p | r := OrderedCollection new. s := Semaphore new. p := [[r add: #a. s wait] ifCurtailed: [r add: #curtailed]] fork. Processor yield. p terminate. r asArray',
    ['#(#a #curtailed)']],
  ['a block that ended normally is not run again; nor is ifCurtailed:',
    '| r p q | r := OrderedCollection new. p := [[r add: #a. Processor yield. r add: #b] ensure: [r add: #done]] fork. q := [[r add: #c. Processor yield. r add: #d] ifCurtailed: [r add: #curtailed]] fork. 4 timesRepeat: [Processor yield]. p terminate. q terminate. r asArray',
    ['#(#a #c #b #done #d)']],
  ['a process that terminates itself runs its ensure: blocks',
    '| r | r := OrderedCollection new. [[r add: #self. Processor activeProcess terminate. r add: #never] ensure: [r add: #ensured]] fork. Processor yield. r asArray',
    ['#(#self #ensured)']],
  ['a ready process terminated runs its ensure: blocks; a Semaphore held with critical: is signalled',
    '| r m p | r := OrderedCollection new. m := Semaphore forMutualExclusion. p := [m critical: [r add: #in. Processor yield. r add: #never]] fork. Processor yield. p terminate. {r asArray. m signals}',
    ['#(#(#in) 1)']],
  ['suspend and resume',
    '| r p | r := OrderedCollection new. p := [r add: 1. Processor yield. r add: 2] fork. Processor yield. p suspend. Processor yield. r add: #between. p resume. Processor yield. r asArray',
    ['#(1 #between 2)']],
  ['newProcess makes a suspended process; resume schedules it',
    '| r p | r := OrderedCollection new. p := [r add: #ran] newProcess. Processor yield. r add: #before. p resume. Processor yield. r asArray',
    ['#(#before #ran)']],
  ['activeProcess is the process running',
    '| p inner | p := [inner := Processor activeProcess] fork. Processor yield. {inner == p. Processor activeProcess == p. Processor activeProcess priority}',
    ['#(true false 40)']],
  ['an error inside a process ends it and is reported; the main process goes on',
    '[1/0] fork. Processor yield. 3',
    ['3']],
  ['a wait nothing can end is a deadlock error, and the system goes on',
    'Semaphore new wait\n3 + 4',
    ['Error: deadlock: every process is waiting, and no Delay is pending', '7']],
  ['each process has its own stack: a deep recursion in one leaves the other as it was',
    'Object subclass: #Deep\nDeep down: n -> n = 0 ifTrue: [Processor yield. ^0]. ^1 + (self down: n - 1)\n| r | r := OrderedCollection new. [r add: (Deep new down: 20000)] fork. [r add: (Deep new down: 3)] fork. Processor yield. Processor yield. Processor yield. r asArray',
    ['Deep', 'Deep>>down:', '#(20000 3)']],
  ['many processes', '| n | n := 0. (1 to: 200) do: [:i | [n := n + i] fork]. Processor yield. n', ['20100']],
];

describeCases('processes', CASES);

describe('Delays', () => {
  describeCases('Delays wake in the order of their times', [
    ['Delays wake in order of their times, whatever the order they began in',
      '| r go | r := OrderedCollection new. go := Semaphore new. #(600 200 400) do: [:ms | [go wait. (Delay forMilliseconds: ms) wait. r add: ms] fork]. Processor yield. go signal; signal; signal. (Delay forMilliseconds: 900) wait. r asArray',
      ['#(200 400 600)']],
    ['a Delay waits at least its time', '| t | t := Time millisecondClock. (Delay forMilliseconds: 50) wait. Time millisecondClock - t >= 50', ['true']],
    ['forSeconds:', '| t | t := Time millisecondClock. (Delay forSeconds: 0) wait. (Delay forMilliseconds: 1) duration', ['1']],
  ]);
});
