/*
 * The outside programs differential tests compare against (GNU as, nm, objcopy, objdump, gcc
 * for the real CPU, tmux for a real terminal). On a developer's machine a missing one skips
 * the tests that need it, with a warning. Under CI (.ci/run sets BEDROCK_REQUIRE_ORACLES=1,
 * and installs them first) a missing one is a failing test instead, so that a green CI
 * proves every oracle ran.
 */
import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

export const ORACLES_REQUIRED = process.env.BEDROCK_REQUIRE_ORACLES === '1';

/** Does `tool` run here (answering `args`, --version by default)? */
export function haveTool(tool: string, args: readonly string[] = ['--version']): boolean {
  const r = spawnSync(tool, [...args], { encoding: 'utf8' });
  return r.error === undefined && r.status === 0;
}

/** The tools of `tools` that are missing, as a sentence, or '' when all run. */
export function missingTools(tools: readonly (string | readonly [string, readonly string[]])[]): string {
  const gone = tools.filter((t) => (typeof t === 'string' ? !haveTool(t) : !haveTool(t[0], t[1]))).map((t) => (typeof t === 'string' ? t : t[0]));
  return gone.length === 0 ? '' : `${gone.join(', ')} ${gone.length === 1 ? 'is' : 'are'} not installed`;
}

/**
 * Whether the tests named `what` can run: true when nothing is `missing` (''); otherwise
 * false, after a warning, or (under CI) after registering a test that fails and says why.
 */
export function oraclesPresent(what: string, missing: string): boolean {
  if (missing === '') return true;
  if (ORACLES_REQUIRED) {
    describe(what, () => {
      it('has its oracles (BEDROCK_REQUIRE_ORACLES=1)', () => { throw new Error(`${what} cannot run: ${missing}`); });
    });
  } else {
    console.warn(`SKIPPED: ${what}: ${missing}`);
  }
  return false;
}
