/*
 * A child process for the crash-safety tests (crash.test.ts), which kill it with SIGKILL:
 *
 *   child.ts save-kill IMAGE POINT   open IMAGE, make some changes (acknowledged: journaled
 *                                    and flushed), then save and SIGKILL itself at POINT of
 *                                    the save (save.ts SavePoint)
 *   child.ts ack-loop IMAGE          open IMAGE, then evaluate definitions one after another
 *                                    forever, printing "ack N" after each is acknowledged
 *                                    (the parent kills it at a moment of its choosing)
 */
import { writeSync } from 'node:fs';
import { Session } from '../../src/session/session.ts';
import type { SavePoint } from '../../image/save.ts';

const [mode, path, point] = process.argv.slice(2);

function die(message: string): never {
  writeSync(2, `${message}\n`);
  process.exit(3);
}

function check(s: Session, source: string): void {
  const bad = s.evaluate(source).find((o) => o.kind === 'error');
  if (bad) die(`${source}: ${bad.text}`);
}

if (mode === 'save-kill') {
  const s = Session.open(path, {
    saveHook: (p: SavePoint) => { if (p === point) process.kill(process.pid, 'SIGKILL'); },
  });
  if (!(s instanceof Session)) die(s.message);
  check(s, "Object subclass: #Thing\nThing answer -> ^'yes'\nAnswer := 42");
  if (s.mark('saved') !== null) die('mark failed');
  writeSync(1, 'acknowledged\n');
  const r = s.save();
  die(`the save ran to its end without being killed at ${point}: ${JSON.stringify(r)}`);
} else if (mode === 'ack-loop') {
  const s = Session.open(path);
  if (!(s instanceof Session)) die(s.message);
  check(s, 'Object subclass: #Counter');
  writeSync(1, 'ready\n');
  for (let i = 1; ; i++) {
    check(s, `Counter class n${i} -> ^${i}\nV${i} := ${i} * 2`);
    writeSync(1, `ack ${i}\n`);
  }
} else {
  die(`unknown mode ${mode}`);
}
