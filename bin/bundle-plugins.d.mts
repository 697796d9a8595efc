// Types of bin/bundle-plugins.mjs, for the test that uses it.
import type { Plugin } from 'esbuild';
/** The interpreter's dispatch with literal cases in a bundle. */
export declare const opcodeCases: Plugin;
/** The interpreter's source with OP's members in place of its names for them; throws when it does not look as expected. */
export declare function withOpcodeCases(source: string): string;
