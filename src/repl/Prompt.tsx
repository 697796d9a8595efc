/*
 * The entry being edited: a prompt on its first line, a continuation mark on the others, the
 * cursor shown in inverse; during Ctrl-R, the search and its match instead. Below it, the
 * completions Tab offered or a one-line hint.
 */
import { Box, Text } from 'ink';
import type { EditorState } from './editor.ts';

export const PROMPT = '› ';
/** The prompt while entries are Forth (.forth). */
export const FORTH_PROMPT = 'forth› ';
export const promptOf = (language: 'smalltalk' | 'forth'): string => (language === 'forth' ? FORTH_PROMPT : PROMPT);
export const CONTINUATION = '… ';

function WithCursor({ text, at, show }: { readonly text: string; readonly at: number; readonly show: boolean }) {
  if (!show || at < 0 || at > text.length) return <Text>{text}</Text>;
  const under = at < text.length ? text[at] : ' ';
  return (
    <Text>
      {text.slice(0, at)}
      <Text inverse>{under}</Text>
      {text.slice(at + 1)}
    </Text>
  );
}

export function Prompt({ editor, busy, prompt = PROMPT }: { readonly editor: EditorState; readonly busy: boolean; readonly prompt?: string }) {
  if (editor.search) {
    const s = editor.search;
    const match = s.match >= 0 ? editor.history[s.match] : '';
    const found = s.query === '' || s.match >= 0;
    return (
      <Box flexDirection="column">
        <Text>
          <Text color={found ? 'cyan' : 'red'}>{found ? '(reverse-i-search)' : '(failed reverse-i-search)'}</Text>
          {`'${s.query}': `}
          <WithCursor text={match.split('\n')[0]} at={Math.max(0, match.indexOf(s.query))} show={s.match >= 0} />
        </Text>
      </Box>
    );
  }
  const lines = editor.text.split('\n');
  let offset = 0;
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => {
        const start = offset;
        offset += l.length + 1;
        const at = editor.cursor - start;
        const mine = at >= 0 && at <= l.length;
        return (
          <Text key={i}>
            <Text color={busy ? 'gray' : 'cyan'}>{i === 0 ? prompt : CONTINUATION}</Text>
            <WithCursor text={l} at={at} show={mine} />
          </Text>
        );
      })}
      {editor.choices && <Text color="gray">{editor.choices.slice(0, 60).join('  ') + (editor.choices.length > 60 ? `  … ${editor.choices.length - 60} more` : '')}</Text>}
      {editor.hint && <Text color="gray">{editor.hint}</Text>}
    </Box>
  );
}
