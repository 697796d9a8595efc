/*
 * A write that fails is never acknowledged (issue 17 item 3). With a file layer that fails
 * where it is told to (journal.ts JournalIo): a full disk in the middle of an entry, in the
 * middle of the header line, an fsync that fails, and a cut that fails too. Before, the partial
 * line stayed, the next entries were appended onto it and acknowledged with no error, and were
 * lost at the next open; a failed header line left a journal that was refused. Now the file is
 * cut back to its last whole entry, the change is answered as an error (not acknowledged), and
 * what comes after it is journaled and replayed as usual.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal, nodeJournalIo, scanJournal, type JournalIo } from '../../image/journal.ts';
import { Session } from '../../src/session/session.ts';
import { systemImagePath } from '../support/system.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-journal-failure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

/** Node's file layer, failing where it is told to. */
class FailingIo implements JournalIo {
  /** The next write puts this many bytes, then fails (null: writes work). */
  writeFailsAfter: number | null = null;
  /** The next n cuts fail. */
  truncateFailures = 0;
  /** The next n fsyncs fail. */
  fsyncFailures = 0;

  openAppend(path: string): number { return nodeJournalIo.openAppend(path); }
  write(fd: number, data: Uint8Array, offset: number, length: number): number {
    if (this.writeFailsAfter === null) return nodeJournalIo.write(fd, data, offset, length);
    const n = this.writeFailsAfter;
    this.writeFailsAfter = null;
    if (n > 0) nodeJournalIo.write(fd, data, offset, Math.min(n, length));
    throw enospc();
  }
  fsync(fd: number): void {
    if (this.fsyncFailures > 0) { this.fsyncFailures--; throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }); }
    nodeJournalIo.fsync(fd);
  }
  size(fd: number): number { return nodeJournalIo.size(fd); }
  truncate(fd: number, length: number): void {
    if (this.truncateFailures > 0) { this.truncateFailures--; throw enospc(); }
    nodeJournalIo.truncate(fd, length);
  }
  close(fd: number): void { nodeJournalIo.close(fd); }
}

const sources = (path: string): string[] => scanJournal(path).entries.map((e) => `${e.seq} ${e.source}`);

describe('a journal write that fails', () => {
  it('in the middle of an entry: the file is cut back to its last whole entry, and goes on', () => {
    const path = join(dir, 'entry.changes');
    const io = new FailingIo();
    const j = new Journal(path, 'id-1', scanJournal(path), 0, io);
    j.append('doit', 'A := 1');
    j.sync();
    const good = statSync(path).size;
    io.writeFailsAfter = 10;
    expect(() => j.append('doit', 'B := 2')).toThrow(/ENOSPC/);
    expect(statSync(path).size).toBe(good);
    j.append('doit', 'C := 3');
    j.close();
    const scan = scanJournal(path);
    expect(scan.torn).toBe(false);
    expect(scan.damage).toBeNull();
    expect(sources(path)).toEqual(['1 A := 1', '2 C := 3']);
  });

  it('when the cut fails too, the partial line is cut off before the next entry', () => {
    const path = join(dir, 'cut.changes');
    const io = new FailingIo();
    const j = new Journal(path, 'id-2', scanJournal(path), 0, io);
    j.append('doit', 'A := 1');
    j.sync();
    io.writeFailsAfter = 10;
    io.truncateFailures = 1;
    expect(() => j.append('doit', 'B := 2')).toThrow(/ENOSPC/);
    expect(scanJournal(path).torn).toBe(true); // still there, for now
    j.append('doit', 'C := 3');
    j.close();
    expect(scanJournal(path).torn).toBe(false);
    expect(sources(path)).toEqual(['1 A := 1', '2 C := 3']);
  });

  it('in the header line: no journal is left that would be refused; the next append makes it', () => {
    const path = join(dir, 'header.changes');
    const io = new FailingIo();
    const j = new Journal(path, 'id-3', scanJournal(path), 0, io);
    io.writeFailsAfter = 20;
    expect(() => j.append('doit', 'A := 1')).toThrow(/ENOSPC/);
    const after = scanJournal(path);
    expect(after.damage).toBeNull();
    expect(after.fileBytes).toBe(0);
    j.append('doit', 'B := 2');
    j.close();
    expect(scanJournal(path).id).toBe('id-3');
    expect(sources(path)).toEqual(['1 B := 2']);
  });

  it('an fsync that fails: cut back to what the last good fsync kept', () => {
    const path = join(dir, 'fsync.changes');
    const io = new FailingIo();
    const j = new Journal(path, 'id-4', scanJournal(path), 0, io);
    j.append('doit', 'A := 1');
    j.sync();
    j.append('doit', 'B := 2');
    io.fsyncFailures = 1;
    expect(() => j.sync()).toThrow(/EIO/);
    j.append('doit', 'C := 3');
    j.close();
    expect(sources(path)).toEqual(['1 A := 1', '2 C := 3']);
  });

  it('in a session: the change is answered as an error, not acknowledged, and is not replayed; the rest is', () => {
    const path = join(dir, 'session.image');
    const io = new FailingIo();
    const s = Session.open(path, { template: systemImagePath('native'), journalIo: io });
    if (!(s instanceof Session)) throw new Error(s.message);
    expect(s.evaluate('A := 1').map((o) => o.kind)).toEqual(['value']);
    io.writeFailsAfter = 7;
    const [defined] = s.evaluate('Object subclass: #Lost');
    expect(defined.kind).toBe('error');
    expect(defined.text).toMatch(/^not acknowledged: the statement ran, but it could not be written to the journal .*session\.image\.changes \(ENOSPC: no space left on device, write\); what it did is only in the running system/);
    io.fsyncFailures = 1;
    const [method] = s.evaluate('Object lost -> ^0');
    expect(method.kind).toBe('error');
    expect(method.text).toMatch(/^not acknowledged: Object>>lost was defined, but the journal .* could not be flushed to the disk \(EIO/);
    expect(s.evaluate('B := 2').map((o) => o.kind)).toEqual(['value']);
    expect(s.unsavedChanges()).toBe(4); // the running system has all four
    s.close();
    const t = Session.open(path);
    if (!(t instanceof Session)) throw new Error(t.message);
    expect(t.pendingJournal().map((e) => e.source)).toEqual(['A := 1', 'B := 2']);
    expect(t.recover()).toEqual({ replayed: 2 });
    expect(t.evaluate('B').map((o) => o.text)).toEqual(['2']);
    t.close();
  });
});
