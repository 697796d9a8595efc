/*
 * A method's text in the chunk format's form (what `fileOut` writes between the '!'s): its
 * pattern, then its body, whichever syntax its source was written in:
 *
 *   Point3 x: ax y: ay -> ^self new setX: ax y: ay     x: ax y: ay
 *                                                         ^self new setX: ax y: ay
 *   Animal >> speak [ ^name, ' barks' ]               speak
 *                                                         ^name, ' barks'
 *
 * A body in x86-64 stays x86-64 (Bedrock's chunk reader reads it back as assembly, as it does
 * after '->'). The source is parsed again to find where the pattern ends and the body begins.
 */
import type { MethodDefinition } from '../lang/ast.ts';
import { parse } from '../lang/parser.ts';

/** The method of `source` in chunk form, or null when the source is not one method. */
export function methodChunk(source: string): string | null {
  const r = parse(source);
  if (!r.ok || r.items.length !== 1 || r.items[0].kind !== 'method') return null;
  const m: MethodDefinition = r.items[0];
  const pattern = m.params.length === 0 ? m.selector
    : m.selector.endsWith(':') ? (m.selector.match(/[^:]+:/g) ?? []).map((k, i) => `${k} ${m.params[i].name}`).join(' ')
    : `${m.selector} ${m.params[0].name}`;
  let body: string;
  if (m.brackets === undefined && m.arrow === undefined) {
    body = m.body.kind === 'assembly' ? m.body.text : source.slice(m.body.span.start.offset);
  } else if (m.brackets !== undefined) {
    body = source.slice(m.brackets.open + 1, m.brackets.close);
  } else {
    body = source.slice(m.arrow !== undefined ? m.arrow + 2 : m.body.span.start.offset);
  }
  const lines = body.replace(/^[ \t]*\n/, '').trimEnd();
  if (lines === '') return pattern;
  // A body that began on the header's line gets the indentation its other lines have.
  return body.startsWith('\n') || /^[ \t]*\n/.test(body) ? `${pattern}\n${lines}` : `${pattern}\n    ${lines.trimStart()}`;
}
