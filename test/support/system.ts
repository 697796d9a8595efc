/*
 * A booted system for tests, fast: genesis and the system's sources take seconds, opening an
 * image of them about a tenth of one. bootSystem({ backend }) boots once for a given state of
 * the sources (a hash of every file under bootstrap/, kernel/, src/ and image/), the backend
 * and the tier (BEDROCK_TIER), saves the result as an image in the temporary directory, and
 * from then on, in this process and in every other test file, opens that image instead. So a
 * test gets what a user of `bedrock` gets (a system opened from an image), and the image
 * round trip is exercised as a side effect. Options beyond the backend and the step limit
 * (a machine or heap of another shape, other kernel fragments) boot for real every time, and
 * so does test/objects/bootstrap.test.ts, which tests the boot itself.
 *
 *   bootstrap/ kernel/ src/ image/ ──sha256──▶ KEY
 *   $TMPDIR/bedrock-test-images/KEY-BACKEND-TIER.image   (written once: temp file, rename)
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openImage } from '../../image/open.ts';
import { saveImage } from '../../image/save.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import type { Backend } from '../../src/compiler/compiler.ts';
import { Bedrock, type BedrockOptions } from '../../src/system/bedrock.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = ['bootstrap', 'kernel', 'src', 'image'];
const CACHE = join(tmpdir(), 'bedrock-test-images');

let sourceKey: string | null = null;

function hashTree(hash: ReturnType<typeof createHash>, dir: string): void {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) hashTree(hash, path);
    else if (st.isFile()) hash.update(path.slice(ROOT.length)).update('\0').update(readFileSync(path)).update('\0');
  }
}

function key(): string {
  if (sourceKey === null) {
    const hash = createHash('sha256');
    for (const d of SOURCES) hashTree(hash, join(ROOT, d));
    sourceKey = hash.digest('hex').slice(0, 16);
  }
  return sourceKey;
}

function bootOrThrow(options: BedrockOptions): Bedrock {
  const b = Bedrock.boot(options);
  if (typeof b === 'string') throw new Error(b);
  return b;
}

/** A system with the whole bootstrap loaded, from the cached image when it may be. */
export function bootSystem(options: BedrockOptions = {}): Bedrock {
  const backend: Backend = options.backend ?? 'native';
  const plain = Object.keys(options).every((k) => k === 'backend' || k === 'steps');
  if (!plain) return bootOrThrow(options);
  const tier = process.env.BEDROCK_TIER ?? 'auto';
  const path = join(CACHE, `${key()}-${backend}-${tier}.image`);
  const opened = openCached(path);
  if (opened) return Bedrock.resume(opened, { backend, ...(options.steps !== undefined && { steps: options.steps }) });
  const b = bootOrThrow({ backend });
  mkdirSync(CACHE, { recursive: true });
  const temp = `${path}.${process.pid}-${Math.random().toString(36).slice(2)}`;
  const saved = saveImage(b.kernel, temp, { backend, journal: { id: `test-${key()}`, seq: 0, offset: 0 } });
  if (!saved.ok) throw new Error(`the test image could not be saved: ${saved.error}`);
  renameSync(temp, path);
  rmSync(`${temp}.bak`, { force: true });
  // The booted system's own state is what was saved; hand out an opened copy, like every later caller.
  const reopened = openCached(path);
  if (!reopened) throw new Error(`the test image just saved at ${path} does not open`);
  return Bedrock.resume(reopened, { backend, ...(options.steps !== undefined && { steps: options.steps }) });
}

/** The printed results of `source`'s items; an error in any of them throws, naming it. */
export function evaluateOk(b: Bedrock, source: string): string[] {
  const out = b.evaluate(source);
  const bad = out.find((o) => o.kind === 'error');
  if (bad) throw new Error(`${bad.source}: ${bad.text}`);
  return out.map((o) => o.text);
}

/** The file of the cached system image for `backend` (made when there is none): a template for sessions. */
export function systemImagePath(backend: Backend = 'native'): string {
  bootSystem({ backend });
  return join(CACHE, `${key()}-${backend}-${process.env.BEDROCK_TIER ?? 'auto'}.image`);
}

function openCached(path: string): Kernel | null {
  let st;
  try { st = statSync(path); } catch { return null; }
  if (!st.isFile()) return null;
  const o = openImage(path);
  if (!o.ok) return null;
  return o.kernel;
}
