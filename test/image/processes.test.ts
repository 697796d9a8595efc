/*
 * Processes across a save (issue 14 item 5): a process waiting when the image is saved is in
 * the image, on its own stack, with the frames, blocks and contexts of the methods it was
 * running; opened again (and after a full collection), it goes on where it waited. The
 * evaluation that saved is over, so its own process is not resumed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyHeap } from '../../kernel/memory/verify.ts';
import { Session } from '../../src/session/session.ts';
import { systemImagePath } from '../support/system.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(path: string): Session {
  const s = Session.open(path, { template: systemImagePath('native') });
  if (!(s instanceof Session)) throw new Error(s.message);
  return s;
}

const texts = (s: Session, source: string): string[] => s.evaluate(source).map((o) => o.text);

describe('processes in an image', () => {
  it('a process waiting at the save goes on after the image is opened again', () => {
    const path = join(dir, 'waiting.image');
    const s = open(path);
    expect(texts(s, [
      'S := Semaphore new',
      'R := OrderedCollection new',
      'Object subclass: #Deep',
      'Deep down: n -> n = 0 ifTrue: [S wait. ^0]. ^1 + (self down: n - 1)',
      // One process waits inside a do: loop (a block whose home is a frame on its stack), one
      // 300 frames deep in a recursion.
      '[#(1 2 3) do: [:i | S wait. R add: i]] fork',
      '[R add: (Deep new down: 300)] fork',
      'S size',
    ].join('\n'))).toEqual(['a Semaphore (0 signals, 0 waiting)', 'an OrderedCollection()', 'Deep', 'Deep>>down:', 'a Process (waiting)', 'a Process (waiting)', '2']);
    expect(s.save()).toEqual({ ok: true });
    s.close();

    const t = open(path);
    expect(verifyHeap(t.bedrock.kernel.heap)).toEqual([]);
    t.bedrock.kernel.heap.collect('major');
    expect(verifyHeap(t.bedrock.kernel.heap)).toEqual([]);
    // (What a signal wakes runs when the statement has answered.)
    expect(texts(t, 'S size\nS signal. R asArray\nR asArray\nS signal. nil\nR asArray\nS signal; signal. nil\nR asArray\nS size')).toEqual([
      '2', '#()', '#(1)', 'nil', '#(1 300)', 'nil', '#(1 300 2 3)', '0',
    ]);
    // Saved again with nothing waiting, and opened: as it was.
    expect(t.save()).toEqual({ ok: true });
    t.close();
    const u = open(path);
    expect(texts(u, 'R asArray\n[R add: 4] fork. R size\nR asArray')).toEqual(['#(1 300 2 3)', '4', '#(1 300 2 3 4)']);
    u.close();
  });
});
