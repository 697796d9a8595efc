// esbuild plugins that every bundle of the system uses (bin/build.mjs: the command line and the
// actors' worker; bin/bench.mjs: the benchmarks), so that what is timed is what runs.
import { readdirSync, readFileSync } from 'node:fs';

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

/**
 * A bundle's top-level constants as `const` again. esbuild writes every top-level declaration of
 * a bundle as `var` (so that modules can be joined in one scope), and V8 folds only a `const`
 * into the code that reads it: each read of `STATE.FLAG_A`'s copy, `TAG_CODE`, `CARD_SHIFT` in
 * the interpreter, the collector or the snapshots loaded a variable, and the bundled
 * interpreter ran 20-25% slower than the same bundle with these back as `const` (sends.fib
 * interpreted 2.7 -> 3.4 M calls/s, machine.memory-loop interpreted 124 -> 154 M instructions a
 * second). Run on esbuild's own printing of a bundle (not minified: one top-level statement a
 * line, continued on indented lines), a `var` statement becomes `const` only when each name it
 * declares is declared `const` at the top of one of the project's sources (`sourceConsts`:
 * TypeScript has checked that it is never assigned; esbuild may have added digits to tell two
 * apart), nothing in the whole bundle assigns it, and its value is data this scanner can read to
 * its end: literals, names, member chains, arithmetic, object and array literals, `new` and
 * calls of those (no functions, no classes, no template strings, nothing with a `/` but
 * comments). Anything else stays `var`, as esbuild wrote it.
 */
export function constTopLevel(text, sourceConsts) {
  const lines = text.split('\n');
  const out = [];
  let changed = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('var ')) { out.push(lines[i]); continue; }
    let j = i;
    while (j + 1 < lines.length && /^[ \t})\]]/.test(lines[j + 1]) && !/;$/.test(lines[j])) j++;
    const statement = lines.slice(i, j + 1).join('\n');
    const names = declaredNames(statement.slice(4));
    if (names && names.every((n) => sourceConsts.has(n.replace(/\d+$/, '')) && !assigned(text, n))) {
      out.push('const' + statement.slice(3));
      changed += names.length;
    } else {
      out.push(statement);
    }
    i = j;
  }
  return { text: out.join('\n'), changed };
}

/** The names `a = 1, b = X.y;` declares, or null when a declarator is not plain data (constTopLevel). */
function declaredNames(declarators) {
  const names = [];
  let k = 0;
  const n = declarators.length;
  for (;;) {
    const m = /^([\w$]+) = /.exec(declarators.slice(k));
    if (!m) return null;
    names.push(m[1]);
    k += m[0].length;
    let depth = 0;
    for (;; k++) {
      if (k >= n) return null;
      const c = declarators[k];
      if (c === '"' || c === "'") {
        for (k++; k < n && declarators[k] !== c; k++) if (declarators[k] === '\\') k++;
      } else if (c === '/' && declarators[k + 1] === '*') {
        const end = declarators.indexOf('*/', k + 2);
        if (end < 0) return null;
        k = end + 1;
      } else if (c === '/' || c === '`' || c === '=' && declarators[k + 1] === '>') {
        return null;
      } else if (c === '(' || c === '[' || c === '{') {
        depth++;
      } else if (c === ')' || c === ']' || c === '}') {
        depth--;
      } else if (depth === 0 && (c === ',' || c === ';')) {
        break;
      }
    }
    if (/\b(function|class)\b/.test(declarators.slice(0, k))) return null;
    if (declarators[k] === ';') return declarators.slice(k + 1).trim() === '' ? names : null;
    k++;
    while (declarators[k] === ' ' || declarators[k] === '\n') k++;
  }
}

/**
 * Whether anything in `text` but its declaration may assign the top-level name `n`
 * (constTopLevel): `n = `, `n += ` and the like, `n++`, `--n`, `for (n of`, or a destructuring
 * `[..., n, ...] = ` / `({ ..., n, ... } = `. A local of the same name counts too (so the name
 * stays `var`: the check errs that way).
 */
function assigned(text, n) {
  const e = n.replace(/\$/g, '\\$');
  const name = `(?<![\\w$.])${e}(?![\\w$])`;
  const writes = new RegExp([
    `${name}\\s*(?:[-+*/%&|^]|\\*\\*|<<|>>>?|\\?\\?|\\|\\||&&)?=(?![=>])`,
    `(?:\\+\\+|--)\\s*${name}`,
    `${name}\\s*(?:\\+\\+|--)`,
    `for\\s*\\(\\s*${name}\\s+(?:of|in)\\b`,
    `(?<![\\w$)\\]])\\[[^;=\\]]*${name}[^;=]*\\]\\s*=(?![=>])`,
    `\\(\\s*\\{[^;=}]*${name}[^;=]*\\}\\s*=(?![=>])`,
  ].join('|'), 'g');
  let count = 0;
  for (const m of text.matchAll(writes)) {
    // The one allowed is the declaration itself: `var n = ` at the start of a line, or `, n = ` in one.
    const before = text.slice(Math.max(0, m.index - 4), m.index);
    if (++count > 1 || !m[0].startsWith(n) || !(before === 'var ' || before.endsWith(', '))) return true;
  }
  return count !== 1;
}

/**
 * The names declared `const` at the top of the TypeScript sources under `dirs` (of `root`):
 * `const X = ` or `export const X = ` at the start of a line, and the names after it on that
 * line (`const A = ..., B = ...;`), for constTopLevel.
 */
export function sourceConstNames(root, dirs) {
  const names = new Set();
  const visit = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) { visit(path); continue; }
      if (!/\.tsx?$/.test(e.name)) continue;
      for (const m of readFileSync(path, 'utf8').matchAll(/^(?:export )?const ([\w$]+) = (.*)$/gm)) {
        names.add(m[1]);
        for (const more of m[2].matchAll(/, ([\w$]+) = /g)) names.add(more[1]);
      }
    }
  };
  for (const d of dirs) visit(root + d);
  return names;
}
