/*
 * A grapheme segmenter that makes an Intl.Segmenter only when a text needs one.
 *
 * Ink measures and cuts every piece of text with packages (string-width, slice-ansi,
 * @alcalzone/ansi-tokenize) that each make an Intl.Segmenter when they are loaded; the first
 * one made loads ICU's break rules, tens of milliseconds of the REPL's start. The build
 * (bin/build.mjs) makes them call lazySegmenter instead. A text whose every code unit is one of
 * SIMPLE's is split here, one grapheme per code unit, as Intl.Segmenter splits it: each of those
 * characters has Grapheme_Cluster_Break Other or Control (Unicode's UAX #29), and no rule joins
 * two such characters except CR LF, so CR is not one of them. Any other text goes to a real
 * Intl.Segmenter, made at its first use. test/repl/segmenter.test.ts compares the two.
 */

/** Is code unit c one that is a grapheme by itself next to any other of these? */
export function isSimple(c: number): boolean {
  return c <= 0xff ? c !== 0x0d // Latin-1: controls, ASCII, punctuation, letters; CR joins LF
    : (c >= 0x2010 && c <= 0x2027) // dashes, quotes, bullets, ellipsis
      || (c >= 0x2030 && c <= 0x205e) // per mille, primes, angle quotes (›) ...
      || (c >= 0x2190 && c <= 0x21ff) // arrows
      || (c >= 0x2500 && c <= 0x25ff); // box drawing, blocks, geometric shapes
}

interface Piece { segment: string; index: number; input: string }

/** What Intl.Segmenter#segment answers, for a text of simple code units only. */
class SimpleSegments {
  constructor(private readonly input: string) {}

  containing(index = 0): Piece | undefined {
    const i = Math.trunc(Number(index) || 0);
    return i >= 0 && i < this.input.length ? { segment: this.input[i], index: i, input: this.input } : undefined;
  }

  *[Symbol.iterator](): Iterator<Piece> {
    const s = this.input;
    for (let i = 0; i < s.length; i++) yield { segment: s[i], index: i, input: s };
  }
}

/** Stands in for `new Intl.Segmenter(locales, options)` (graphemes, the default). */
export function lazySegmenter(locales?: string | string[], options?: Intl.SegmenterOptions): { segment(text: string): Iterable<Piece> } {
  let real: Intl.Segmenter | null = null;
  const make = (): Intl.Segmenter => (real ??= new Intl.Segmenter(locales, options));
  if ((options?.granularity ?? 'grapheme') !== 'grapheme') return make() as unknown as { segment(text: string): Iterable<Piece> };
  return {
    segment(text: string) {
      const s = String(text);
      for (let i = 0; i < s.length; i++) if (!isSimple(s.charCodeAt(i))) return make().segment(s) as unknown as Iterable<Piece>;
      return new SimpleSegments(s);
    },
  };
}
