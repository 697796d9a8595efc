/*
 * The session can always save (issue 17 item 7). An assembly method that jumps to the host's
 * exit stub with values pushed returns to the host with a stack that is not empty; every later
 * save was refused ("the stack is not empty"), and replaying the journal recreated that state.
 * Under translated code the same jump ended in "translated code returned an unknown status".
 * Now the host resets the stack after every top-level evaluation, and the tiers agree: the
 * statement answers, and the session saves, before and after a replay, on both tiers and
 * with both back ends.
 *
 * The method reads the exit stub's address from where the doit's call left it on the stack:
 * [rsp+56], under threaded code (each run of the doit is a top-level call whose return address
 * is the exit stub; a doit that runs straight through, as `Evil new go`, is threaded code on
 * either back end: compiler.ts runsOnce). A value answered (rather than a Tag or Bounds fault)
 * shows the jump reached the stub.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Session } from '../../src/session/session.ts';
import type { Backend } from '../../src/compiler/compiler.ts';
import { systemImagePath } from '../support/system.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-stack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OFFSET: Record<Backend, number> = { native: 56, threaded: 56 };

function withTier<T>(tier: string, f: () => T): T {
  const was = process.env.BEDROCK_TIER;
  process.env.BEDROCK_TIER = tier;
  try { return f(); } finally { if (was === undefined) delete process.env.BEDROCK_TIER; else process.env.BEDROCK_TIER = was; }
}

function open(path: string, options: { template?: string; backend?: Backend } = {}): Session {
  const s = Session.open(path, options);
  if (!(s instanceof Session)) throw new Error(`${s.check}: ${s.message}`);
  return s;
}

const texts = (s: Session, source: string): string[] => s.evaluate(source).map((o) => `${o.kind}: ${o.text.split('\n')[0]}`);

describe.each(['native', 'threaded'] as const)('a jump to the exit stub with values on the stack (%s)', (backend) => {
  const template = systemImagePath(backend);
  const run = (tier: string): string[] => withTier(tier, () => {
    const path = join(dir, `${backend}-${tier}.image`);
    const s = open(path, { template, backend });
    const seen = texts(s, `Object subclass: #Evil\nEvil go -> mov rcx, [rsp+${OFFSET[backend]}]; push 1; push 2; jmp rcx`);
    // Again and again: a stack left growing would overflow, or push the offset off the stub.
    for (let i = 0; i < 30; i++) seen.push(...texts(s, 'Evil new go'));
    seen.push(...texts(s, '3 + 4'));
    expect(s.bedrock.kernel.machine.register(4)).toBe(BigInt(s.bedrock.kernel.machine.stackHi));
    expect(s.save()).toEqual({ ok: true });
    seen.push(...texts(s, 'Evil new go'));
    // No save now: the journal replays it all into a fresh session, which still saves.
    s.close();
    const t = open(path);
    expect(t.recover()).toEqual({ replayed: 1 });
    expect(t.save()).toEqual({ ok: true });
    t.close();
    expect(open(path).close()).toBeUndefined();
    return seen;
  });

  it('answers, and the session saves, on both tiers alike', () => {
    const interpreted = run('interpret');
    expect(interpreted.slice(0, 3)).toEqual(['value: Evil', 'defined: Evil>>go', 'value: an Evil']);
    expect(interpreted.filter((t) => t === 'value: an Evil')).toHaveLength(31);
    expect(interpreted).toContain('value: 7');
    expect(run('translate')).toEqual(interpreted);
    expect(run('auto')).toEqual(interpreted);
  }, 120_000);
});
