/*
 * src/repl/emoji.ts: the quick test the REPL's bundle puts in front of string-width's emoji
 * expression never says "not an emoji" of an RGI emoji: checked against the expression itself
 * for every grapheme it answers false for, and it lets through every emoji of some kinds.
 */
import { describe, expect, it } from 'vitest';
import { mayBeEmoji } from '../../src/repl/emoji.ts';

// (made at run time: the project's TypeScript target predates the v flag)
const RGI = new RegExp('^\\p{RGI_Emoji}$', 'v');

describe('mayBeEmoji', () => {
  it('is false only for what the RGI_Emoji expression rejects (every code unit below U+231A)', () => {
    const wrong: string[] = [];
    for (let c = 0; c < 0x10000; c++) {
      const s = String.fromCharCode(c);
      if (!mayBeEmoji(s) && RGI.test(s)) wrong.push(c.toString(16));
    }
    expect(wrong).toEqual([]);
  });

  it('lets through emoji of one code point, sequences and pairs', () => {
    for (const e of ['⌚', '⭐', '😀', '©️', '#️⃣', '🇫🇷', '👩‍💻', '✋🏽']) {
      expect(RGI.test(e), e).toBe(true);
      expect(mayBeEmoji(e), e).toBe(true);
    }
  });

  it('says no at once for the REPL\'s own characters', () => {
    for (const c of ['›', '·', '…', 'é']) expect(mayBeEmoji(c), c).toBe(false);
  });
});
