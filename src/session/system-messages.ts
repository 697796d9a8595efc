/*
 * The dot-commands that change the system are the same operations as messages in the language
 * (`Smalltalk mark: 'name'`, `Smalltalk forget: 'name'`), evaluated as source so that the
 * changes journal records them like any other change. This adapter asks the image whether its
 * `Smalltalk` global understands the message; an image that does not (one made before those
 * messages existed) is served by the kernel's own mark and forget instead.
 */
import { TAG_PTR } from '../../kernel/machine/cells.ts';
import { classIndexOfValue, lookup } from '../../kernel/objects/classes.ts';
import type { Workspace } from './workspace.ts';

/** Does the global `name` answer `selector`? */
export function globalUnderstands(ws: Workspace, name: string, selector: string): boolean {
  const k = ws.bedrock.kernel;
  const g = k.global(name);
  const symbol = k.symbols.find(selector);
  if (!g || g.tag !== TAG_PTR || symbol === undefined) return false;
  return lookup(k, classIndexOfValue(k, g.value, g.tag), symbol) >= 0;
}

const quoted = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Source that marks the system, or null when the image has no such message. */
export function markSource(ws: Workspace, name: string): string | null {
  return globalUnderstands(ws, 'Smalltalk', 'mark:') ? `Smalltalk mark: ${quoted(name)}` : null;
}

export function forgetSource(ws: Workspace, name: string): string | null {
  return globalUnderstands(ws, 'Smalltalk', 'forget:') ? `Smalltalk forget: ${quoted(name)}` : null;
}

/** The marks, newest first. */
export function systemMarks(ws: Workspace): string[] {
  return ws.marks();
}
