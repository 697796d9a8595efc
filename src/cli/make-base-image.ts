/*
 * `node dist/cli/make-base-image.js PATH`, run by the build (bin/build.mjs): genesis and the
 * system, saved as an image at PATH, which new images then start from (src/session/open.ts).
 */
import { describeImageError, isImageError } from '../../image/format.ts';
import { Session } from '../session/session.ts';

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: make-base-image PATH\n');
  process.exitCode = 2;
} else {
  const s = Session.open(path);
  if (isImageError(s)) {
    process.stderr.write(`make-base-image: ${describeImageError(path, s)}\n`);
    process.exitCode = 1;
  } else {
    s.close();
  }
}
