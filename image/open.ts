/*
 * Opening an image: from the file to a running kernel, checking everything before anything
 * runs (validate.ts), and changing nothing when a check fails (the new machine is dropped).
 *
 *   1. read the preamble and the header (bounded), check its CRC-32 and its fields;
 *   2. check the file's length against the header (a truncated file is named as such);
 *   3. make a machine and heap of the saved geometry, and read each segment straight into
 *      its memory (no intermediate copy), checking the payload's framing and (unless a record
 *      of step 4 stands for it) its CRC-32;
 *   4. walk and check the heap and the kernel's objects, unless this user's sessions have
 *      checked a file of the same SHA-256 (every byte, computed as the file is read, or known
 *      by the file's stamp when they recorded it) and recorded what the checks found
 *      (checked.ts says why that is safe);
 *   5. rebuild what the host keeps beside the heap.
 *
 * What lives outside the heap, and what becomes of it on open:
 *
 *   Machine   memory size, low memory, fixed space bounds, stack size     saved (header)
 *             code caches and codeStartOf (per code object)               rebuilt: walk of the fixed space
 *             registers and flags                                         fresh: saves happen between
 *                                                                           top-level evaluations, when
 *                                                                           no register is live; rsp at
 *                                                                           the top of the stack
 *             services                                                    reinstalled (Kernel, Bedrock,
 *                                                                           the Session's IMAGE)
 *             interrupt word, step counts, resume point                   fresh
 *   Heap      space bounds (fixedTop, oldTop, oldEnd, nursery)            saved
 *             nursery size, ceiling, large-object size, growth factor     saved
 *             free lists of the fixed space                               rebuilt: walk of the fixed space
 *             card table                                                  rebuilt: checkHeap sets a card
 *                                                                           for each old-to-young pointer
 *             the allocation fill (nil)                                   from the roots
 *             root set                                                    the kernel's roots only (host
 *                                                                           references do not survive)
 *             stacks list                                                 the machine's stack, and the
 *                                                                           stack objects of the fixed space
 *                                                                           (waiting processes' stacks)
 *             statistics, stress mode                                     fresh
 *   Kernel    roots address                                               saved
 *             nil, true, false                                            from the roots
 *             symbol table (text -> symbol)                               rebuilt: every Symbol of the
 *                                                                           fixed space
 *             method cache                                                fresh (empty)
 *   Compiler  back end                                                    saved
 *             threaded primitives' addresses, last compiled unit          fresh (found again on use)
 *   Bedrock   step limit                                                  the opener's option
 */
import { closeSync, fstatSync, readSync } from 'node:fs';
import { openRegular } from './files.ts';
import { TAG_PTR } from '../kernel/machine/cells.ts';
import { Machine } from '../kernel/machine/machine.ts';
import { Heap } from '../kernel/memory/heap.ts';
import { Kernel } from '../kernel/objects/kernel.ts';
import {
  crc32Of, decodeHeaderBytes, fileBytes, imageError, isImageError, MAGIC, MAX_HEADER_BYTES, PREAMBLE_BYTES, readHead, type ImageError, type ImageHeader,
} from './format.ts';
import { checkHeader, checkHeap, checkKernel, type HeapFacts, type KernelFacts } from './validate.ts';
import {
  checkedDirectory, digestOfFile, fileDigest, recallChecked, recallStamp, rememberChecked, rememberStamp, stampOf,
} from './checked.ts';
import { nowMs } from '../kernel/machine/clock.ts';

export interface OpenOptions {
  /** An interrupt word for the machine (e.g. in a SharedArrayBuffer another thread sets). */
  readonly interrupt?: Int32Array;
  /** The directory of records of checked images (checked.ts); null: check through, record nothing. */
  readonly checked?: string | null;
}

/** A checked image in a machine's memory, before a kernel is made over it. */
export interface LoadedImage {
  readonly ok: true;
  readonly header: ImageHeader;
  readonly machine: Machine;
  readonly heap: Heap;
  readonly fileBytes: number;
  readonly heapFacts: HeapFacts;
  readonly kernelFacts: KernelFacts;
  /** The SHA-256 of the file (hex). */
  readonly digest: string;
  /** The checks' facts came from a record of this user's (checked.ts), not from a walk. */
  readonly recalled: boolean;
  /** The digest came from the file's stamp (checked.ts), not from hashing its bytes. */
  readonly stamped: boolean;
  /** Milliseconds: reading (with the digest), checking (with the CRC). */
  readonly timing: { readonly read: number; readonly check: number };
}

/** An opened image: a kernel ready to run, and what the file said. */
export interface OpenedImage extends LoadedImage {
  readonly kernel: Kernel;
}

/** Read exactly `length` bytes at `position` into `into` (at `offset`); false on a short read. */
function readFully(fd: number, into: Uint8Array, offset: number, length: number, position: number): boolean {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, into, offset + done, Math.min(length - done, 1 << 30), position + done);
    if (n <= 0) return false;
    done += n;
  }
  return true;
}

/** Read and check the image at `path` into a new machine; nothing runs. */
export function loadImage(path: string, options: OpenOptions = {}): LoadedImage | ImageError {
  // Only a regular file, opened without waiting (a FIFO would block the open forever).
  const o = openRegular(path);
  if ('missing' in o) return imageError('file', 'no such file');
  if ('error' in o) return imageError('file', o.error);
  const fd = o.fd;
  try {
    return loadFrom(fd, options);
  } catch (e) {
    // Checks above stop hostile input; this is for what the system itself cannot do (no memory).
    return imageError('memory', `the image could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    closeSync(fd);
  }
}

function loadFrom(fd: number, options: OpenOptions): LoadedImage | ImageError {
  const t0 = nowMs();
  const readFrom = Date.now();
  const st = fstatSync(fd);
  if (!st.isFile()) return imageError('file', 'is not a regular file');
  const size = st.size;
  if (size === 0) return imageError('magic', 'the file is empty, not an image');
  const pre = new Uint8Array(PREAMBLE_BYTES);
  const have = Math.min(PREAMBLE_BYTES, size);
  if (!readFully(fd, pre, 0, have, 0)) return imageError('file', 'cannot be read');
  // The file's digest: by its stamp when this user's sessions recorded it, else hashed as it is read.
  const directory = options.checked === undefined ? checkedDirectory() : options.checked;
  const stamp = directory === null ? null : stampOf(fd);
  const stamped = stamp === null ? null : recallStamp(stamp, directory);
  const digest = stamped === null ? fileDigest() : null;
  digest?.update(pre);
  for (let i = 0; i < Math.min(MAGIC.length, have); i++) {
    if (pre[i] !== MAGIC[i]) return imageError('magic', 'the file does not begin with "BEDROCK IMAGE": it is not an image');
  }
  if (size < PREAMBLE_BYTES) return imageError('size', `the file is truncated: ${size} bytes, shorter than an image's preamble`);
  const headerLength = readHead(pre, MAGIC.length, 0xce);
  if (headerLength < 0) return imageError('header', 'the header length is not a MessagePack uint32');
  if (headerLength > MAX_HEADER_BYTES) return imageError('header', `a header of ${headerLength} bytes is longer than any image's (${MAX_HEADER_BYTES})`);
  if (size < PREAMBLE_BYTES + headerLength + 5) return imageError('size', `the file is truncated: ${size} bytes, shorter than its header (${headerLength} bytes)`);
  const headerBytes = new Uint8Array(headerLength + 5);
  if (!readFully(fd, headerBytes, 0, headerLength + 5, PREAMBLE_BYTES)) return imageError('size', 'the file is truncated inside its header');
  digest?.update(headerBytes);
  const headerCrc = readHead(headerBytes, headerLength, 0xce);
  const body = headerBytes.subarray(0, headerLength);
  if (headerCrc < 0) return imageError('header', 'the header\'s CRC-32 is not a MessagePack uint32');
  if (crc32Of(body) !== headerCrc) return imageError('checksum', 'the header\'s CRC-32 does not match: the header is damaged');
  const checked = checkHeader(decodeHeaderBytes(body));
  if (isImageError(checked)) return checked;
  const header = checked;
  const want = fileBytes(headerLength, header.segments);
  if (header.payload.bytes !== want - PREAMBLE_BYTES - headerLength - 5) return imageError('header', `the payload size (${header.payload.bytes}) does not match the segment table`);
  if (size < want) return imageError('size', `the file is truncated: ${size} bytes of ${want}`);
  if (size > want) return imageError('size', `the file has ${size - want} bytes after the image's end (${want} bytes)`);

  // The machine and heap of the saved geometry; the segments go straight into its memory.
  const g = header.machine, hp = header.heap;
  const machine = new Machine({
    cells: g.cells,
    lowCells: g.lowCells,
    fixedCells: g.fixedHi - g.lowCells,
    stackCells: g.stackCells,
    interrupt: options.interrupt,
  });
  if (machine.fixedHi !== g.fixedHi) return imageError('geometry', `the fixed space cannot be made to end at ${g.fixedHi}`);
  if (machine.fixedBoot !== header.segments[1].first) return imageError('geometry', `the machine's own objects end at ${machine.fixedBoot}, not where the fixed segment begins (${header.segments[1].first})`);
  // The machine's own objects (its stack's header, the exit stub), as it made them.
  const ownLo = machine.fixedLo, ownHi = machine.fixedBoot;
  const ownHeaders = [ownLo, ownHi - 2, ownHi - 1].map((c) => [machine.store.cells[c], machine.store.tags[c]] as const);
  const heap = new Heap(machine, { nurseryCells: hp.nurseryCells, maxCells: hp.maxCells, largeObjectCells: hp.largeObjectCells, growthFactor: hp.growthFactor });
  const store = machine.store;
  // (The heap may have grown memory to fit two nurseries above the fixed space: the nursery's
  // region then simply reaches the new top.)

  // Each bin goes where the header says; its framing is compared after the checksum, so that
  // damage anywhere is reported as damage. The checksum is part of the checks: it is computed
  // (over `pieces`, the payload's bytes in file order) only when no record of checks on these
  // very bytes stands for it (below), since reading 5 MB again after the read cost a start
  // ~13 ms here (and loading node:zlib ~5 ms).
  let position = PREAMBLE_BYTES + headerLength + 5;
  const payloadStart = position;
  const pieces: Uint8Array[] = [];
  let badFrame: string | null = null;
  const frameRead = (type: 0xdd | 0xc6, n: number, what: string): boolean => {
    const frame = new Uint8Array(5);
    if (!readFully(fd, frame, 0, 5, position)) return false;
    pieces.push(frame);
    digest?.update(frame);
    position += 5;
    if (badFrame === null && readHead(frame, 0, type) !== n) badFrame = `the payload's framing is wrong at ${what}`;
    return true;
  };
  const truncated = (): ImageError => imageError('size', 'the file is truncated in its payload');
  if (!frameRead(0xdd, 2 * header.segments.length, 'its start')) return truncated();
  for (const s of header.segments) {
    const cellBytes = store.bytes.subarray(s.first * 8, (s.first + s.cells) * 8);
    const tagBytes = store.tags.subarray(s.first, s.first + s.cells);
    for (const [what, view] of [[`the ${s.name} cells`, cellBytes], [`the ${s.name} tags`, tagBytes]] as const) {
      if (!frameRead(0xc6, view.length, what)) return truncated();
      if (!readFully(fd, view, 0, view.length, position)) return truncated();
      pieces.push(view);
      digest?.update(view);
      position += view.length;
    }
  }
  if (position - payloadStart !== header.payload.bytes) return imageError('payload', 'the payload is not the size the header says');
  const t1 = nowMs();

  // What the checks found in these very bytes before, if this user's sessions recorded it.
  let sha256 = digest === null ? stamped! : digest.digest('hex');
  let recalled = badFrame === null ? recallChecked(sha256, machine, directory) : null;
  // A stamp whose record is gone (or does not agree): the file is hashed after all.
  let hashed = digest !== null;
  if (recalled === null && !hashed) {
    sha256 = digestOfFile(fd);
    hashed = true;
    recalled = badFrame === null ? recallChecked(sha256, machine, directory) : null;
  }
  // Without a record, the checks: first the checksum and the framing.
  if (recalled === null) {
    let crc = 0;
    for (const p of pieces) crc = crc32Of(p, crc);
    if (crc !== header.payload.crc32) return imageError('checksum', 'the payload\'s CRC-32 does not match the header\'s: the file is damaged');
    if (badFrame !== null) return imageError('payload', badFrame);
  }
  // What the machine made itself must still be there.
  for (const [i, c] of [ownLo, ownHi - 2, ownHi - 1].entries()) {
    if (store.cells[c] !== ownHeaders[i][0] || store.tags[c] !== ownHeaders[i][1]) return imageError('machine', `cell ${c} (the machine's stack or exit stub) is not as the machine makes it`);
  }
  const bounds = {
    lowCells: g.lowCells, fixedLo: machine.fixedLo, fixedTop: hp.fixedTop, oldLo: machine.fixedHi, oldTop: hp.oldTop,
    nurseryLo: hp.nurseryLo, nurseryTop: hp.nurseryTop,
  };
  const remember = (): void => { if (stamp !== null && hashed) rememberStamp(stamp, stampOf(fd), sha256, readFrom, directory); };
  let heapFacts: HeapFacts, kernelFacts: KernelFacts;
  if (recalled) {
    ({ heap: heapFacts, kernel: kernelFacts } = recalled);
    // What the walk does besides checking: the cards, and the code caches of the code objects
    // after the machine's own.
    store.cards.fill(0);
    for (const c of recalled.cards) store.cards[c] = 1;
    machine.adoptCodes(heapFacts.code, machine.fixedBoot);
    remember();
  } else {
    const h = checkHeap(machine, bounds);
    if (isImageError(h)) return h;
    const k = checkKernel(machine, h, header.kernel.roots);
    if (isImageError(k)) return k;
    heapFacts = h;
    kernelFacts = k;
    const cards: number[] = [];
    for (let i = 0; i < store.cards.length; i++) if (store.cards[i] !== 0) cards.push(i);
    rememberChecked(sha256, { heap: heapFacts, kernel: kernelFacts, cards }, directory);
    remember();
  }

  // The heap's bounds and free lists.
  heap.fixedTop = hp.fixedTop;
  heap.oldTop = hp.oldTop;
  heap.oldEnd = hp.oldEnd;
  heap.nurseryLo = hp.nurseryLo;
  heap.nurseryTop = hp.nurseryTop;
  heap.nurseryEnd = store.cellCount;
  heap.clearFreeLists();
  const free = heapFacts.freeChunks;
  for (let i = 0; i < free.length; i += 2) heap.addFreeChunk(free[i], free[i + 1]);
  heap.fill = { value: BigInt(kernelFacts.nil), tag: TAG_PTR };
  // The stacks of processes that were waiting at the save (process-service.ts) are stacks again.
  for (const h of heapFacts.stacks) heap.stacks.push(h);
  const t2 = nowMs();
  return { ok: true, header, machine, heap, fileBytes: size, heapFacts, kernelFacts, digest: sha256, recalled: recalled !== null, stamped: !hashed, timing: { read: t1 - t0, check: t2 - t1 } };
}

/** Open the image at `path`: load and check it, then make its kernel (symbols, services, hooks). */
export function openImage(path: string, options: OpenOptions = {}): OpenedImage | ImageError {
  const loaded = loadImage(path, options);
  if (!loaded.ok) return loaded;
  const kernel = new Kernel(loaded.machine, loaded.heap, loaded.header.kernel.roots);
  const { symbols, symbolTexts } = loaded.kernelFacts;
  for (let i = 0; i < symbols.length; i++) kernel.symbols.adopt(symbols[i], symbolTexts[i]);
  return { ...loaded, kernel };
}
