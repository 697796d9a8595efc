/*
 * A question answered with one key: "Save before leaving? [y]es [n]o [c]ancel". Keys reach it
 * through use-keys.ts; Escape and Ctrl-C choose the last answer (cancel). A question may pass
 * other keys on: any other key (or typed or pasted text) chooses its `otherwise` answer and then
 * goes to the line editor, so what a user typed ahead is not lost ("Open the debugger?" is
 * abandoned by typing the next line).
 */
import { Text } from 'ink';

export interface Ask {
  readonly text: string;
  /** Keys and what each does; the last one is also Escape's and Ctrl-C's. */
  readonly answers: readonly { readonly key: string; readonly label: string; readonly run: () => void }[];
  /** The key of the answer any other key chooses before going on to the editor (else other keys do nothing). */
  readonly otherwise?: string;
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
