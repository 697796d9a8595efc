/*
 * A small seeded random number generator for reproducible random tests. The seed comes
 * from BEDROCK_SEED when set, so any failure can be replayed; tests print the seed they use.
 */

export interface Random {
  readonly seed: number;
  /** A uint32. */
  next(): number;
  /** An integer in [0, n). */
  below(n: number): number;
  /** One element of `items`. */
  pick<T>(items: readonly T[]): T;
  /** true with probability p. */
  chance(p: number): boolean;
  /** A random 64-bit value, biased toward edge cases. */
  int64(): bigint;
}

/** mulberry32: tiny, fast, and good enough for choosing test cases. */
export function makeRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const below = (n: number): number => Math.floor((next() / 2 ** 32) * n);
  const EDGES = [0n, 1n, -1n, 2n, 0x7fn, 0x80n, 0xffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 2n ** 32n, 2n ** 63n - 1n, -(2n ** 63n)];
  return {
    seed,
    next,
    below,
    pick: (items) => items[below(items.length)],
    chance: (p) => next() / 2 ** 32 < p,
    int64: () => {
      switch (below(4)) {
        case 0: return EDGES[below(EDGES.length)];
        case 1: return BigInt(below(512) - 256);
        default: return BigInt.asIntN(64, (BigInt(next()) << 32n) | BigInt(next()));
      }
    },
  };
}

/** The seed for this run: BEDROCK_SEED, or a fresh one. */
export function testSeed(): number {
  const fromEnv = process.env.BEDROCK_SEED;
  if (fromEnv !== undefined && fromEnv !== '') return Number(fromEnv) >>> 0;
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}
