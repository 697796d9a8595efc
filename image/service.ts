/*
 * The IMAGE host service (layout.ts SERVICE.IMAGE): how the language asks for a save.
 *
 *   IMAGE   rsi = 0: save the image under its own name (`Image save`)
 *           rsi = a String or Symbol: save it under that name (`Image saveAs: 'x.image'`)
 *           -> rax passes through; the save is made when the top-level evaluation that asked
 *              for it ends (the Session then saves, and reports a failure as an error)
 *
 * A save cannot be made while machine code runs (its frames are on the stack, its registers
 * live), so the service only records the request. The Session installs the service on its
 * machine; a machine without a session has none, and `Image save` faults there.
 */
import { TAG_NUM, TAG_PTR } from '../kernel/machine/cells.ts';
import type { HostService } from '../kernel/machine/machine.ts';
import { classIndexOf, formatOf, isObject, textOf } from '../kernel/objects/access.ts';
import { CLASS, isSymbolClass } from '../kernel/objects/layout.ts';

const RSI = 6;

/** A service that hands each request to `request` (null: the image's own name). */
export function imageService(request: (path: string | null) => void): HostService {
  return (m) => {
    const tag = m.registerTag(RSI), value = m.register(RSI);
    if (tag === TAG_NUM && value === 0n) {
      request(null);
      return null;
    }
    const p = Number(value);
    if (tag !== TAG_PTR || !isObject(m, p) || (classIndexOf(m, p) !== CLASS.String && !isSymbolClass(classIndexOf(m, p)))) {
      return 'Image saveAs: needs a String naming the file';
    }
    const path = textOf(m, p);
    if (path.trim() === '' || path.includes('\0')) return `Image saveAs: '${path}' is not a file name`;
    request(path);
    return null;
  };
}
