/*
 * A test that answers before the regular expression of every emoji has to be compiled.
 *
 * string-width (which Ink measures every piece of text with) tests each grapheme of a text
 * that is not plain ASCII against /^\p{RGI_Emoji}$/v, and V8 compiles that expression, the
 * whole Unicode emoji set, at its first use: tens of milliseconds, paid by the REPL's first
 * frame, whose prompt (›) and status line (·) are not ASCII. Every RGI emoji is a code point
 * from U+231A (⌚) up, or a sequence of two or more code units (a keycap, ©️ with its
 * variation selector, a flag, a surrogate pair...), so a grapheme of one code unit below
 * U+231A is none: the build (bin/build.mjs) puts this test in front of string-width's, and
 * test/repl/emoji.test.ts checks the claim against the expression for every such code unit.
 */

/** Could this grapheme be an RGI emoji? False only when it certainly is not. */
export function mayBeEmoji(segment: string): boolean {
  return segment.length !== 1 || segment.charCodeAt(0) >= 0x231a;
}
