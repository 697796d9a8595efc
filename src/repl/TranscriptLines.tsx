/*
 * Lines of the transcript, coloured by tone: values green, definitions magenta, errors red,
 * backtraces grey, notes blue, warnings yellow, listings plain, echoed input dim.
 */
import { Box, Text } from 'ink';
import type { Line, Tone } from '../session/report.ts';

const COLOUR: Readonly<Record<Tone, string | undefined>> = {
  input: undefined,
  value: 'green',
  defined: 'magenta',
  error: 'red',
  trace: 'gray',
  info: 'blue',
  warning: 'yellow',
  listing: undefined,
};

export function TranscriptLines({ lines }: { readonly lines: readonly Line[] }) {
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => (
        <Text key={i} color={COLOUR[l.tone]} dimColor={l.tone === 'input'}>{l.text === '' ? ' ' : l.text}</Text>
      ))}
    </Box>
  );
}
