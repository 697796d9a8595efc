/*
 * The REPL on a terminal: renders the App with Ink and waits until the user leaves. This is
 * the only module that loads Ink and React, and the command line imports it only when stdin
 * and stdout are terminals.
 */
import { render } from 'ink';
import { App } from './App.tsx';
import { line, type Line } from '../session/report.ts';
import type { Workspace } from '../session/workspace.ts';

export interface InteractiveOptions {
  readonly open?: (path: string) => Workspace | string;
}

export function banner(opened: { readonly workspace: Workspace; readonly notes: readonly string[]; readonly ms: number }): Line[] {
  const ws = opened.workspace;
  const out: Line[] = [
    line('info', `Bedrock · ${ws.label} (opened in ${Math.round(opened.ms)} ms) · .help for commands and keys · Ctrl-D leaves`),
  ];
  for (const n of opened.notes) out.push(line('warning', n));
  return out;
}

export async function runInteractive(
  opened: { readonly workspace: Workspace; readonly notes: readonly string[]; readonly ms: number },
  options: InteractiveOptions = {},
): Promise<number> {
  // A terminal that reports no size (a pty nobody sized) would be drawn 0 columns wide.
  const out = process.stdout as NodeJS.WriteStream & { columns: number; rows: number };
  if (!(out.columns > 0)) { out.columns = 80; out.rows = 24; }
  const instance = render(
    <App workspace={opened.workspace} keepHistory open={options.open} banner={banner(opened)} debugger="ask" />,
    { exitOnCtrlC: false },
  );
  await instance.waitUntilExit();
  return 0;
}
