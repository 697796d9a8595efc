// Types of bin/bundle-plugins.mjs, for the test that uses it.
import type { Plugin } from 'esbuild';
/** The interpreter's dispatch with literal cases in a bundle. */
export declare const opcodeCases: Plugin;
/** The interpreter's source with OP's members in place of its names for them; throws when it does not look as expected. */
export declare function withOpcodeCases(source: string): string;
/** A bundle's top-level `var`s that are the sources' constants, as `const` again; and how many names. */
export declare function constTopLevel(text: string, sourceConsts: ReadonlySet<string>): { text: string; changed: number };
/** The names declared const at the top of the TypeScript sources under root's dirs. */
export declare function sourceConstNames(root: string, dirs: readonly string[]): Set<string>;
