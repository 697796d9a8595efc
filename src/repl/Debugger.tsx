/*
 * The debugger on screen: what the error said, the frames (innermost first, the selected one
 * marked, each with its receiver and values), the selected frame's source line with the
 * expression it is at underlined by carets, its variables, what the last commands said, and
 * the command line. Keys (use-keys.ts) go to the reducer (debugger-state.ts); this only draws.
 */
import { Box, Text } from 'ink';
import { HELP, type DebuggerState } from './debugger-state.ts';
import { frameLine, type FrameReport } from '../session/debugging.ts';

const FRAMES = 10;
const LOG = 4;

/** The line of the source the frame is at, and a marker under the expression running. */
export function sourceMark(f: FrameReport): { line: string; mark: string } | null {
  const s = f.source;
  if (!s || s.start < 0) return null;
  const lineStart = s.text.lastIndexOf('\n', s.start - 1) + 1;
  let lineEnd = s.text.indexOf('\n', s.start);
  if (lineEnd < 0) lineEnd = s.text.length;
  const end = Math.min(Math.max(s.end, s.start + 1), lineEnd);
  return { line: s.text.slice(lineStart, lineEnd), mark: ' '.repeat(s.start - lineStart) + '^'.repeat(Math.max(1, end - s.start)) };
}

export function Debugger({ state }: { readonly state: DebuggerState }) {
  const frames = state.frames;
  const at = state.selected;
  const first = Math.max(0, Math.min(at - Math.floor(FRAMES / 2), frames.length - FRAMES));
  const shown = frames.slice(first, first + FRAMES);
  const f = frames[at];
  const mark = f ? sourceMark(f) : null;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="red" paddingX={1}>
      <Text><Text bold color="red">Debugger</Text><Text>{` · ${state.title}`}</Text></Text>
      {shown.map((fr, i) => {
        const index = first + i;
        const mine = index === at;
        return <Text key={index} inverse={mine}>{`${mine ? '›' : ' '}${String(index).padStart(2)}  ${frameLine(fr)}`}</Text>;
      })}
      {frames.length > first + FRAMES && <Text color="gray">{`   … ${frames.length - first - FRAMES} more`}</Text>}
      {f && <Text color="cyan">{`── ${f.name} ──`}</Text>}
      {mark && <Text>{`  ${mark.line}`}</Text>}
      {mark && <Text color="red">{`  ${mark.mark}`}</Text>}
      {f && <Text>{`  self = ${f.receiver}${f.variables.map((v) => `   ${v.name} = ${v.text}`).join('')}`}</Text>}
      {state.log.slice(-LOG).map((l, i) => <Text key={i} color={l.ok ? 'green' : 'red'}>{`  ${l.text}`}</Text>)}
      <Text color="gray">{HELP}</Text>
      <Text><Text color="red">debug› </Text>{state.input}<Text inverse> </Text></Text>
    </Box>
  );
}
