/*
 * The body of an actor's worker thread (actor-service.ts starts it and keeps it in a pool).
 * The worker waits on its control port; for each StartActor it opens the spawner's snapshot
 * (image/snapshot.ts: copied out of a shared buffer the spawner filled), runs the block
 * ActorStart holds as a top-level evaluation of `Actor runStart` (compiled once by the
 * spawner, Bedrock.actorStarter, and found in the snapshot), posts the outcome to the
 * spawner on the actor's own port (the block's value as a graph, or the error's text and
 * backtrace), stops the actors that one spawned, and waits for the next.
 *
 * While it waits it keeps a memory ready for the next machine (Machine.preparedMemory): a new
 * one written through once, or the last machine's, cleared where its actor wrote beyond the
 * snapshot (image/snapshot-memory.ts releaseMemory), so that opening a snapshot copies
 * into memory the operating system has already given (a first write to a page is slow). It
 * says when that memory is ready (PoolWorkerData.state), so that a spawn is handed to a worker
 * that is not still clearing. It also keeps a copy of the fixed space of the base snapshot
 * its snapshots come with, and puts it back into that memory where the actor changed it
 * (image/snapshot-memory.ts restoreBase), so that the next snapshot of changes since the same
 * base copies only its own cells in.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { Machine } from '../../kernel/machine/machine.ts';
import { SERVICE } from '../../kernel/objects/layout.ts';
import { openSnapshot, snapshotMachineOptions, type Snapshot } from '../../image/snapshot.ts';
import { baseCopy, holdsBase, holdsMaps, openedShape, releaseMemory, restoreBase, reuseMemory, type BaseCopy, type OpenedShape, type Reusable } from '../../image/snapshot-memory.ts';
import { Actors, OUTBOX, READY, releaseHeld, stopAllActors, type PoolWorkerData, type StartActor, type ToSpawner } from './actor-service.ts';
import { Bedrock, type Outcome } from './bedrock.ts';
import { frameLine, gstName } from './stack-report.ts';
import { TAG_PTR } from '../../kernel/machine/cells.ts';
import { knownRecords, recordCount, rememberRecord } from '../../kernel/machine/wasm/tier.ts';

function post(start: StartActor, msg: ToSpawner): void {
  start.port.postMessage(msg);
  Atomics.add(start.counters, OUTBOX, 1);
  Atomics.notify(start.counters, OUTBOX);
}

const data = workerData as PoolWorkerData;
let memory: Reusable | null = data.geometry ? { memory: Machine.preparedMemory(snapshotMachineOptions(data.geometry)), residue: null } : null;
// Ready for an actor (the spawner prefers a worker that is: actor-service.ts takeIdle).
Atomics.store(data.state, READY, 1);

/** The frames that start an actor's block (Actor runStart), below the user's: left out of its backtrace. */
const STARTING = /^(BlockClosure>>(primValueWithArguments:count:|valueWithArguments:)|Actor class>>runStart|a DoIt)\b/;

/**
 * An actor's error backtrace as its spawner tells it (ActorError): the frames of the stack
 * report (with receivers and arguments, blocks included: "[] in a DoIt" is the block the actor
 * was spawned with, its DoIt named as in the spawner) or else the short backtrace, innermost
 * first, without the frames that started the block.
 */
function actorTrace(o: Outcome & { kind: 'error' }): string[] {
  const lines = o.frames && o.frames.length > 0
    ? o.frames.map((f) => `${gstName(f)}${frameLine(f).slice(f.name.length)}`)
    : [...(o.backtrace ?? [])];
  let end = lines.findIndex((l) => l.startsWith('Actor class>>runStart'));
  if (end < 0) return lines;
  while (end > 0 && STARTING.test(lines[end - 1])) end--;
  return lines.slice(0, end);
}

/** How an ActorError's report tells the frames of the actor it came from: "  in the actor, ...", "  in the actor's actor, ...". */
const ACTOR_FRAME = /^ {2}in (the actor(?:'s actor)*), /;

/**
 * The text and frames an actor's error goes back with. An ActorError that ended this actor
 * came from an actor it spawned: the spawner is told that actor's error (its text, not
 * "ActorError: ZeroDivide: ...", which would read "ActorError: ActorError: ..." there), and
 * that actor's frames, said to be one actor further ("in the actor's actor, ..."), before
 * this actor's own.
 */
function errorToSend(text: string, frames: readonly string[]): { text: string; backtrace: string[] } {
  const [first, ...more] = text.split('\n');
  if (!first.startsWith('ActorError: ')) return { text, backtrace: [...frames] };
  const inner = more.filter((l) => ACTOR_FRAME.test(l)).map((l) => l.replace(ACTOR_FRAME, "in $1's actor, "));
  const rest = more.filter((l) => !ACTOR_FRAME.test(l));
  return { text: [first.slice('ActorError: '.length), ...rest].join('\n'), backtrace: [...inner, ...frames] };
}

/** The symbols and the list of code objects of the last snapshot (a spawner sends them again only when they changed). */
let lastSymbols: Snapshot['symbols'] | null = null;
let lastCode: Snapshot['code'] | null = null;
/** This worker's copy of the fixed space of the base its last snapshot came with (restored into its memory after each actor). */
let kept: BaseCopy | null = null;

function run(start: StartActor): void {
  const sent = start.snapshot;
  if (sent.symbols) lastSymbols = sent.symbols;
  if (sent.code) lastCode = sent.code;
  const snapshot: Snapshot = { ...sent, symbols: sent.symbols ?? lastSymbols!, code: sent.code ?? lastCode! };
  // The spawner's translations (and those its other workers made): taken where the code is the same.
  for (const r of start.records) rememberRecord(r);
  const since = recordCount();
  let b: Bedrock;
  let shape: OpenedShape;
  let baseInPlace = false;
  try {
    baseInPlace = holdsBase(memory, snapshot);
    const mapsInPlace = holdsMaps(memory, snapshot);
    const kernel = openSnapshot(snapshot, memory ? { memory: reuseMemory(memory, snapshot), baseInPlace, mapsInPlace } : {});
    shape = openedShape(kernel);
    // (While the spawner's buffers are held: a new base is copied once.)
    kept = baseCopy(snapshot, kept);
    b = Bedrock.resume(kernel, { backend: start.backend });
  } catch (e) {
    post(start, { kind: 'error', text: `the actor's snapshot did not open: ${e instanceof Error ? e.message : String(e)}`, backtrace: [], output: '' });
    start.port.close();
    Atomics.store(data.state, READY, 1);
    return;
  } finally {
    // The shared buffers are the spawner's again.
    releaseHeld(start.held, 1);
    memory = null;
  }
  // The spawner's DoIts name the frames of the block the actor runs ("[] in a DoIt").
  for (const d of start.doIts) {
    b.kernel.heap.roots.add(BigInt(d), TAG_PTR);
    b.doIts.push(d);
  }
  if (start.idle) b.adoptIdle(start.idle);
  const actors = new Actors(b.kernel, b, { port: start.port, counters: start.counters });
  b.actors = actors;
  b.kernel.machine.services[SERVICE.ACTOR] = actors.service();
  // The spawner's compiled `Actor runStart` (no parse, no compile here), else the source.
  const o = start.starter ? b.runStarter(start.starter) : b.evaluate('Actor runStart')[0];
  // The translations this actor made go back with its outcome, for the spawner's next actors.
  const records = knownRecords(since);
  const told = { records, ...(snapshot.base && { baseInPlace }) };
  if (!o) {
    post(start, { kind: 'error', text: 'the actor did not start', backtrace: [], output: '', ...told });
  } else if (o.kind === 'error') {
    post(start, { kind: 'error', ...errorToSend(o.text, actorTrace(o)), output: o.output ?? '', ...told });
  } else if (actors.reply) {
    post(start, { kind: 'done', graph: actors.reply, output: o.output ?? '', ...told });
  } else {
    post(start, { kind: 'error', text: 'the actor ended without an answer', backtrace: [], output: o.output ?? '', ...told });
  }
  start.port.close();
  // The actors this one spawned end with it (no one is left to talk to them).
  stopAllActors();
  // Its machine's memory, cleared where it wrote, is the next one's.
  memory = restoreBase(releaseMemory(b.kernel, snapshot, shape), kept);
  Atomics.store(data.state, READY, 1);
}

(data.control as MessagePort).on('message', (start: StartActor) => run(start));
