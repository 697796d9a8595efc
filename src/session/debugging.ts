/*
 * The debugger, as the REPL's screen sees it: the session of a stopped evaluation (its frames,
 * stepping, restarting, returning, proceeding), the report of each frame, and the kinds of step.
 * They live in the system (src/system/debug-session.ts, stack-report.ts, stepping.ts); the REPL
 * reaches them here, through the session layer, as it reaches everything below it.
 */
export { DebugSession, type Resolution } from '../system/debug-session.ts';
export { frameLine, type FrameReport } from '../system/stack-report.ts';
export type { StepKind } from '../system/stepping.ts';
