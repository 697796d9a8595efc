// Types of bin/fresh.cjs, for the benchmarks that import it.
/** Whether the build in root/dist (root ends with '/'; the project by default) is as new as every source. */
export declare function built(root?: string): boolean;
/** The directories whose files the build holds. */
export declare const SOURCES: readonly string[];
