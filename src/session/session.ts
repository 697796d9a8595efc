/*
 * A session: one image file, the running system opened from it, and its changes journal. The
 * REPL and the command line work through a Session; it is what makes "a crash loses nothing
 * acknowledged" true.
 *
 *   Session.open(path)      opens NAME.image (checked before anything runs; a bad file is an
 *                           ImageError value), or, when there is none, boots genesis and the
 *                           system (or opens the `template` image) and saves it there. Changes journaled after the image's
 *                           last save are found and offered: pendingJournal(), recover().
 *   evaluate(source)        evaluates item by item, as Bedrock.evaluate does, and appends each
 *                           accepted item (a definition, or a statement that ran without error)
 *                           to the journal; the journal is fsynced before evaluate returns, so
 *                           whatever it reports as done survives a crash. `Image save` /
 *                           `Image saveAs:` asked for by an item are made right after that item.
 *   start(item)             one item in slices (Bedrock.startItem), journaled when it ends:
 *                           the REPL's way, so that Ctrl-C can interrupt it.
 *   group(true), commit()   group commit (piped mode): accepted items are added to the
 *                           journal but written and synced together by commit() (one write,
 *                           one fsync), which says whether they are on disk; the caller
 *                           acknowledges none of them before that.
 *   mark(name), forget(n)   the kernel's mark and forget, journaled likewise.
 *   save(path?)             the atomic save (save.ts); the image then includes every journal
 *                           entry so far. A different path is "save as": that file becomes the
 *                           session's image, with a journal of its own (the old image keeps
 *                           its own journal, whose changes are still offered when it is opened).
 *   recover()               replays the pending entries in order, as they were made (`_` set
 *                           as the REPL set it); one that fails is reported, and replay goes on.
 *
 * Pending entries not recovered are set aside (journal.ts, `skip`) as soon as anything new is
 * evaluated, marked or saved, so that later changes are never replayed behind changes the
 * system does not hold. An item that fails to compile changes nothing and is not journaled; a
 * statement that faulted after it began (it may have changed something the changes after it
 * rely on) is journaled marked `failed`, not counted as a change, and replayed expecting the
 * failure; one stopped by Ctrl-C or a limit is not (its replay could run as long again).
 * Errors are values: nothing here throws for a bad file, a full disk or a failing replay.
 */
import { existsSync } from 'node:fs';
// node:crypto is loaded where it is used (process.getBuiltinModule): loaded with this module it cost every start ~5 ms.
import { dirname, resolve } from 'node:path';
import { SERVICE } from '../../kernel/objects/layout.ts';
import type { Item } from '../lang/ast.ts';
import type { SourceOptions } from '../lang/source.ts';
import type { Backend } from '../compiler/compiler.ts';
import type { RunOptions } from '../../kernel/machine/machine.ts';
import { Bedrock, type Outcome } from '../system/bedrock.ts';
import { Forth, type ForthOutcome } from '../forth/forth.ts';
import { imageError, isImageError, type ImageError, type ImageHeader } from '../../image/format.ts';
import { Journal, scanJournal, type ChangeKind, type JournalEntry, type JournalIo } from '../../image/journal.ts';
import { openImage } from '../../image/open.ts';
import { saveImage, type SavePoint } from '../../image/save.ts';
import { imageService } from '../../image/service.ts';
import { evaluateAll, itemsOf } from './items.ts';
import { keepLast } from './workspace.ts';
import { definitionRoots, imageState, stateStamp } from './changes.ts';
import { ImageLock } from '../../image/lock.ts';
import { throughLinks } from '../../image/files.ts';

export interface SessionOptions {
  /** The compiler's back end: for a new image, and to override an opened image's. */
  readonly backend?: Backend;
  /** Make the image (genesis and the system) when the file does not exist (default true). */
  readonly create?: boolean;
  /**
   * Make it from this image instead of genesis (a base image saved when the project is
   * built): opened, checked, and saved as the new image with a journal identity of its own,
   * so that two images made from one template never take each other's journal.
   */
  readonly template?: string;
  /** Step limit of each evaluated statement. */
  readonly steps?: number;
  /** An interrupt word for the machine (Ctrl-C from another thread). */
  readonly interrupt?: Int32Array;
  /** Called at each point of every save (crash-safety tests stop the process there). */
  readonly saveHook?: (point: SavePoint) => void;
  /**
   * Hold the image (lock.ts, NAME.image.lock) while the session is open: default true. A
   * session that only looks (nothing journaled, nothing saved) passes false.
   */
  readonly lock?: boolean;
  /** The journal's file operations (tests inject failures: journal.ts JournalIo). */
  readonly journalIo?: JournalIo;
}

export type SaveOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

export interface RecoverResult {
  /** Entries replayed as they were made (a statement that failed when made, failing again, included). */
  readonly replayed: number;
  /** Entries that failed on replay though they had not when they were made (replay went on past them). */
  readonly failures?: readonly { readonly entry: JournalEntry; readonly error: string }[];
}

/**
 * Did an item that failed run (and so perhaps change something) before it failed? A statement
 * that faulted, or a class some of whose parts failed. Not one that did not compile (nothing
 * changed), nor one stopped by Ctrl-C or a limit (replaying it could run as long again).
 */
function ranThenFailed(item: Item, o: Outcome): boolean {
  if (o.kind !== 'error') return false;
  if (item.kind === 'class') return true;
  if (item.kind !== 'doit' || o.fault === undefined) return false;
  return o.fault.kind !== 'Interrupted' && o.fault.kind !== 'StepLimit';
}

/**
 * What an outcome becomes when the change it reports could not be made durable: an error that
 * says what happened, and that it is only in the running system.
 */
export function notAcknowledged(o: Outcome, problem: string): Outcome {
  if (o.kind === 'error') return o;
  const what = o.kind === 'defined' ? `${o.text} was defined` : 'the statement ran';
  return {
    kind: 'error', source: o.source, ...(o.output !== undefined && { output: o.output }),
    text: `not acknowledged: ${what}, but ${problem}; what it did is only in the running system (save the image to keep it)`,
  };
}

/** The journal of the image at `path` (the file a link there points to, when it is one to a regular file). */
export function journalPath(imagePath: string): string {
  return throughLinks(`${imagePath}.changes`);
}

export class Session {
  private imagePath: string;
  private imageHeader: ImageHeader;
  private journal: Journal;
  private pending: JournalEntry[];
  private unsaved = 0;
  /** A save asked for by the running evaluation: undefined none, null the image's own name. */
  private saveRequest: string | null | undefined = undefined;
  private replaying = false;
  /** Group commit (group()): items are written to the journal, and synced by commit(). */
  private grouping = false;
  /** Accepted items written since the last sync that are not yet known to be on disk. */
  private unsynced = 0;
  /** A sync that failed (cutting back) while items were unsynced: commit() reports it. */
  private groupFailure: string | null = null;
  /** The image's lock (null when the session was opened without one). */
  private lock: ImageLock | null = null;
  /** What the session has to tell its user (found on open, and since). */
  readonly notes: string[] = [];
  /** Time and size of the last save, and the open's timing. */
  lastSave: { readonly ms: number; readonly bytes: number } | null = null;
  readonly openTiming: { readonly readMs: number; readonly checkMs: number } | null;

  private constructor(
    path: string, readonly bedrock: Bedrock, header: ImageHeader, journal: Journal, pending: JournalEntry[],
    private readonly options: SessionOptions, openTiming: Session['openTiming'],
  ) {
    this.imagePath = path;
    this.imageHeader = header;
    this.journal = journal;
    this.pending = pending;
    this.openTiming = openTiming;
    bedrock.kernel.machine.services[SERVICE.IMAGE] = imageService((p) => {
      if (!this.replaying) this.saveRequest = p;
    });
  }

  /**
   * A session on a new image at `path` made from a system already running (piped mode without
   * an image, asked to `.save`): saved at once, with a journal of its own.
   */
  static adopt(path: string, bedrock: Bedrock, options: SessionOptions = {}): Session | ImageError {
    const abs = throughLinks(resolve(path));
    return Session.locked(abs, options, () => Session.fresh(abs, bedrock, options));
  }

  /** `make` a session on `abs` holding its lock (unless options.lock is false). */
  private static locked(abs: string, options: SessionOptions, make: () => Session | ImageError): Session | ImageError {
    let lock: ImageLock | null = null;
    if (options.lock !== false) {
      const l = ImageLock.acquire(abs);
      if (typeof l === 'string') return imageError('lock', l);
      lock = l;
    }
    const s = make();
    if (isImageError(s)) lock?.release();
    else s.lock = lock;
    return s;
  }

  /** Save `booted` as the new image `abs`, with a new journal identity, and answer its session. */
  private static fresh(abs: string, booted: Bedrock, options: SessionOptions): Session | ImageError {
    const changes = journalPath(abs);
    const id = process.getBuiltinModule('node:crypto').randomUUID();
    const scan = scanJournal(changes, { seq: 0, offset: 0 });
    const journal = new Journal(changes, id, scan, 0, options.journalIo);
    const saved = saveImage(booted.kernel, abs, { backend: booted.backend, journal: journal.position, at: options.saveHook });
    if (!saved.ok) return imageError('file', saved.error);
    const s = new Session(abs, booted, saved.header, journal, [], options, null);
    s.lastSave = { ms: saved.ms, bytes: saved.bytes };
    s.notes.push(`made a new image, ${abs}`);
    if (scan.id !== null && scan.id !== id) s.notes.push(`${changes} belongs to another image: it will be kept aside when the first change is recorded`);
    return s;
  }

  /** The image file (absolute); it changes with save-as. */
  get path(): string { return this.imagePath; }

  /** The header of the image as last saved or opened. */
  get header(): ImageHeader { return this.imageHeader; }

  /**
   * Open the image at `path`, or make it (genesis, the system, then a save) when there is no
   * such file and `create` is not false. A bad image is an ImageError naming the failed check.
   */
  static open(path: string, options: SessionOptions = {}): Session | ImageError {
    // A link to an image stands for the image: its lock, journal and saves are the file's.
    const abs = throughLinks(resolve(path));
    return Session.locked(abs, options, () => Session.openLocked(abs, options));
  }

  private static openLocked(abs: string, options: SessionOptions): Session | ImageError {
    const changes = journalPath(abs);
    if (!existsSync(abs)) {
      if (options.create === false) return imageError('file', `${abs}: no such file`);
      let booted: Bedrock;
      if (options.template !== undefined) {
        // A copy of the template, but an image of its own: a new journal identity.
        const t = openImage(resolve(options.template), { interrupt: options.interrupt });
        if (!t.ok) return imageError(t.check, `the template ${options.template}: ${t.message}`);
        booted = Bedrock.resume(t.kernel, { backend: options.backend ?? t.header.kernel.backend, steps: options.steps });
      } else {
        const b = Bedrock.boot({ backend: options.backend, steps: options.steps, machine: { interrupt: options.interrupt } });
        if (typeof b === 'string') return imageError('file', `cannot make a new image: ${b}`);
        b.kernel.heap.collect('major'); // the first image without the boot's leftovers
        booted = b;
      }
      return Session.fresh(abs, booted, options);
    }
    const opened = openImage(abs, { interrupt: options.interrupt });
    if (!opened.ok) return opened;
    const header = opened.header;
    const bedrock = Bedrock.resume(opened.kernel, { backend: options.backend ?? header.kernel.backend, steps: options.steps });
    const scan = scanJournal(changes, header.journal);
    const notes: string[] = [];
    let pending: JournalEntry[] = [];
    if (scan.id !== null && scan.id !== header.journal.id) {
      notes.push(`${changes} belongs to another image (journal ${scan.id}, not ${header.journal.id}): it is not replayed, and will be kept aside when the first change is recorded`);
    } else {
      pending = [...scan.entries];
      if (scan.unreadable !== undefined) notes.push(`${changes} ${scan.unreadable}: it is not read, and will be moved aside when the first change is recorded`);
      else if (scan.damage) notes.push(`${changes} is damaged at ${scan.damage}: the changes after that are not offered (the file will be kept aside)`);
      if (scan.torn) notes.push(`${changes} ends in a change cut short (never acknowledged): it is ignored`);
    }
    const journal = new Journal(changes, header.journal.id, scan, header.journal.seq, options.journalIo);
    const s = new Session(abs, bedrock, header, journal, pending, options, { readMs: opened.timing.read, checkMs: opened.timing.check });
    s.notes.push(...notes);
    // Statements that failed, or changed nothing, are replayed with the changes, but are not
    // changes the user was told of: alone, they are not announced (and are set aside once
    // something new is done).
    const made = pending.filter((e) => e.failed !== true && e.unchanged !== true).length;
    const failed = pending.filter((e) => e.failed === true).length;
    if (made > 0) {
      const also = failed > 0 ? ` (and ${failed} statement${failed === 1 ? '' : 's'} that failed after changing something, replayed with them)` : '';
      s.notes.push(`${made} change${made === 1 ? '' : 's'} since the last save, from ${pending[0].time}${also}: .recover replays ${made === 1 ? 'it' : 'them'}; anything else done first sets ${made === 1 ? 'it' : 'them'} aside`);
    }
    return s;
  }

  /**
   * Evaluate `source` item by item (the one item loop, items.ts, over start), journaling each
   * accepted item: each is on disk before its outcome is answered, and one that could not be
   * journaled is answered as an error (not acknowledged). Replay sets `_` as the REPL did.
   */
  evaluate(source: string, options: RunOptions = {}, at?: SourceOptions): Outcome[] {
    this.settlePending();
    return evaluateAll(this.bedrock, (item) => this.start(item, options), itemsOf(source, at));
  }

  /**
   * Evaluate one item in slices (Bedrock.startItem), for a REPL that keeps its screen alive
   * and lets Ctrl-C interrupt: each step(n) runs at most n more instructions and answers null
   * while the item runs; then its outcome, journaled and synced as evaluate does it, followed
   * by an outcome for each thing that failed after it (the journal, a requested save).
   */
  start(item: Item, options: RunOptions = {}): { step(steps: number): Outcome[] | null } {
    this.settlePending();
    // A statement that changed nothing (changes.ts) is journaled, but is not an unsaved change.
    // The state is read after the statement; the state before it is the one read after the
    // statement before, when nothing has happened since (stateStamp), else read now. A
    // statement whose compiling defined a global is a change without reading anything.
    const k = this.bedrock.kernel;
    const doit = item.kind === 'doit';
    const known = doit && this.known !== null && this.known.stamp === stateStamp(k) ? this.known.state : null;
    this.known = null;
    const roots = doit ? definitionRoots(k) : '';
    const running = this.bedrock.startItem(item, options);
    const before = doit && definitionRoots(k) === roots ? known ?? imageState(k) : null;
    let done: Outcome[] | null = null;
    return {
      step: (steps) => {
        if (done !== null) return done;
        const o = running.step(steps);
        if (o === null) return null;
        const after = before !== null && o.kind !== 'error' ? imageState(k) : null;
        if (after !== null) this.known = { stamp: stateStamp(k), state: after };
        done = this.afterItem(item, o, after !== null && after === before);
        return done;
      },
    };
  }

  /** The state read after the last statement, and when (stateStamp): the next one's state before, if nothing happened between. */
  private known: { readonly stamp: string; readonly state: string } | null = null;

  /**
   * After an item: journal it (on disk) if it was accepted, and make the save it asked for. Its
   * outcome, or an error in its place when it could not be journaled, then what else failed.
   */
  private afterItem(item: Item, o: Outcome, unchanged: boolean): Outcome[] {
    const out: Outcome[] = [o];
    if (o.kind !== 'error' || ranThenFailed(item, o)) {
      // A class in brackets is definitions; a statement of a Smalltalk file may need its replay
      // form. One that failed after it began is journaled for what it did (marked failed).
      const written = this.record(item.kind === 'doit' ? 'doit' : 'define', item.kind === 'doit' ? item.replay ?? item.source : item.source, o.kind === 'error', unchanged);
      // Grouped: synced by commit(), before the caller acknowledges it.
      if (written === null && this.grouping) this.unsynced++;
      const problem = written ?? (this.grouping ? null : this.syncJournal());
      if (problem !== null && o.kind !== 'error') {
        out[0] = notAcknowledged(o, problem);
      } else if (problem !== null) {
        out.push({ kind: 'error', text: problem, source: item.source });
      }
    }
    if (this.saveRequest !== undefined) {
      const target = this.saveRequest;
      this.saveRequest = undefined;
      const saved = this.save(target ?? undefined);
      if (!saved.ok) out.push({ kind: 'error', text: `Image save: ${saved.error}`, source: item.source });
    }
    return out;
  }

  /**
   * Interpret a piece of Forth (the REPL in Forth), journaled when it ran without an error:
   * what it defined is replayed by interpreting it again. Its outcome, or why it could not run.
   */
  forth(text: string): ForthOutcome | string {
    this.settlePending();
    const f = Forth.of(this.bedrock);
    if (typeof f === 'string') return f;
    return this.afterForth(text, f.interpret(text));
  }

  /** The same in slices, `pause` between them (so that Ctrl-C can stop it). */
  async forthAsync(text: string, pause: () => Promise<void>): Promise<ForthOutcome | string> {
    this.settlePending();
    const f = Forth.of(this.bedrock);
    if (typeof f === 'string') return f;
    return this.afterForth(text, await f.interpretAsync(text, pause));
  }

  private afterForth(text: string, r: ForthOutcome): ForthOutcome {
    if (r.ok) {
      const failed = this.record('forth', text) ?? this.syncJournal();
      if (failed) return { ...r, ok: false, error: failed };
    }
    if (this.saveRequest !== undefined) {
      const target = this.saveRequest;
      this.saveRequest = undefined;
      const saved = this.save(target ?? undefined);
      if (!saved.ok) return { ...r, ok: false, error: `Image save: ${saved.error}` };
    }
    return r;
  }

  /** Mark the system (Forth's MARKER), journaled. Null, or what went wrong. */
  mark(name: string): string | null {
    this.settlePending();
    const r = this.bedrock.kernel.mark(name);
    if (typeof r === 'string') return r;
    return this.record('mark', name) ?? this.syncJournal();
  }

  /** Forget back to the mark `name`, journaled. Null, or what went wrong. */
  forget(name: string): string | null {
    this.settlePending();
    const r = this.bedrock.kernel.forget(name);
    if (r !== null) return r;
    return this.record('forget', name) ?? this.syncJournal();
  }

  /**
   * Save the image: to its own file, or to `path` (relative to the image's directory), which
   * then becomes the session's image with a journal of its own.
   */
  save(path?: string): SaveOutcome {
    // An actor's worker is a thread of this process, not part of the image: a save waits for
    // no one and would leave the Actor in the image naming a worker the next session lacks.
    const running = this.bedrock.actors.runningCount();
    if (running > 0) return { ok: false, error: `cannot save while ${running === 1 ? 'an actor is' : `${running} actors are`} running: wait for ${running === 1 ? 'it' : 'them'} (value) or terminate ${running === 1 ? 'it' : 'them'}, then save` };
    this.settlePending();
    const failed = this.syncJournal();
    if (failed) return { ok: false, error: failed };
    const target = path === undefined ? this.imagePath : throughLinks(resolve(dirname(this.imagePath), path));
    const kernel = this.bedrock.kernel;
    const same = target === this.imagePath;
    let lock: ImageLock | null = null;
    if (!same && this.lock !== null) {
      const l = ImageLock.acquire(target);
      if (typeof l === 'string') return { ok: false, error: `cannot save ${target}: ${l}` };
      lock = l;
    }
    const id = same ? this.journal.id : process.getBuiltinModule('node:crypto').randomUUID();
    const position = same ? this.journal.position : { id, seq: 0, offset: 0 };
    // What nothing reaches is not written (issue 11 item 9): a major collection first.
    kernel.heap.collect('major');
    const r = saveImage(kernel, target, { backend: this.bedrock.backend, journal: position, at: this.options.saveHook });
    if (!r.ok) { lock?.release(); return r; }
    this.imageHeader = r.header;
    this.lastSave = { ms: r.ms, bytes: r.bytes };
    this.unsaved = 0;
    if (!same) {
      this.journal.close();
      const changes = journalPath(target);
      this.journal = new Journal(changes, id, scanJournal(changes, position), 0, this.options.journalIo);
      this.bufferJournal();
      this.imagePath = target;
      if (lock !== null) { this.lock?.release(); this.lock = lock; }
    }
    return { ok: true };
  }

  /** Changes made (and journaled) since the image was last saved or opened, recovered ones included. */
  unsavedChanges(): number { return this.unsaved; }

  /** Journal entries newer than the image, found on open and not yet recovered or set aside. */
  pendingJournal(): JournalEntry[] { return [...this.pending]; }

  /**
   * Replay the pending entries in order, each as it was made: a statement sets `_` as the REPL
   * did, and one journaled as failed is expected to fail again. An entry that fails on replay
   * (though it had not when it was made) is reported, and replay goes on past it, so that every
   * later change that can be replayed is.
   */
  recover(): RecoverResult {
    const entries = this.pending;
    this.pending = [];
    let replayed = 0;
    const failures: { entry: JournalEntry; error: string }[] = [];
    this.replaying = true;
    try {
      for (const entry of entries) {
        const error = this.replay(entry);
        if (error !== null && entry.failed !== true) {
          failures.push({ entry, error });
          continue;
        }
        replayed++;
        if (entry.failed !== true && entry.unchanged !== true) this.unsaved++;
      }
      return failures.length > 0 ? { replayed, failures } : { replayed };
    } finally {
      this.replaying = false;
      this.saveRequest = undefined;
    }
  }

  /** Set the pending entries aside without replaying them; answers how many. */
  discardPending(): number {
    const n = this.pending.length;
    this.settlePending();
    return n;
  }

  /** Flush and close the journal. */
  close(): void {
    try { this.journal.close(); } catch { /* closing: nothing more to keep */ }
    this.lock?.release();
    this.lock = null;
  }

  // ---- inside ---------------------------------------------------------------------------

  private replay(entry: JournalEntry): string | null {
    const k = this.bedrock.kernel;
    switch (entry.kind) {
      case 'mark': {
        const r = k.mark(entry.source);
        return typeof r === 'string' ? r : null;
      }
      case 'forget':
        return k.forget(entry.source);
      case 'forth': {
        const f = Forth.of(this.bedrock);
        if (typeof f === 'string') return f;
        const r = f.interpret(entry.source);
        return r.ok ? null : r.error ?? 'a Forth error';
      }
      default: {
        // The one item loop, as the entry ran when it was made, each value kept in `_` as the
        // REPL kept it (nothing journaled again: the entry is in the journal already).
        const start = (item: Item) => {
          const running = this.bedrock.startItem(item);
          return {
            step: (steps: number): Outcome[] | null => {
              const o = running.step(steps);
              if (o?.kind === 'value') keepLast(k, o.value);
              return o === null ? null : [o];
            },
          };
        };
        const outcomes = evaluateAll(this.bedrock, start, itemsOf(entry.source));
        const bad = outcomes.find((o) => o.kind === 'error');
        return bad ? bad.text : null;
      }
    }
  }

  /**
   * Journal one accepted change (written now, synced before acknowledging), or one that failed
   * after it began (`failed`: not a change the user was told of), or a statement that changed
   * nothing (`unchanged`: kept for replay, not counted). Null or a message.
   */
  private record(kind: ChangeKind, source: string, failed = false, unchanged = false): string | null {
    try {
      this.journal.append(kind, source, failed, unchanged);
      return null;
    } catch (e) {
      return `it could not be written to the journal ${this.journal.path} (${e instanceof Error ? e.message : String(e)})`;
    } finally {
      // Journaled or not, the running system has the change and the image does not.
      if (!failed && !unchanged) this.unsaved++;
    }
  }

  private syncJournal(): string | null {
    try {
      this.journal.sync();
      this.unsynced = 0;
      return null;
    } catch (e) {
      const problem = `the journal ${this.journal.path} could not be flushed to the disk (${e instanceof Error ? e.message : String(e)})`;
      // The journal is cut back to its last good sync: the grouped items written since are gone.
      if (this.unsynced > 0) this.groupFailure ??= problem;
      this.unsynced = 0;
      return problem;
    }
  }

  /**
   * Group commit: with `on`, an accepted item is added to the journal when it ends, but neither
   * written nor synced; commit() writes everything added since the last commit at once, and
   * syncs it (one write and one fsync a batch). Turning it off commits. (Piped mode groups the
   * items it reads together and prints their outcomes after the commit; the REPL does not
   * group: one line, one sync.)
   */
  group(on: boolean): string | null {
    const r = on ? null : this.commit();
    this.grouping = on;
    this.bufferJournal();
    return r;
  }

  /** The journal buffers while grouping (a write failing at the commit fails the batch, as an fsync does). */
  private bufferJournal(): void {
    try {
      this.journal.buffer(this.grouping);
    } catch {
      // (Only when something is buffered as grouping ends, which commit() has written.)
    }
  }

  /**
   * Make the grouped items durable (one fsync): null when every item accepted since the last
   * commit is on disk, else why not; then none of them is in the journal (it was cut back to
   * the last good sync) and none may be acknowledged.
   */
  commit(): string | null {
    const r = this.unsynced > 0 ? this.syncJournal() : null;
    const failure = this.groupFailure;
    this.groupFailure = null;
    return failure ?? r;
  }

  /** Pending entries not recovered are set aside before anything new is recorded. */
  private settlePending(): void {
    if (this.pending.length === 0) return;
    const first = this.pending[0].seq, last = this.pending[this.pending.length - 1].seq;
    this.pending = [];
    const failed = this.setAside(first, last);
    if (failed) this.notes.push(failed);
  }

  private setAside(from: number, to: number): string | null {
    try {
      this.journal.setAside(from, to);
      this.journal.sync();
      return null;
    } catch (e) {
      return `could not set changes ${from} to ${to} aside in ${this.journal.path}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
}
