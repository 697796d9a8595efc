/*
 * A smoke run of the benchmark suite: every benchmark of the sized groups once, at the quick
 * sizes, checked for a well-formed result (a positive, finite rate; instructions and pauses
 * where the benchmark counts them; peers either run and give the right answer or are
 * reported missing); the JSON and text reports of a run, kept and compared; the peers' output
 * parser. No timing
 * is ever asserted. The image and start-up benchmarks (other files, one fixed size, tens of
 * seconds) are only checked to be in the full suite.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { measure, type BenchmarkResult } from '../../bench/harness.ts';
import { runBench } from '../../bench/main.ts';
import { missingPeer, parsePeerOutput, peerBenchmark, PEERS, type Peer } from '../../bench/peers.ts';
import { allBenchmarks, FULL, makeSuite, QUICK } from '../../bench/suite.ts';

function wellFormed(r: BenchmarkResult): void {
  expect(r.status, `${r.name}: ${r.reason}`).toBe('ok');
  expect(r.rates).toHaveLength(1);
  expect(Number.isFinite(r.median) && r.median > 0).toBe(true);
  expect(r.low).toBeLessThanOrEqual(r.high);
  expect(r.medianSeconds).toBeGreaterThan(0);
}

describe('the benchmark suite, once each at quick sizes', () => {
  const groups = makeSuite(QUICK, { onlySized: true });
  const installed = new Set(PEERS.filter((p) => missingPeer(p) === null).map((p) => p.name));

  for (const g of groups) {
    it(`runs the ${g.name} group`, () => {
      for (const b of g.benchmarks) {
        const r = measure(b, 1, 0);
        const peer = /^peer\.(\w+)\./.exec(b.name)?.[1];
        if (peer && !installed.has(peer as Peer['name'])) {
          expect(r.status).toBe('missing');
          expect(r.reason).toMatch(/not installed/);
          continue;
        }
        wellFormed(r);
        if (/^(machine|sends|tiny)\./.test(b.name) || b.name.startsWith('memory.')) {
          expect(r.instructionsPerSecond, b.name).toBeGreaterThan(0);
          expect(r.instructionsPerUnit, b.name).toBeGreaterThan(0);
        }
        if (g.name === 'memory') expect(r.pauses, b.name).toBeDefined();
      }
    }, 240_000); // a whole group on a loaded 2-core machine
  }

  it('has every benchmark of the issue, each baseline a benchmark of the suite', () => {
    const names = allBenchmarks(makeSuite(FULL)).map((b) => b.name);
    for (const n of [
      'machine.register-loop.interpreter', 'machine.memory-loop.interpreter', 'sends.fib.native', 'sends.fib.threaded', 'js.fib',
      'peer.gst.fib', 'peer.gforth.fib', 'tiny.bytecodes.native', 'tiny.sends.threaded', 'tiny.sends.native', 'tiny.leaf-sends.native', 'peer.gst.sends', 'peer.gst.leaf-sends', 'memory.short-lived', 'js.short-lived',
      'memory.long-lived', 'js.long-lived', 'image.save', 'image.open', 'peer.gst.snapshot',
      'forth.fib', 'peer.gforth.forth-fib', 'forth.sieve', 'peer.gforth.forth-sieve',
    ]) expect(names).toContain(n);
    for (const b of allBenchmarks(makeSuite(FULL))) {
      for (const base of [b.baseline, ...(b.baselines ?? [])].filter((x) => x !== undefined)) expect(names, `${b.name}'s baseline`).toContain(base);
    }
  });
});

describe('bench reports', () => {
  function capture(argv: string[]): { status: number; out: string; err: string } {
    let out = '', err = '';
    const status = runBench(argv, { out: (l) => { out += l + '\n'; }, err: (l) => { err += l + '\n'; } });
    return { status, out, err };
  }

  it('--json gives the whole run: environment, groups, results with ratios to their baselines', () => {
    const r = capture(['machine.register', '--quick', '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.version).toBe(1);
    expect(report.environment.node).toBe(process.version);
    expect(report.environment.load).toHaveLength(3);
    const results = report.groups.flatMap((g: { results: unknown[] }) => g.results);
    expect(results.map((x: { name: string }) => x.name)).toEqual(['machine.register-loop.interpreter', 'machine.register-loop.translated', 'js.register-loop']);
    const [machine] = results;
    expect(machine.ratios).toEqual([{ baseline: 'js.register-loop', ratio: expect.any(Number) }]);
    expect(machine.ratios[0].ratio).toBeGreaterThan(0);
    expect(report.peers.map((p: { name: string }) => p.name)).toEqual(['gst', 'gforth']);
  });

  it('prints a table with the ratio line, and says which peers are missing', () => {
    const r = capture(['memory.long', '--quick']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/memory\.long-lived +[\d.]+ [kMG]? ?objects\/s/);
    expect(r.out).toMatch(/x js\.long-lived \((\d|\.)+x (faster|slower)\)/);
    expect(r.out).toMatch(/peers · gst: .+ · gforth-fast: .+/);
  });

  it('--save keeps a run, --compare sets a later run beside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bedrock-bench-test-'));
    try {
      const file = join(dir, 'kept.json');
      expect(capture(['js.register', '--quick', '--save', file]).status).toBe(0);
      const kept = JSON.parse(readFileSync(file, 'utf8'));
      expect(kept.groups[0].results[0].name).toBe('js.register-loop');
      const r = capture(['js.register', '--quick', '--compare', file, '--json']);
      expect(JSON.parse(r.out).groups[0].results[0].change).toBeGreaterThan(0);
      expect(capture(['js.register', '--quick', '--compare', join(dir, 'nothing.json')]).status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('usage errors: an unknown name or option, a bad --runs', () => {
    expect(capture(['no-such-benchmark']).status).toBe(2);
    expect(capture(['no-such-benchmark']).err).toContain('no benchmark matches no-such-benchmark');
    expect(capture(['--frobnicate']).status).toBe(2);
    expect(capture(['--runs', '0']).status).toBe(2);
    expect(capture(['--list']).out).toContain('sends.fib.native');
  });
});

describe('peers', () => {
  it('parses "RESULT MICROSECONDS" lines and checks the answer', () => {
    expect(parsePeerOutput('832040 175000\nnoise\n832040 170000\n', '832040', 10)).toEqual([
      { work: 10, seconds: 0.175 }, { work: 10, seconds: 0.17 },
    ]);
    expect(() => parsePeerOutput('832041 1000\n', '832040', 1)).toThrow(/answered 832041, not 832040/);
  });

  it('a peer that is not installed is reported missing, not failed', () => {
    const ghost: Peer = { name: 'gst', command: 'no-such-smalltalk-here', version: () => null };
    const r = measure(peerBenchmark({ name: 'peer.ghost', unit: 'calls/s', about: '', size: '', peer: ghost, file: 'fib.st', args: ['3'], expect: '2', work: 1 }));
    expect(r.status).toBe('missing');
    expect(r.reason).toMatch(/no-such-smalltalk-here is not installed/);
  });
});
