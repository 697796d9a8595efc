import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// The records of checked images (image/checked.ts) that tests make go to a directory of this
// run's, not to the user's own (~/.cache/bedrock/checked).
const checked = join(tmpdir(), `bedrock-checked-test-${process.pid}`);
process.env.BEDROCK_CHECKED_SUITE = checked; // for test/setup/checked-records.ts, which removes it

/*
 * Two runs of the suite. `auto`: every test as a user runs Bedrock (the tier translates what is
 * hot). `translated`: the tests that execute machine code again, with every code object
 * translated to WebAssembly at its first call (BEDROCK_TIER=translate), so each of them also
 * checks the translator against what the interpreter gives. (The differential tests in
 * test/tier and test/machine/execution.test.ts run both tiers side by side themselves.)
 */
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { BEDROCK_CHECKED: checked },
    globalSetup: ['test/setup/checked-records.ts'],
    projects: [
      { extends: true, test: { name: 'auto', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'translated',
          include: ['test/machine/tags.test.ts', 'test/machine/robustness.test.ts', 'test/memory/**/*.test.ts',
            'test/objects/**/*.test.ts', 'test/compiler/**/*.test.ts', 'test/system/corpus.test.ts',
            'test/system/exceptions.test.ts', 'test/system/stress.test.ts', 'test/system/deep.test.ts'],
          env: { BEDROCK_TIER: 'translate', BEDROCK_CHECKED: checked },
        },
      },
    ],
  },
});
