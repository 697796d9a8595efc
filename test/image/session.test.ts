/*
 * The Session: a new image made from genesis, definitions journaled and saved, the image
 * opened again in a fresh session with everything as it was, and `Image save` from the
 * language.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyHeap } from '../../kernel/memory/verify.ts';
import { Session } from '../../image/session.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-session-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(path: string): Session {
  const s = Session.open(path);
  if (!(s instanceof Session)) throw new Error(s.message);
  return s;
}

const texts = (s: Session, source: string): string[] => s.evaluate(source).map((o) => o.text);

describe('Session', () => {
  it('makes an image from genesis, journals changes and resumes them after a save', () => {
    const path = join(dir, 'first.image');
    const s = open(path);
    expect(s.notes.join('\n')).toMatch(/made a new image/);
    expect(s.unsavedChanges()).toBe(0);
    expect(texts(s, "Object subclass: #Pt instanceVariableNames: 'x'\nPt x -> ^x\nPt x: a -> x := a\nP := Pt new x: 42; yourself\nP x")).toEqual(['Pt', 'Pt>>x', 'Pt>>x:', 'a Pt', '42']);
    expect(s.unsavedChanges()).toBe(5);
    expect(readFileSync(`${path}.changes`, 'utf8').split('\n').filter(Boolean)).toHaveLength(6);
    expect(s.save()).toEqual({ ok: true });
    expect(s.unsavedChanges()).toBe(0);
    s.close();

    const t = open(path);
    expect(t.pendingJournal()).toEqual([]);
    expect(verifyHeap(t.bedrock.kernel.heap)).toEqual([]);
    expect(texts(t, 'P x\nP class\n3 + 4')).toEqual(['42', 'Pt', '7']);
    t.close();
  });

  it('saves from the language when the evaluation ends', () => {
    const path = join(dir, 'lang.image');
    const s = open(path);
    expect(texts(s, 'Q := 99\nImage save')).toEqual(['99', 'Image']);
    expect(s.unsavedChanges()).toBe(0);
    expect(texts(s, "Image saveAs: 'other.image'")).toEqual(['Image']);
    expect(s.path).toBe(join(dir, 'other.image'));
    s.close();
    for (const p of [path, join(dir, 'other.image')]) {
      const t = open(p);
      expect(texts(t, 'Q')).toEqual(['99']);
      t.close();
    }
  });
});
