/*
 * The text of a compile error: "line 2, column 5: message" (or "file.st:2:5: message" when the
 * item came from a file), the line of source it is on, and a caret under the place.
 */
import { placeText, type Span } from '../lang/ast.ts';
import type { SourceText } from '../lang/source.ts';

/**
 * "line 2, column 5: message" (or "file.st:2:5: message") with the source line and a caret:
 * the line from the text the item was parsed from, when known, else from its source.
 */
export function compileErrorText(message: string, span: Span, source: string, item: Span, origin?: SourceText): string {
  if (origin !== undefined && span.start.offset <= origin.length) {
    const line = origin.lineText(span.start.line);
    return `${placeText(span.start, origin.name)}: ${message}\n  ${line}\n  ${' '.repeat(Math.max(0, span.start.column - 1))}^`;
  }
  const lines = source.split('\n');
  const lineIndex = span.start.line - item.start.line;
  const line = lines[lineIndex] ?? lines[0] ?? '';
  const column = lineIndex === 0 ? span.start.column - item.start.column + 1 : span.start.column;
  return `line ${span.start.line}, column ${span.start.column}: ${message}\n  ${line}\n  ${' '.repeat(Math.max(0, column - 1))}^`;
}
