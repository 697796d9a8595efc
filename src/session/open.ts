/*
 * Opening the system a command works on. `bedrock [IMAGE]` and `bedrock run --save` open an
 * image as a Session (session.ts): what they change is journalled and can be saved. The
 * batch commands that only look (`eval`, `see`, `run` without --save) open the image too, but
 * change neither it nor its journal.
 *
 *   which image      --image F, else IMAGE, else bedrock.image in the current directory; for
 *                    the looking commands, when there is none, the base image
 *   the base image   dist/base.image: genesis and the system, saved when the project is built
 *                    (scripts/build.mjs). A new image starts as a copy of it, which is what
 *                    genesis would make, without the second of booting; without a base image
 *                    (running from source) genesis runs.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeImageError, isImageError } from '../../image/format.ts';
import { journalPath, Session } from './session.ts';
import { scanJournal } from '../../image/journal.ts';
import type { Backend } from '../compiler/compiler.ts';
import type { Item } from '../lang/ast.ts';
import { Bedrock } from '../system/bedrock.ts';
import { Workspace, type Persistence } from './workspace.ts';
import { baseImageFile } from '../../bootstrap/project-files.ts';
import { nowMs } from '../../kernel/machine/clock.ts';

export const DEFAULT_IMAGE = 'bedrock.image';

/** The base image beside the built program (dist/base.image), when there is one. */
export const baseImagePath = baseImageFile;

export interface Opened {
  readonly workspace: Workspace;
  /** What the user should be told (a new image made, changes found in the journal ...). */
  readonly notes: readonly string[];
  readonly ms: number;
}

export interface OpenOptions {
  readonly backend?: Backend;
  /** Make the image when the file does not exist. */
  readonly create?: boolean;
}

/** Open `path` as a session: a workspace whose changes are journalled and can be saved. */
export function openSession(path: string, options: OpenOptions = {}): Opened | string {
  const t0 = nowMs();
  const abs = resolve(path);
  const notes: string[] = [];
  if (!existsSync(abs) && options.create === false) return `${path}: no such image`;
  // A new image starts from the base image, with a journal identity of its own (a copy of the
  // file would carry the base image's, and be offered the journal of a removed image of the
  // same name).
  const base = existsSync(abs) ? null : baseImagePath();
  const s = Session.open(abs, { backend: options.backend, ...(base && { template: base }) });
  if (isImageError(s)) return describeImageError(path, s);
  notes.push(...s.notes);
  return { workspace: new Workspace(s.bedrock, new SessionImage(s)), notes, ms: nowMs() - t0 };
}

/**
 * A system to look at: the image at `path` (its file and journal untouched), else the base
 * image, else a fresh boot.
 */
export function openReadOnly(path: string | null, options: OpenOptions = {}): Opened | string {
  const t0 = nowMs();
  const target = path ?? (existsSync(DEFAULT_IMAGE) ? DEFAULT_IMAGE : baseImagePath());
  if (target !== null) {
    const s = Session.open(resolve(target), { backend: options.backend, create: false, lock: false });
    if (isImageError(s)) return describeImageError(target, s);
    return { workspace: new Workspace(s.bedrock), notes: [], ms: nowMs() - t0 };
  }
  const b = Bedrock.boot({ backend: options.backend });
  if (typeof b === 'string') return `cannot start the system: ${b}`;
  return { workspace: new Workspace(b), notes: [], ms: nowMs() - t0 };
}

/**
 * Piped mode with no image named and no bedrock.image here: the base image in memory, and
 * nothing written (no image, no journal) until `.save` (bedrock.image) or `.saveas FILE`
 * makes an image of the system as it then is.
 */
export function openScratch(options: OpenOptions = {}): Opened | string {
  const r = openReadOnly(null, options);
  if (typeof r === 'string') return r;
  const bedrock = r.workspace.bedrock;
  const adopt = (path: string | undefined): Persistence | string => {
    const target = path ?? DEFAULT_IMAGE;
    const s = Session.adopt(target, bedrock);
    return isImageError(s) ? describeImageError(target, s) : new SessionImage(s);
  };
  return { workspace: new Workspace(bedrock, null, adopt), notes: [], ms: r.ms };
}

/** A Session as the workspace's image. */
export class SessionImage implements Persistence {
  constructor(private readonly session: Session) {}

  get path(): string { return this.session.path; }

  start(item: Item) { return this.session.start(item); }

  forth(text: string) { return this.session.forth(text); }
  forthAsync(text: string, pause: () => Promise<void>) { return this.session.forthAsync(text, pause); }

  group(on: boolean): string | null { return this.session.group(on); }
  commit(): string | null { return this.session.commit(); }
  mark(name: string): string | null { return this.session.mark(name); }
  forget(name: string): string | null { return this.session.forget(name); }

  save(path?: string): string | null {
    const r = this.session.save(path);
    return r.ok ? null : r.error;
  }

  unsavedChanges(): number { return this.session.unsavedChanges(); }

  changes(): readonly string[] {
    const pending = new Set(this.session.pendingJournal().map((e) => e.seq));
    const scan = scanJournal(journalPath(this.session.path), this.session.header.journal);
    if (scan.id !== this.session.header.journal.id) return []; // another image's journal
    return scan.entries.filter((e) => e.unchanged !== true).map((e) => {
      const what = e.kind === 'mark' ? `.mark ${e.source}` : e.kind === 'forget' ? `.forget ${e.source}` : e.kind === 'forth' ? `(forth) ${e.source}` : e.source;
      const failed = e.failed === true ? '   "failed when made: kept for what it did before failing"' : '';
      return pending.has(e.seq) ? `${what}${failed}   "from before: .recover replays it"` : what + failed;
    });
  }

  recover(): { readonly lines: readonly string[]; readonly failed: boolean } {
    const pending = this.session.pendingJournal().length;
    if (pending === 0) return { lines: ['nothing to recover: the journal has no changes newer than the image'], failed: false };
    const r = this.session.recover();
    const lines = [`replayed ${r.replayed} of ${pending} change${pending === 1 ? '' : 's'}`];
    for (const f of r.failures ?? []) lines.push(`change ${f.entry.seq} (${f.entry.source.split('\n')[0]}) failed on replay: ${f.error.split('\n')[0]}`);
    return { lines, failed: r.failures !== undefined };
  }

  notes(): readonly string[] { return this.session.notes; }

  close(): void { this.session.close(); }
}
