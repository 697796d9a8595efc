/*
 * A save never writes an image that will not open (issue 11 item 9): before the rename, the
 * file as written goes through the checks an open makes. A heap spoiled in a way the open
 * refuses (here a pointer in low memory that points at no object, written straight into the
 * machine's memory) is not saved: the save says why, the image on disk is unchanged, and the
 * journal keeps the changes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TAG_PTR } from '../../kernel/machine/cells.ts';
import { Session } from '../../src/session/session.ts';
import { systemImagePath } from '../support/system.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-save-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(path: string): Session {
  const s = Session.open(path, { template: systemImagePath('native') });
  if (!(s instanceof Session)) throw new Error(`${s.check}: ${s.message}`);
  return s;
}

describe('a save runs the checks an open runs', () => {
  it('refuses a heap that would not open, changes nothing on disk, and keeps the journal', () => {
    const path = join(dir, 'spoiled.image');
    const s = open(path);
    const before = readFileSync(path);
    expect(s.evaluate('Kept := 6 * 7').map((o) => o.text)).toEqual(['42']);
    const st = s.bedrock.kernel.machine.store;
    const cell = 100, old = [st.cells[cell], st.tags[cell]] as const;
    st.cells[cell] = BigInt(8 * (s.bedrock.kernel.machine.fixedLo + 3)); // inside the stack object's header area: no object starts there
    st.tags[cell] = TAG_PTR;
    const r = s.save();
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/^refused to save .*spoiled\.image: the image would not open again \(\w+ check failed: .*\); the image on disk is unchanged, and the journal keeps the changes$/);
    expect(readFileSync(path).equals(before)).toBe(true);
    // Put right, it saves.
    st.cells[cell] = old[0];
    st.tags[cell] = old[1];
    expect(s.save()).toEqual({ ok: true });
    s.close();
    const t = open(path);
    expect(t.evaluate('Kept').map((o) => o.text)).toEqual(['42']);
    t.close();
  });
});
