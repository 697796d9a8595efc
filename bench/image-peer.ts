/*
 * GNU Smalltalk's side of the image benchmarks (bench/image.ts, the images engineer's):
 * `ObjectMemory snapshot:` of an image holding the same data, a list of a million 2-element
 * Arrays (bench/peers/snapshot.st), timed inside gst, into a temporary directory. The rate is
 * objects (of the million) per second, as image.save counts them; the details give the
 * snapshot's size.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark } from './harness.ts';
import { GST, peerBenchmark } from './peers.ts';

let dir: string | null = null;

function snapshotFile(): string {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'bedrock-bench-gst-'));
    const d = dir;
    process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  }
  return join(dir, 'gst-snapshot.im');
}

export function makeImagePeerBenchmarks(objects = 1_000_000): Benchmark[] {
  const peer = peerBenchmark({
    name: 'peer.gst.snapshot', unit: 'objects/s', size: `${objects} objects`,
    about: `GNU Smalltalk's ObjectMemory snapshot: of an image holding ${objects} 2-element Arrays (bench/peers/snapshot.st)`,
    peer: GST, file: 'snapshot.st', args: () => [String(objects), snapshotFile()], expect: String(objects), work: objects, runs: 5,
  });
  return [{
    ...peer,
    details: () => {
      if (!dir) return [];
      try {
        const bytes = statSync(snapshotFile()).size;
        return [`peer.gst.snapshot: the snapshot is ${(bytes / 1e6).toFixed(1)} MB (${bytes} bytes: gst's whole image with the list)`];
      } catch {
        return [];
      }
    },
  }];
}
