/*
 * The status line: the image, its unsaved changes, heap use, mark depth and the back end; or,
 * while an evaluation runs, that it runs and how to stop it.
 */
import { Text } from 'ink';

export interface Status {
  readonly image: string;
  readonly unsaved: number;
  readonly heapUsed: number;
  readonly heapSize: number;
  readonly marks: number;
  readonly backend: string;
}

const mb = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);

export function statusText(s: Status): string {
  const unsaved = s.image === 'no image' ? '' : s.unsaved === 0 ? ' · saved' : ` · ${s.unsaved} unsaved change${s.unsaved === 1 ? '' : 's'}`;
  return `${s.image}${unsaved} · heap ${mb(s.heapUsed)}/${mb(s.heapSize)} MB · marks ${s.marks} · ${s.backend}`;
}

export function StatusLine({ status, busy }: { readonly status: Status; readonly busy: boolean }) {
  return (
    <Text color="gray">
      {busy ? <Text color="yellow">running… Ctrl-C interrupts · </Text> : null}
      {statusText(status)}
    </Text>
  );
}
