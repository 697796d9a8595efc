/*
 * A question answered with one key: "Save before leaving? [y]es [n]o [c]ancel". Keys reach it
 * through use-keys.ts; Escape and Ctrl-C choose the last answer (cancel).
 */
import { Text } from 'ink';

export interface Ask {
  readonly text: string;
  /** Keys and what each does; the last one is also Escape's and Ctrl-C's. */
  readonly answers: readonly { readonly key: string; readonly label: string; readonly run: () => void }[];
}

/** The answer a key chooses, if any. */
export function answerFor(ask: Ask, input: string, escape: boolean): Ask['answers'][number] | undefined {
  if (escape) return ask.answers[ask.answers.length - 1];
  return ask.answers.find((a) => a.key === input.toLowerCase());
}

export function Question({ ask }: { readonly ask: Ask }) {
  return (
    <Text>
      <Text color="yellow">{ask.text} </Text>
      {ask.answers.map((a) => `[${a.key}]${a.label.slice(1)}`).join(' ')}
    </Text>
  );
}
