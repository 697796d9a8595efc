/*
 * The Session: a new image made from genesis, definitions journaled and saved, the image
 * opened again in a fresh session with everything as it was, and `Image save` from the
 * language.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyHeap } from '../../kernel/memory/verify.ts';
import { imageInfo } from '../../image/info.ts';
import { Session } from '../../src/session/session.ts';

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

  it('makes a new image from a template, with a journal of its own', () => {
    const template = join(dir, 'first.image');
    const a = Session.open(join(dir, 'from-a.image'), { template });
    const b = Session.open(join(dir, 'from-b.image'), { template });
    if (!(a instanceof Session) || !(b instanceof Session)) throw new Error('a template did not open');
    expect(texts(a, 'P x')).toEqual(['42']);
    expect(a.header.journal.id).not.toBe(b.header.journal.id);
    expect(a.notes.join('\n')).toMatch(/made a new image/);
    a.close();
    b.close();
    const bad = Session.open(join(dir, 'from-c.image'), { template: join(dir, 'no-such.image') });
    expect(bad instanceof Session).toBe(false);
    expect((bad as { message: string }).message).toMatch(/the template .*no-such\.image: no such file/);
  });

  it('refuses a save-as to something that is not a name, and saves nothing', () => {
    const s = open(join(dir, 'refuse.image'));
    const out = s.evaluate('Image saveAs: 3');
    expect(out[0].kind).toBe('error');
    expect(out[0].text).toMatch(/Image saveAs: needs a String naming the file/);
    const failed = s.evaluate("Image saveAs: '/no/such/directory/x.image'");
    expect(failed.map((o) => o.kind)).toEqual(['value', 'error']);
    expect(failed[1].text).toMatch(/^Image save: cannot save \/no\/such\/directory\/x\.image: /);
    expect(s.path).toBe(join(dir, 'refuse.image'));
    s.close();
  });

  it('image info says what an image holds, or which check it fails', () => {
    const path = join(dir, 'first.image');
    const info = imageInfo(path);
    expect(info.ok).toBe(true);
    const text = info.lines.join('\n');
    expect(text).toMatch(/format {4}version 1, written by bedrock /);
    expect(text).toMatch(/objects {3}[\d,]+: \d+ behaviours/);
    expect(text).toMatch(/marks {5}none/);
    expect(text).toMatch(/journal {3}3 changes since this image was saved, from /); // the second session evaluated three
    expect(text).toMatch(/checks {4}all pass/);
    const bad = join(dir, 'bad.image');
    writeFileSync(bad, 'not an image');
    const r = imageInfo(bad);
    expect(r.ok).toBe(false);
    expect(r.lines.join('\n')).toMatch(/checks {4}FAILED: .*bad\.image: magic check failed/);
  });
  it('collects garbage before it saves: 200,000 arrays let go of are not written', () => {
    const path = join(dir, 'garbage.image');
    const s = open(path);
    texts(s, 'Keep := (1 to: 200000) collect: [:i | Array new: 3]');
    texts(s, 'Keep := nil');
    expect(s.save().ok).toBe(true);
    const small = readFileSync(path).length;
    s.close();
    expect(small).toBeLessThan(8_000_000); // the 200,000 arrays alone are about 10 MB of cells and tags
  });
});
