/*
 * src/repl/segmenter.ts (the build gives it to Ink's text packages in place of Intl.Segmenter)
 * against Intl.Segmenter: the same graphemes, at the same indexes, from iteration and from
 * containing(), for texts of its simple characters, texts with others mixed in (CR LF,
 * combining marks, emoji, flags, Hangul), and random texts (the seed is printed).
 */
import { describe, expect, it } from 'vitest';
import { isSimple, lazySegmenter } from '../../src/repl/segmenter.ts';

const real = new Intl.Segmenter();
const pieces = (it: Iterable<{ segment: string; index: number }>): [string, number][] => [...it].map((p) => [p.segment, p.index]);

function same(text: string, why: string): void {
  const lazy = lazySegmenter().segment(text) as Iterable<{ segment: string; index: number }> & { containing(i: number): unknown };
  const want = real.segment(text);
  expect(pieces(lazy), `${why}: ${JSON.stringify(text)}`).toEqual(pieces(want));
  for (let i = -1; i <= text.length; i++) {
    const a = lazy.containing(i) as { segment: string; index: number } | undefined;
    const b = want.containing(i);
    expect(a && [a.segment, a.index], `${why}: containing(${i}) of ${JSON.stringify(text)}`).toEqual(b && [b.segment, b.index]);
  }
}

describe('lazySegmenter', () => {
  it('splits the REPL\'s own texts as Intl.Segmenter does', () => {
    for (const t of ['', 'Bedrock · bedrock.image · .help for commands and keys · Ctrl-D leaves', '› 3 + 4', '╭──╮\n│ok│\n╰──╯', '\u001b[1m7\u001b[22m', 'tab\there', '“quoted” – dash … ‹›']) same(t, 'fixed');
  });

  it('agrees on every simple code unit, and on each next to CR, LF, combining marks and emoji', () => {
    const others = ['\r', '\n', '\r\n', '\u0301', '\u200d', '\ufe0f', '👍', '🇫🇷', '한', '\u1100\u1161', 'e\u0301'];
    for (let c = 0; c <= 0xffff; c++) {
      if (!isSimple(c)) continue;
      const ch = String.fromCharCode(c);
      same(ch + ch + 'a', 'simple');
      if (c % 7 === 0) for (const o of others) { same(ch + o, 'mixed'); same(o + ch, 'mixed'); }
    }
  });

  it('agrees on random texts', () => {
    const seed = Date.now() >>> 0;
    console.log(`segmenter.test.ts seed ${seed}`);
    let x = seed || 1;
    const next = (): number => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
    const alphabet = ['a', ' ', '·', '›', '─', '\r', '\n', '\u001b', '\u0301', '\u200d', '\ufe0f', '👍', '🇫', '🇷', '가', '\u1100', '\u1161', '\u00ad', '…', '→'];
    for (let k = 0; k < 2000; k++) {
      let t = '';
      for (let n = next() % 12; n > 0; n--) t += alphabet[next() % alphabet.length];
      same(t, `seed ${seed}, text ${k}`);
    }
  });

  it('is a real Intl.Segmenter for words and sentences', () => {
    const words = lazySegmenter(undefined, { granularity: 'word' });
    expect(words).toBeInstanceOf(Intl.Segmenter);
  });
});
