/*
 * A source text with its line map: offsets to 1-based line and column, spans, and the text of
 * a line (for error messages). Columns count UTF-16 code units, as editors and the offsets do;
 * a tab is one column.
 */
import type { Position, Span } from './ast.ts';

export class SourceText {
  /** Offset of the first character of each line; line n (1-based) starts at lineStarts[n - 1]. */
  readonly lineStarts: readonly number[];

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
    this.lineStarts = starts;
  }

  get length(): number {
    return this.text.length;
  }

  /** The 0-based index of the line holding `offset` (an offset at a line's end is on that line). */
  lineIndex(offset: number): number {
    let lo = 0, hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The offset where the line holding `offset` starts. */
  lineStartOf(offset: number): number {
    return this.lineStarts[this.lineIndex(offset)];
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const index = this.lineIndex(clamped);
    return { offset: clamped, line: index + 1, column: clamped - this.lineStarts[index] + 1 };
  }

  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end) };
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    const next = this.lineStarts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, '');
  }

  /** "line 3, column 7", for messages that point back at an earlier place. */
  where(offset: number): string {
    const p = this.position(offset);
    return `line ${p.line}, column ${p.column}`;
  }
}
