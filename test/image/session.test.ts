/*
 * The Session: a new image made from genesis, definitions journaled and saved, the image
 * opened again in a fresh session with everything as it was, and `Image save` from the
 * language.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyHeap } from '../../kernel/memory/verify.ts';
import { imageInfo } from '../../image/info.ts';
import { Session } from '../../src/session/session.ts';
import { systemImagePath } from '../support/system.ts';

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
    // `P x` changed nothing: journaled (for replay), but not an unsaved change.
    expect(s.unsavedChanges()).toBe(4);
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

  it('a statement that changed nothing is not an unsaved change; a definition, an assignment, a change to what a global holds is', () => {
    const path = join(dir, 'unchanged.image');
    const made = Session.open(path, { template: systemImagePath() });
    if (!(made instanceof Session)) throw new Error(made.message);
    const s = made;
    // [statement, its printString, does it count as a change]
    const table: [string, string, boolean][] = [
      ['3 + 4', '7', false],
      ["#(1 2 3) printString , 'x'", "'#(1 2 3)x'", false],
      ['(1 to: 50000) asOrderedCollection size', '50000', false], // garbage enough for a collection
      ['X := 3', '3', true],
      ['X + 1', '4', false],
      ['X := 3', '3', false], // the same value again: the image is as it was
      ['X := 4', '4', true],
      ['Smalltalk at: #Y put: 5', '5', true],
      ['Object subclass: #Q1', 'Q1', true],
      ['Q1 one -> ^1', 'Q1>>one', true],
      ['Q1 new one', '1', false],
      ["Q1 compile: 'two ^2'", '#two', true],
      ['L := OrderedCollection new', 'an OrderedCollection()', true],
      ['L add: 5', '5', true],
      ['L size', '1', false],
      ['L first printString', "'5'", false],
      ['(L at: 1) + 1', '6', false],
      ['A := Array new: 2', '#(nil nil)', true],
      ['A at: 1 put: 7', '7', true],
      ['A at: 1 put: 7', '7', false],
      ['Z := X * 2', '8', true],
    ];
    let counted = 0;
    for (const [source, text, change] of table) {
      const before = s.unsavedChanges();
      expect(texts(s, source), source).toEqual([text]);
      expect(s.unsavedChanges() - before, `${source} counts as ${change ? 'a change' : 'no change'}`).toBe(change ? 1 : 0);
      if (change) counted++;
    }
    s.close();
    // Reopened: the journal holds every statement, but only the changes are announced and
    // counted; replay runs them all.
    const t = open(path);
    expect(t.pendingJournal()).toHaveLength(table.length);
    expect(t.notes.join('\n')).toContain(`${counted} changes since the last save`);
    expect(t.recover().failures).toBeUndefined();
    expect(t.unsavedChanges()).toBe(counted);
    expect(texts(t, 'Z\nX\nY\nL size\n(A at: 1)\nQ1 new two')).toEqual(['8', '4', '5', '1', '7', '2']);
    t.close();
  });

  it('processes and actors: a statement that only used them is no change, before and after a save; one that leaves a process waiting is', () => {
    // The actors' workers are the build's (as test/system/actor-interrupt.test.ts has them).
    process.env.BEDROCK_ACTOR_WORKER = fileURLToPath(new URL('../../dist/actor-worker.cjs', import.meta.url));
    const path = join(dir, 'processes.image');
    const made = Session.open(path, { template: systemImagePath() });
    if (!(made instanceof Session)) throw new Error(made.message);
    const s = made;
    const table: [string, string, boolean][] = [
      ['Processor yield', 'a ProcessorScheduler', false],
      ['[3 + 4] fork. 5', '5', false],
      ['| s | s := Semaphore new. [s wait] fork. [s signal] fork. 6', '6', false],
      ['[3 + 4] spawn valueWithin: 60000', '7', false],
      ['S := Semaphore new', 'a Semaphore (0 signals, 0 waiting)', true],
      ['[S wait] fork. 1', '1', true], // a process waits on what a global holds
      ['Processor yield. 2', '2', false],
      ['S signal. 3', '3', true], // it ran and ended
      ['[(Delay forSeconds: 1000) wait] fork. 4', '4', true], // a process sleeps in the scheduler
      ['[[true] whileTrue: [Processor yield]] spawn terminate. 8', '8', false],
    ];
    const check = (rows: typeof table): void => {
      for (const [source, text, change] of rows) {
        const before = s.unsavedChanges();
        expect(texts(s, source), source).toEqual([text]);
        expect(s.unsavedChanges() - before, `${source} counts as ${change ? 'a change' : 'no change'}`).toBe(change ? 1 : 0);
      }
    };
    check(table);
    expect(s.unsavedChanges()).toBe(4);
    const saved = s.save();
    expect(saved.ok, JSON.stringify(saved)).toBe(true);
    expect(s.unsavedChanges()).toBe(0);
    check(table.filter(([, , change]) => !change));
    expect(s.unsavedChanges()).toBe(0);
    s.close();
    // Opened again: no changes since the save are announced.
    const t = open(path);
    expect(t.unsavedChanges()).toBe(0);
    expect(t.notes.join('\n')).not.toContain('since the last save');
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
    expect(text).toMatch(/format {4}version 2, written by bedrock /);
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
