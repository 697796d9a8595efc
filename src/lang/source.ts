/*
 * A source text with its line map: offsets to 1-based line and column, spans, and the text of
 * a line (for error messages). Columns count UTF-16 code units, as editors and the offsets do;
 * a tab is one column.
 *
 * A text may be a transformation of what was written that only drops characters (the chunk
 * format's doubled `!!` read as one `!`): then offsets stay offsets in the text the lexer
 * reads, while lines, columns and line texts are those of the original, so that errors point
 * where the file says. A source may also carry the name of its file, for messages.
 */
import type { Position, Span } from './ast.ts';

/** Where a text came from: its file, the line it starts on, what was written when the text is not that. */
export interface SourceOptions {
  /** The file's name, for messages. */
  readonly name?: string;
  /** The line of the file the text begins on (1 unless the text is an excerpt). */
  readonly firstLine?: number;
  readonly original?: Original;
}

/** Where a text came from, when it is not what was written character for character. */
export interface Original {
  /** The text as written. */
  readonly text: string;
  /** Offsets in the transformed text before which one character of the original was dropped, ascending. */
  readonly dropped: readonly number[];
}

export class SourceText {
  /** Offset of the first character of each line of the original; line n (1-based) starts at lineStarts[n - 1]. */
  readonly lineStarts: readonly number[];
  private readonly written: string;
  private readonly dropped: readonly number[];
  private readonly firstLine: number;
  readonly name?: string;

  constructor(readonly text: string, options: SourceOptions = {}) {
    this.written = options.original?.text ?? text;
    this.dropped = options.original?.dropped ?? [];
    this.firstLine = options.firstLine ?? 1;
    if (options.name !== undefined) this.name = options.name;
    const starts = [0];
    const w = this.written;
    for (let i = 0; i < w.length; i++) if (w.charCodeAt(i) === 10) starts.push(i + 1);
    this.lineStarts = starts;
  }

  get length(): number {
    return this.text.length;
  }

  /** The offset in the original of an offset in the text. */
  private originalOffset(offset: number): number {
    const d = this.dropped;
    if (d.length === 0) return offset;
    let lo = 0, hi = d.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (d[mid] <= offset) lo = mid + 1; else hi = mid;
    }
    return offset + lo;
  }

  /** The 0-based index of the original line holding original offset `at`. */
  private lineIndexAt(at: number): number {
    let lo = 0, hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The 0-based index of the line holding `offset` (an offset at a line's end is on that line). */
  lineIndex(offset: number): number {
    return this.lineIndexAt(this.originalOffset(offset));
  }

  /** The offset (in the text) where the line holding `offset` starts. */
  lineStartOf(offset: number): number {
    if (this.dropped.length === 0) return this.lineStarts[this.lineIndex(offset)];
    let i = offset;
    while (i > 0 && this.text.charCodeAt(i - 1) !== 10) i--;
    return i;
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const at = this.originalOffset(clamped);
    const index = this.lineIndexAt(at);
    return { offset: clamped, line: index + this.firstLine, column: at - this.lineStarts[index] + 1 };
  }

  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end) };
  }

  /** The text of a line (of the original, numbered as positions number them), without its line break. */
  lineText(line: number): string {
    const index = line - this.firstLine;
    const start = this.lineStarts[index] ?? this.written.length;
    const next = this.lineStarts[index + 1];
    const end = next === undefined ? this.written.length : next - 1;
    return this.written.slice(start, end).replace(/\r$/, '');
  }

  /** "line 3, column 7", for messages that point back at an earlier place. */
  where(offset: number): string {
    const p = this.position(offset);
    return `line ${p.line}, column ${p.column}`;
  }
}
