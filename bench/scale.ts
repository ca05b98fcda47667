/**
 * Scale:
 *  1. the end-to-end scan with `corax serve --workers 1` and `--workers 2`
 *     at concurrency 64, side by side;
 *  2. memory with 10,000 scans in flight whose effects are held open: under
 *     the test interpreter (corax's own cost per waiting scan) and live (an
 *     HTTP request each to a peer that never answers).
 *
 *   npm run bench:scale   (--quick for a smoke run)
 */
import { pino } from 'pino';
import { createLiveInterpreter, createScanner, createTestInterpreter, defineSymbol, http, suspend } from '../index.ts';
import { peerEnv, startPeers } from './peers.ts';
import { fmt, machine, median, quick, report } from './lib.ts';
import { coraxServer, load, peakRss, waitHealthy, type Run, type Server } from './harness.ts';

const requests = quick ? 200 : 10_000;
const rounds = quick ? 1 : 3;
const inFlight = quick ? 500 : 10_000;
const prefix = `corax-bench-scale:${process.pid}:`;

const peers = await startPeers();
const env = { ...process.env, ...peerEnv(peers, prefix) };
const servers: Server[] = [];
const sections: string[] = [];
try {
  for (const workers of [1, 2]) {
    servers.push(await coraxServer(`corax serve --workers ${workers}`, './e2e/corax.config.ts', env, ['--workers', String(workers)]));
  }
  for (const s of servers) await waitHealthy(s.name, s.url, 60);
  const runs = new Map<Server, Run[]>(servers.map((s) => [s, []]));
  for (const s of servers) await load(s.url, 64, Math.ceil(requests / 10));
  for (let round = 0; round < rounds; round++) for (const s of servers) runs.get(s)!.push(await load(s.url, 64, requests));
  const med = (s: Server, f: keyof Run): number => median(runs.get(s)!.map((r) => r[f]));
  sections.push(
    [
      `### Workers (concurrency 64, ${requests} scans per run, ${rounds} alternating rounds)`,
      '',
      '| server | median scans/s | p50 ms | p99 ms | errors | peak RSS (all processes) | ÷ one worker |',
      '|---|---|---|---|---|---|---|',
      ...servers.map(
        (s) =>
          `| ${s.name} | ${fmt(med(s, 'rps'))} | ${fmt(med(s, 'p50'), 2)} | ${fmt(med(s, 'p99'), 2)} | ${runs.get(s)!.reduce((a, r) => a + r.errors, 0)} | ${fmt(peakRss(s.pid) / 2 ** 20)} MiB | ${(med(s, 'rps') / med(servers[0], 'rps')).toFixed(2)}× |`,
      ),
      '',
      'The load generator, the peers and Redis share the same two cores, so a second worker has at most part of a core to itself.',
    ].join('\n'),
  );
} finally {
  for (const s of servers) await s.stop();
}

/** Scans `count` messages whose one effect never completes; returns the memory they hold. */
async function held(kind: 'test' | 'live'): Promise<{ heap: number; rss: number; perScan: number; settled: boolean }> {
  const HOLD = defineSymbol({
    name: 'HOLD',
    mime: false,
    *callback() {
      yield* http.request({ url: `${peers.http}/stall`, timeout: 600_000 });
    },
  });
  const io =
    kind === 'test'
      ? createTestInterpreter({ handlers: { 'http.request': () => suspend(() => {}) }, trace: false })
      : createLiveInterpreter({ symbols: [], http: { connections: 64 } });
  // the live run ends by the real task timeout; the test run by the virtual one, once all are waiting
  const scanner = createScanner({ symbols: [HOLD], taskTimeout: kind === 'live' ? (quick ? 2_000 : 20_000) : 60_000 }, { io, logger: pino({ level: 'silent' }) });
  global.gc?.();
  const before = process.memoryUsage();
  const scans = Array.from({ length: inFlight }, () => scanner.scan(''));
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  global.gc?.();
  const during = process.memoryUsage();
  const results = await Promise.all(scans);
  await io.close?.();
  return {
    heap: during.heapUsed - before.heapUsed,
    rss: during.rss - before.rss,
    perScan: (during.heapUsed - before.heapUsed) / inFlight,
    settled: results.every((r) => r.timedOut),
  };
}

const test = await held('test');
const live = await held('live');
sections.push(
  [
    `### ${fmt(inFlight)} scans in flight, each waiting on an effect`,
    '',
    '| interpreter | heap held | RSS grew | heap per waiting scan | all ended by the task timeout |',
    '|---|---|---|---|---|',
    `| test interpreter (the effect never answers) | ${fmt(test.heap / 2 ** 20, 1)} MiB | ${fmt(test.rss / 2 ** 20, 1)} MiB | ${fmt(test.perScan / 1024, 2)} KiB | ${test.settled ? 'yes' : 'no'} |`,
    `| live (an HTTP request each to a peer that stalls) | ${fmt(live.heap / 2 ** 20, 1)} MiB | ${fmt(live.rss / 2 ** 20, 1)} MiB | ${fmt(live.perScan / 1024, 2)} KiB | ${live.settled ? 'yes' : 'no'} |`,
  ].join('\n'),
);
await peers.stop();

report(
  'Scale: workers and scans in flight',
  [`Machine: ${machine()}. Command: \`npm run bench:scale\` (node --expose-gc for the memory figures). The end-to-end rule set of the previous section.`, '', ...sections.flatMap((s) => [s, ''])].join('\n'),
);
