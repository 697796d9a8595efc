/*
 * `bedrock image info FILE`: what an image file holds and whether it passes every check an open
 * makes (image/info.ts says it); exit status 1 when it does not, 2 when the file cannot be read
 * at all (none, a directory, not readable).
 */
import { imageInfo } from '../../image/info.ts';
import { EXIT_FAULT, EXIT_OK, EXIT_USAGE, unreadable, UsageError, type Output } from './commands.ts';

export function imageCommand(args: string[], io: Output): number {
  const [sub, ...rest] = args;
  if (sub !== 'info') throw new UsageError(`expected 'image info FILE'${sub ? `, not 'image ${sub}'` : ''}`);
  if (rest.length !== 1) throw new UsageError('image info needs one image file, e.g. bedrock image info bedrock.image');
  const info = imageInfo(rest[0]);
  for (const l of info.lines) (info.ok ? io.out : io.err)(l);
  return info.ok ? EXIT_OK : unreadable(rest[0], true) ? EXIT_USAGE : EXIT_FAULT;
}
