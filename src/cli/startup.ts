/*
 * The end of a start. bin/code-cache.cjs starts the bundles with V8's interrupt budget raised, so
 * that the loops a start runs once (opening an image) are not optimized, and leaves here a way
 * to put it back (globalThis[Symbol.for('bedrock.startupOver')]). The command line calls
 * startupOver() once the image is open, before any program runs, so that programs are
 * optimized as soon as ever. Without it (the sources through tsx, a test) it does nothing.
 */
const STARTUP_OVER = Symbol.for('bedrock.startupOver');

/** The start is over: V8 optimizes as it always does from now on. Idempotent. */
export function startupOver(): void {
  const over = (globalThis as Record<symbol, unknown>)[STARTUP_OVER];
  if (typeof over === 'function') over();
}
