// esbuild plugins that every bundle of the system uses (bin/build.mjs: the command line and the
// actors' worker; bin/bench.mjs: the benchmarks), so that what is timed is what runs.
import { readFileSync } from 'node:fs';

/**
 * The interpreter's dispatch with literal cases. kernel/machine/interpreter.ts names each
 * routine once at its top (`const ADD_RI = OP.ADD_RI;`) and switches on those names, which
 * V8 folds to constants when the file runs as a module of its own (tsx, tests). A bundle
 * turns every top-level const into a var, which V8 cannot fold: each case loaded a variable
 * and compared, one after another, and the bundled interpreter ran 1.6 times slower (55 M
 * against 72 M instructions a second on sends.fib.native.interpreted). OP is an enum, whose
 * members esbuild writes as numbers, so here, and only in bundles, `case ADD_RI:` becomes
 * `case OP.ADD_RI:` (then `case 8 /* ADD_RI *\/:`) and `op === CALL_RM` `op === OP.CALL_RM`: V8
 * dispatches literal cases through a jump table. The build fails when the file no longer
 * looks as this expects.
 */
export const opcodeCases = {
  name: 'opcode-cases',
  setup(b) {
    b.onLoad({ filter: /[\\/]kernel[\\/]machine[\\/]interpreter\.ts$/ }, (args) => {
      try {
        return { contents: withOpcodeCases(readFileSync(args.path, 'utf8')), loader: 'ts' };
      } catch (e) {
        return { errors: [{ text: e.message }] };
      }
    });
  },
};

/** The interpreter's source with OP's members in place of its names for them (opcodeCases). */
export function withOpcodeCases(source) {
  const aliases = [...source.matchAll(/^const (\w+) = OP\.(\w+);$/gm)];
  const names = new Set(aliases.filter(([, name, member]) => name === member).map(([, name]) => name));
  let cases = 0;
  const contents = source.replace(/(case |[=!]== )(\w+)\b(?!\.)/g, (all, before, name) => {
    if (!names.has(name)) return all;
    if (before === 'case ') cases++;
    return `${before}OP.${name}`;
  });
  if (names.size < 40 || names.size !== aliases.length || cases < 40) {
    throw new Error(`kernel/machine/interpreter.ts does not name its routines as bin/bundle-plugins.mjs expects (${names.size} names of OP's members, ${cases} cases): update its opcode-cases plugin`);
  }
  return contents;
}
