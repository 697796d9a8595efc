/*
 * The body of an actor's worker thread (actor-service.ts starts it): open the spawner's
 * snapshot (and delete its file), run the block ActorStart holds with its arguments as a
 * top-level evaluation of `Actor runStart`, and post the outcome to the spawner: the block's
 * value as a graph (REPLY), or the error's text and backtrace; then end.
 */
import { unlinkSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { openImage } from '../../image/open.ts';
import { SERVICE } from '../../kernel/objects/layout.ts';
import { Actors, OUTBOX, type ActorWorkerData, type ToSpawner } from './actor-service.ts';
import { Bedrock } from './bedrock.ts';

function post(data: ActorWorkerData, msg: ToSpawner): void {
  data.port.postMessage(msg);
  Atomics.add(data.counters, OUTBOX, 1);
  Atomics.notify(data.counters, OUTBOX);
}

function main(): void {
  const data = workerData as ActorWorkerData;
  const opened = openImage(data.image);
  try { unlinkSync(data.image); } catch { /* gone already */ }
  if (!opened.ok) {
    post(data, { kind: 'error', text: `the actor's image did not open: ${opened.message}`, backtrace: [], output: '' });
    return;
  }
  const b = Bedrock.resume(opened.kernel, { backend: data.backend });
  const actors = new Actors(b.kernel, b, { port: data.port, counters: data.counters });
  b.actors = actors;
  b.kernel.machine.services[SERVICE.ACTOR] = actors.service();
  const [o] = b.evaluate('Actor runStart');
  if (!o) {
    post(data, { kind: 'error', text: 'the actor did not start', backtrace: [], output: '' });
  } else if (o.kind === 'error') {
    post(data, { kind: 'error', text: o.text, backtrace: o.backtrace ?? [], output: o.output ?? '' });
  } else if (actors.reply) {
    post(data, { kind: 'done', graph: actors.reply, output: o.output ?? '' });
  } else {
    post(data, { kind: 'error', text: 'the actor ended without an answer', backtrace: [], output: o.output ?? '' });
  }
  data.port.close();
}

main();
