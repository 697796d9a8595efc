/*
 * The inspector on screen: the value, its class and shape, and its slots with the selected one
 * marked. Keys (routed by use-keys.ts) move the Inspection; this only draws it.
 */
import { Box, Text } from 'ink';
import type { Inspection } from '../session/inspection.ts';

const WINDOW = 16;

export function Inspector({ inspection }: { readonly inspection: Inspection; readonly version: number }) {
  const view = inspection.view();
  const at = Math.min(inspection.selection, Math.max(0, view.slots.length - 1));
  const first = Math.max(0, Math.min(at - Math.floor(WINDOW / 2), view.slots.length - WINDOW));
  const shown = view.slots.slice(first, first + WINDOW);
  const width = Math.min(24, Math.max(4, ...shown.map((s) => s.label.length)));
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="blue" paddingX={1}>
      <Text><Text bold>{view.title}</Text><Text color="gray">{`  ${view.detail}${inspection.depth > 1 ? `  (depth ${inspection.depth})` : ''}`}</Text></Text>
      {shown.map((s, i) => {
        const index = first + i;
        const mine = index === at;
        return (
          <Text key={index} inverse={mine}>
            {`${mine ? '›' : ' '} ${s.label.padEnd(width)}  ${s.text}${s.into ? '  ▸' : ''}`}
          </Text>
        );
      })}
      {view.slots.length === 0 && <Text color="gray">(no slots)</Text>}
      {view.more > 0 && <Text color="gray">{`… ${view.more} more not shown`}</Text>}
      <Text color="gray">↑↓ select · Enter go in · Esc back · q close</Text>
    </Box>
  );
}
