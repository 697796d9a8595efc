/*
 * The suite's records of checked images (image/checked.ts) live in a directory of the run's
 * own (vitest.config.ts names it in BEDROCK_CHECKED); it goes when the run ends.
 */
import { rmSync } from 'node:fs';

export function teardown(): void {
  const dir = process.env.BEDROCK_CHECKED_SUITE;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
