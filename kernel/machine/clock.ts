/*
 * A clock for measuring durations (milliseconds, from an arbitrary origin). performance.now()
 * would do, but the first use of Node's `performance` loads perf_hooks and ten modules of its
 * own: ~2 ms and ~50 pages of memory of every `bedrock eval` (issue 12, item 4), which used it
 * only to time the image's open. process.hrtime is there from the start.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
