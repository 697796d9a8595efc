/*
 * The changes journal: entries after the image's position are listed on open and replayed in
 * order; replay stops at the first failing entry, says which, and sets it and the rest aside;
 * pending entries not recovered are set aside when something new is done; a torn last line
 * is ignored and cut off; a damaged middle line stops the reading and the file is kept aside;
 * a journal of another image is not replayed. Also journal.ts on its own.
 */
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal, scanJournal } from '../../image/journal.ts';
import { Session } from '../../src/session/session.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base = join(dir, 'base.image');

beforeAll(() => {
  const s = Session.open(base);
  if (!(s instanceof Session)) throw new Error(s.message);
  s.close();
});

function fresh(name: string): string {
  const path = join(dir, `${name}.image`);
  copyFileSync(base, path);
  return path;
}

function open(path: string): Session {
  const s = Session.open(path, { create: false });
  if (!(s instanceof Session)) throw new Error(`${s.check}: ${s.message}`);
  return s;
}

const texts = (s: Session, source: string): string[] => s.evaluate(source).map((o) => o.text);

describe('journal.ts', () => {
  it('appends entries with sequence numbers and times, and scans them back', () => {
    const path = join(dir, 'plain.changes');
    const j = new Journal(path, 'id-1', scanJournal(path), 0);
    expect(existsSync(path)).toBe(false); // nothing is written until a change is
    const a = j.append('define', 'Foo x -> ^1');
    j.append('doit', "X := 'two\nlines'");
    j.append('mark', 'm');
    j.sync();
    expect(a.seq).toBe(1);
    expect(a.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    const scan = scanJournal(path);
    expect(scan.id).toBe('id-1');
    expect(scan.entries.map((e) => [e.seq, e.kind, e.source])).toEqual([[1, 'define', 'Foo x -> ^1'], [2, 'doit', "X := 'two\nlines'"], [3, 'mark', 'm']]);
    // From a position: only what follows it.
    const pos = j.position;
    j.append('forget', 'm');
    j.close();
    expect(scanJournal(path, pos).entries.map((e) => e.seq)).toEqual([4]);
    expect(scanJournal(path, { seq: 2, offset: 0 }).entries.map((e) => e.seq)).toEqual([3, 4]);
    // A wrong offset is not trusted: the sequence numbers decide.
    expect(scanJournal(path, { seq: 2, offset: 7 }).entries.map((e) => e.seq)).toEqual([3, 4]);
  });

  it('a torn last line is ignored and cut off before the next append', () => {
    const path = join(dir, 'torn.changes');
    const j = new Journal(path, 'id-2', scanJournal(path), 0);
    j.append('doit', '1');
    j.close();
    appendFileSync(path, '{"seq":2,"time":"2025-01-01T00:00:00.000Z","kind":"doit","sou');
    const scan = scanJournal(path);
    expect(scan.torn).toBe(true);
    expect(scan.entries.map((e) => e.seq)).toEqual([1]);
    const k = new Journal(path, 'id-2', scan, 0);
    expect(k.append('doit', '3').seq).toBe(2);
    k.close();
    const again = scanJournal(path);
    expect(again.torn).toBe(false);
    expect(again.entries.map((e) => [e.seq, e.source])).toEqual([[1, '1'], [2, '3']]);
  });

  it('a damaged line stops the reading; the damaged file is kept aside', () => {
    const path = join(dir, 'damaged.changes');
    const j = new Journal(path, 'id-3', scanJournal(path), 0);
    j.append('doit', '1');
    j.append('doit', '2');
    j.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.splice(2, 0, 'garbage here');
    writeFileSync(path, lines.join('\n'));
    const scan = scanJournal(path);
    expect(scan.damage).toMatch(/line 3: not JSON/);
    expect(scan.entries.map((e) => e.source)).toEqual(['1']);
    const k = new Journal(path, 'id-3', scan, 0);
    k.append('doit', 'after');
    k.close();
    expect(readdirSync(dir).some((f) => f.startsWith('damaged.changes.damaged-'))).toBe(true);
    expect(scanJournal(path).entries.map((e) => e.source)).toEqual(['1', 'after']);
  });

  it('skip records set entries aside', () => {
    const path = join(dir, 'skip.changes');
    const j = new Journal(path, 'id-4', scanJournal(path), 0);
    for (const s of ['a', 'b', 'c']) j.append('doit', s);
    j.setAside(2, 3);
    j.append('doit', 'd');
    j.close();
    expect(scanJournal(path).entries.map((e) => e.source)).toEqual(['a', 'd']);
  });
});

describe('the journal in a session', () => {
  it('lists the changes since the save on open, and replays them', () => {
    const path = fresh('replay');
    const s = open(path);
    expect(texts(s, "Object subclass: #Pet\nPet speak -> ^'...'\nPet subclass: #Dog\nDog speak -> ^'woof'\nFido := Dog new")).toEqual(['Pet', 'Pet>>speak', 'Dog', 'Dog>>speak', 'a Dog']);
    expect(s.mark('m1')).toBeNull();
    expect(texts(s, "Dog speak -> ^'WOOF'")).toEqual(['Dog>>speak']);
    expect(s.forget('m1')).toBeNull();
    expect(s.unsavedChanges()).toBe(8);
    // No save: the session ends as if killed (it only gives up its lock: the journal is on disk).
    s.close();
    const t = open(path);
    const pending = t.pendingJournal();
    expect(pending.map((e) => e.kind)).toEqual(['doit', 'define', 'doit', 'define', 'doit', 'mark', 'define', 'forget']);
    expect(t.notes.join('\n')).toMatch(/8 changes since the last save, from /);
    expect(t.unsavedChanges()).toBe(0);
    expect(t.recover()).toEqual({ replayed: 8 });
    expect(t.unsavedChanges()).toBe(8);
    expect(t.pendingJournal()).toEqual([]);
    expect(texts(t, 'Fido speak')).toEqual(["'woof'"]);
    expect(t.bedrock.kernel.marks()).toEqual([]);
    t.close();
    // Still unsaved: a third session is offered the same changes, and the one just made.
    const u = open(path);
    expect(u.pendingJournal().length).toBe(9);
    expect(u.save()).toEqual({ ok: true });
    u.close();
    const v = open(path);
    expect(v.pendingJournal()).toEqual([]);
    v.close();
  });

  it('replay goes on past an entry that fails, says which, and replays every later change', () => {
    const path = fresh('failing');
    const s = open(path);
    texts(s, 'A := 1\nB := 2\nC := 3');
    s.close();
    // Make the middle entry fail on replay (it did not when it was made).
    const journal = `${path}.changes`;
    writeFileSync(journal, readFileSync(journal, 'utf8').replace('B := 2', 'B := NoSuchThing'));
    const t = open(path);
    const r = t.recover();
    expect(r.replayed).toBe(2);
    expect(r.failures?.map((f) => [f.entry.seq, f.entry.source])).toEqual([[2, 'B := NoSuchThing']]);
    expect(r.failures?.[0].error).toMatch(/NoSuchThing/);
    expect(t.unsavedChanges()).toBe(2);
    expect(texts(t, 'A\nC')).toEqual(['1', '3']);
    texts(t, 'D := 4');
    t.close();
    // Replayed entries are still after the image: offered again, with what came after them.
    const u = open(path);
    expect(u.pendingJournal().map((e) => e.source)).toEqual(['A := 1', 'B := NoSuchThing', 'C := 3', 'A', 'C', 'D := 4']);
    u.close();
  });

  it('a statement that failed after changing something is journaled, marked failed, and replayed; `_` is replayed', () => {
    const path = fresh('ranfailed');
    const s = open(path);
    expect(s.evaluate('Object subclass: #Bar. 1/0')[0].kind).toBe('error');
    expect(s.unsavedChanges()).toBe(0); // not a change the user was told of
    expect(texts(s, 'Bar class baz -> ^1\n3 + 4')).toEqual(['Bar class>>baz', '7']);
    s.close();
    const t = open(path);
    expect(t.pendingJournal().map((e) => [e.source, e.failed ?? false])).toEqual([
      ['Object subclass: #Bar. 1/0', true], ['Bar class baz -> ^1', false], ['3 + 4', false],
    ]);
    expect(t.notes.join('\n')).toMatch(/2 changes since the last save, from .* \(and 1 statement that failed after changing something, replayed with them\)/);
    expect(t.recover()).toEqual({ replayed: 3 });
    expect(t.unsavedChanges()).toBe(2);
    expect(texts(t, 'Bar baz\n_')).toEqual(['1', '7']);
    t.close();
  });

  it('pending changes not recovered are set aside when something new is done', () => {
    const path = fresh('aside');
    const s = open(path);
    texts(s, 'E := 5');
    s.close();
    const t = open(path);
    expect(t.pendingJournal().length).toBe(1);
    expect(texts(t, 'F := 6')).toEqual(['6']);
    expect(t.pendingJournal()).toEqual([]);
    t.close();
    const u = open(path);
    expect(u.pendingJournal().map((e) => e.source)).toEqual(['F := 6']);
    expect(u.recover()).toEqual({ replayed: 1 });
    expect(u.evaluate('E')[0].kind).toBe('error');
    u.close();
  });

  it('items that fail to compile are not journaled; a journal of another image is not replayed', () => {
    const path = fresh('other');
    const s = open(path);
    expect(s.evaluate('1 +')[0].kind).toBe('error');
    expect(s.evaluate('G := 7')[0].kind).toBe('value');
    expect(s.evaluate('1/0')[0].kind).toBe('error');
    expect(s.unsavedChanges()).toBe(1);
    expect(scanJournal(`${path}.changes`).entries.map((e) => [e.source, e.failed ?? false])).toEqual([['G := 7', false], ['1/0', true]]);
    s.close();
    // A journal left by another image of the same name.
    writeFileSync(`${path}.changes`, `${JSON.stringify({ journal: 'bedrock', version: 1, id: 'someone-else', created: 'x' })}\n${JSON.stringify({ seq: 99, time: 'x', kind: 'doit', source: 'H := 8' })}\n`);
    const u = open(path);
    expect(u.pendingJournal()).toEqual([]);
    expect(u.notes.join('\n')).toMatch(/belongs to another image/);
    texts(u, 'I := 9');
    u.close();
    expect(readdirSync(dir).some((f) => f.startsWith('other.image.changes.orphan-'))).toBe(true);
    const v = open(path);
    expect(v.pendingJournal().map((e) => e.source)).toEqual(['I := 9']);
    v.close();
  });

  it('save as: the new image has its own journal, the old one keeps its changes', () => {
    const path = fresh('saveas');
    const s = open(path);
    texts(s, 'J := 10');
    expect(s.save('copy.image')).toEqual({ ok: true });
    expect(s.path).toBe(join(dir, 'copy.image'));
    texts(s, 'K := 11');
    s.close();
    const copy = open(join(dir, 'copy.image'));
    expect(copy.pendingJournal().map((e) => e.source)).toEqual(['K := 11']);
    copy.close();
    const old = open(path);
    expect(old.pendingJournal().map((e) => e.source)).toEqual(['J := 10']);
    old.close();
  });
});
