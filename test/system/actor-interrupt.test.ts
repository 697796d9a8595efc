/*
 * Ctrl-C and actors (issue 14 item 3): an interrupt that stops an evaluation stops the actors
 * that evaluation started, and only those; the REPL is never held by an actor in an endless
 * loop. In process, as the REPL runs an entry: in slices, Ctrl-C raising the machine's
 * interrupt (Machine.requestInterrupt, as src/session/runner.ts does). The actors' workers are
 * the build's dist/actor-worker.cjs (BEDROCK_ACTOR_WORKER; from the sources each would first
 * compile them through tsx), so this file needs the build, as the command-line tests do.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../src/lang/parser.ts';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { boot } from './cases.ts';

let b: Bedrock;
beforeAll(() => {
  process.env.BEDROCK_ACTOR_WORKER = fileURLToPath(new URL('../../dist/actor-worker.cjs', import.meta.url));
  b = boot('native');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Ctrl-C and actors', () => {
  it('stops the actors the interrupted evaluation started, not those of earlier ones', async () => {
    expect(b.run('Earlier := [[true] whileTrue] spawn. Earlier isRunning')).toEqual(['true']);
    const item = parse('Mine := [[true] whileTrue] spawn. Other := [[true] whileTrue] spawn. Mine value').items[0];
    const e = b.startItem(item);
    // Run in slices until both actors are running (Mine value then waits for ever), then Ctrl-C.
    let interrupted = false;
    let outcome = null;
    const end = Date.now() + 120_000;
    while (outcome === null && Date.now() < end) {
      outcome = e.step(200_000);
      if (outcome !== null) break;
      // (Earlier, Mine and Other: counted by the host, with no evaluation beside this one.)
      if (!interrupted && b.actors.runningCount() === 3) {
        b.kernel.machine.requestInterrupt();
        interrupted = true;
      }
      await sleep(5);
    }
    expect(interrupted).toBe(true);
    expect(outcome?.kind).toBe('error');
    expect(outcome?.text).toMatch(/Interrupted/);
    Atomics.store(b.kernel.machine.interrupt, 0, 0);
    expect(b.run('{Mine isRunning. Other isRunning. Earlier isRunning}')).toEqual(['#(false false true)']);
    expect(b.run('Earlier terminate. Earlier isRunning')).toEqual(['false']);
  }, 180_000);
});
