/**
 * Scans against a private Redis Cluster (three masters, a replica each) while
 * the master of the rule's key is killed again and again, and brought back
 * as a replica: every scan's outcome, per-failover times and latencies.
 *
 *   npm run stress:cluster [-- --seconds 60 --every 12 --clients 16]
 */
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { createScanner } from '../index.ts';
import { COUNTED } from '../test/fixtures/failover-counter.ts';
import { silent } from '../test/support/logger.ts';
import { startRedisCluster } from '../test/support/redis-cluster.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, every: { type: 'string', default: '12' }, clients: { type: 'string', default: '16' } } });
const seconds = Number(values.seconds);
const every = Number(values.every);
const clients = Number(values.clients);
const keySlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;
const prefix = 'corax-failover:';

const cluster = await startRedisCluster();
const scanner = createScanner({ symbols: [COUNTED], taskTimeout: 10_000, redis: { cluster: cluster.seeds, prefix, timeout: 5000 } }, { logger: silent });
const outcomes = new Map<string, number>();
const latencies: number[] = [];
const failoverLatencies: number[] = [];
let failingOver = false;
let running = true;
const started = Date.now();
const workers = Array.from({ length: clients }, async () => {
  while (running) {
    const t = performance.now();
    const result = await scanner.scan('Subject: count me\r\n\r\nbody\r\n');
    const ms = performance.now() - t;
    (failingOver ? failoverLatencies : latencies).push(ms);
    const option = result.symbols.COUNTED?.options?.[0] ?? 'no result';
    const outcome = /^\d+$/.test(option) ? 'ok' : option;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
});
const failovers: number[] = [];
try {
  while (Date.now() - started < seconds * 1000) {
    await new Promise((r) => setTimeout(r, every * 1000));
    if (Date.now() - started >= seconds * 1000) break;
    const victim = cluster.masterOf(keySlot(`${prefix}{failover}:scans`));
    failingOver = true;
    failovers.push(await cluster.fail(victim));
    failingOver = false;
    await cluster.restart(victim);
  }
} finally {
  running = false;
  await Promise.all(workers);
  await scanner.close();
  await cluster.stop();
}
const pct = (xs: number[], p: number): string => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!.toFixed(1) : '-');
const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
console.log(`${seconds} s, ${clients} clients, a master killed every ${every} s and restarted as a replica`);
console.log(`scans: ${total}; outcomes: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(`failovers: ${failovers.length}, ${failovers.map((ms) => `${ms} ms`).join(', ')} until a replica was promoted`);
console.log(`latency ms: p50 ${pct(latencies, 50)}, p99 ${pct(latencies, 99)} outside failovers; p50 ${pct(failoverLatencies, 50)}, max ${pct(failoverLatencies, 100)} for the ${failoverLatencies.length} scans that finished during one`);
