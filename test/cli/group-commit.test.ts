/*
 * Group commit in piped mode (issue 17 item 6): the entries read together are journaled with one
 * fsync, and their results are printed after it. A printed result is an acknowledgement, so
 * nothing is printed while an entry it reports is written but not yet synced; a batch whose sync
 * fails is printed as not acknowledged, and is not in the journal. Before, every statement was
 * synced on its own: 118 of 138 s piping 5,000 statements into an image went to fsync.
 * (test/cli/recover.test.ts kills a real bedrock in the middle of a batch.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeJournalIo, scanJournal, type JournalIo } from '../../image/journal.ts';
import { PipedSession, pump } from '../../src/cli/piped.ts';
import { SessionImage } from '../../src/session/open.ts';
import { Session } from '../../src/session/session.ts';
import { Workspace } from '../../src/session/workspace.ts';
import { systemImagePath } from '../support/system.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-group-commit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Node's file layer, logging each write and fsync (and failing the next fsyncs when told to). */
class LoggingIo implements JournalIo {
  constructor(private readonly log: string[]) {}
  fsyncFailures = 0;
  /** The next write writes half of its data, and the one after it fails (a disk filling up). */
  tornWrite = false;
  private full = false;
  openAppend(path: string): number { return nodeJournalIo.openAppend(path); }
  write(fd: number, data: Uint8Array, offset: number, length: number): number {
    if (this.full) { this.full = false; throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); }
    this.log.push('write');
    if (this.tornWrite && length > 1) { this.tornWrite = false; this.full = true; length = Math.floor(length / 2); }
    return nodeJournalIo.write(fd, data, offset, length);
  }
  fsync(fd: number): void {
    if (this.fsyncFailures > 0) { this.fsyncFailures--; throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }); }
    this.log.push('fsync');
    nodeJournalIo.fsync(fd);
  }
  size(fd: number): number { return nodeJournalIo.size(fd); }
  truncate(fd: number, length: number): void { nodeJournalIo.truncate(fd, length); }
  close(fd: number): void { nodeJournalIo.close(fd); }
}

/** A piped session on a new image, its journal's writes, syncs and the lines printed in one log. */
function piped(name: string): { session: PipedSession; io: LoggingIo; log: string[]; path: string } {
  const log: string[] = [];
  const io = new LoggingIo(log);
  const path = join(dir, name);
  const s = Session.open(path, { template: systemImagePath('native'), journalIo: io });
  if (!(s instanceof Session)) throw new Error(s.message);
  const ws = new Workspace(s.bedrock, new SessionImage(s));
  // No timer: a batch is exactly what one read brought (the tests count syncs).
  const session = new PipedSession(ws, { out: (t) => log.push(`out ${t}`), err: (t) => log.push(`err ${t}`) }, { groupMs: Infinity });
  return { session, io, log, path };
}

async function* chunks(...texts: string[]): AsyncGenerator<string> {
  for (const t of texts) yield t;
}

/** Is every result printed (on stdout: an acknowledgement) after a sync of everything written before it? */
function printedOnlyWhenSynced(log: readonly string[]): boolean {
  let dirty = false;
  for (const e of log) {
    if (e === 'write') dirty = true;
    else if (e === 'fsync') dirty = false;
    else if (dirty && e.startsWith('out ')) return false;
  }
  return true;
}

const statements = (from: number, n: number): string =>
  Array.from({ length: n }, (_, i) => `V${from + i} := ${from + i}\n`).join('');

describe('group commit in piped mode', () => {
  it('one fsync for the entries read together, and nothing printed before it', async () => {
    const { session, log, path } = piped('batch.image');
    await pump(session, chunks(statements(0, 40), statements(40, 40)));
    session.finish();
    const printed = log.filter((e) => e.startsWith('out ')).map((e) => e.slice(4));
    expect(printed).toEqual(Array.from({ length: 80 }, (_, i) => String(i)));
    // The journal's header line (written and synced when it is made), then one write and one
    // sync for each read, and for the end of the input (an entry ends where the next line
    // begins: the last one ends there). Not a write an entry: a batch is written at once.
    expect(log.filter((e) => e === 'write').length).toBe(4);
    expect(log.filter((e) => e === 'fsync').length).toBe(4);
    expect(printedOnlyWhenSynced(log)).toBe(true);
    expect(scanJournal(`${path}.changes`).entries.map((e) => e.source)).toEqual(Array.from({ length: 80 }, (_, i) => `V${i} := ${i}`));
  }, 180_000);

  it('a dot-command commits what came before it, and runs on its own', async () => {
    const { session, log } = piped('dot.image');
    await pump(session, chunks(`${statements(0, 3)}.marks\n${statements(3, 2)}`));
    session.finish();
    expect(log.filter((e) => e.startsWith('out ')).map((e) => e.slice(4))).toEqual(['0', '1', '2', 'no marks', '3', '4']);
    expect(printedOnlyWhenSynced(log)).toBe(true);
  }, 180_000);

  // A fault of the disk under a batch: its fsync fails, or its write stops half way (a full disk).
  // Either way the batch is printed as not acknowledged and is not in the journal (the half line
  // written is cut off, so the journal reads whole); the next batch is.
  const faults: [string, string, string, (io: LoggingIo) => void][] = [
    ['sync fails', 'fails.image', 'EIO', (io) => { io.fsyncFailures = 1; }],
    ['write fails half way (a full disk)', 'full.image', 'ENOSPC', (io) => { io.tornWrite = true; }],
  ];
  it.each(faults)('a batch whose %s is not acknowledged and not in the journal; the next batch is', async (_fault, file, code, arm) => {
    const { session, io, log, path } = piped(file);
    await pump(session, chunks('First := 1\n'));
    arm(io);
    // (An entry ends where the next begins: the first two are the batch of this read.)
    await pump(session, chunks('Lost := 2\nObject lost -> ^0\nAlso := 4\n'));
    await pump(session, chunks('Kept := 3\n'));
    expect(session.failed).toBe(true);
    session.finish();
    const lines = log.filter((e) => e.startsWith('out ') || e.startsWith('err not acknowledged'));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('out 1');
    expect(lines[1]).toMatch(new RegExp(`^err not acknowledged: the statement ran, but the journal .*${file.replace('.', '\\.')}\\.changes could not be flushed to the disk \\(${code}`));
    expect(lines[2]).toMatch(/^err not acknowledged: Object>>lost was defined, but the journal .* could not be flushed/);
    expect(lines.slice(3)).toEqual(['out 4', 'out 3']);
    expect(printedOnlyWhenSynced(log)).toBe(true);
    const scan = scanJournal(`${path}.changes`);
    expect(scan.damage).toBeNull();
    expect(scan.torn).toBe(false);
    expect(scan.entries.map((e) => e.source)).toEqual(['First := 1', 'Also := 4', 'Kept := 3']);
  }, 180_000);

  it("a batch's outcomes are written together, after its sync: one write a run of lines, not one a line", async () => {
    const { session, log } = piped('together.image');
    // The command line's Output: what a batch says is written when it ends.
    const io = (session as unknown as { io: { out(t: string): void; err(t: string): void; batch?(f: () => void): void } }).io;
    io.batch = (f) => { log.push('batch{'); f(); log.push('}batch'); };
    await pump(session, chunks(statements(0, 30), statements(30, 30)));
    session.finish();
    let inside = false, outside = 0, batches = 0;
    for (const e of log) {
      if (e === 'batch{') { inside = true; batches++; } else if (e === '}batch') inside = false;
      else if (e.startsWith('out ') && !inside) outside++;
    }
    expect(log.filter((e) => e.startsWith('out ')).map((e) => e.slice(4))).toEqual(Array.from({ length: 60 }, (_, i) => String(i)));
    expect(outside).toBe(0);
    expect(batches).toBeLessThanOrEqual(4); // one a commit (each read, the end of the input, finish), not one an outcome
    expect(printedOnlyWhenSynced(log)).toBe(true);
  }, 180_000);
});
