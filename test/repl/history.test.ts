/*
 * History kept beside the image: one JSON string a line, multi-line entries whole, damaged
 * lines skipped, repeats kept once, a missing file an empty history.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendHistory, historyPath, loadHistory } from '../../src/session/history.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('history files', () => {
  it('lives beside the image', () => {
    expect(historyPath('/a/work.image')).toBe('/a/work.history');
    expect(historyPath('/a/work')).toBe('/a/work.history');
  });

  it('keeps entries, several lines and all, across a load', () => {
    const f = join(dir, 'h1.history');
    expect(loadHistory(f)).toEqual([]);
    const entries = ['3 + 4', 'Foo bar ->\n    ^"quoted" 42', '3 + 4', '3 + 4'];
    for (const e of entries) expect(appendHistory(f, e, [])).toBeNull();
    expect(loadHistory(f)).toEqual(['3 + 4', 'Foo bar ->\n    ^"quoted" 42', '3 + 4']);
    expect(readFileSync(f, 'utf8').split('\n')).toHaveLength(5);
  });

  it('skips a damaged line and says why it could not write', () => {
    const f = join(dir, 'h2.history');
    appendHistory(f, 'one', []);
    appendFileSync(f, '{not json\n');
    appendHistory(f, 'two', []);
    expect(loadHistory(f)).toEqual(['one', 'two']);
    expect(appendHistory(join(dir, 'no-such-dir', 'x.history'), 'x', [])).toMatch(/history not saved/);
  });
});
