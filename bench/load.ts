/**
 * Load: drives `corax serve` (the example rule set) over loopback with a
 * bounded number of scans while the example services misbehave (slow, 503,
 * resets, dropped DNS, trickled TCP), and reports what was sent and
 * answered, errors by status, latency, peak RSS, and handles before and after.
 * Nothing may be lost: every request gets a reply.
 *
 *   npm run bench:load -- --scans 20000 --concurrency 64 --fault-rate 0.05
 */
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { Redis } from 'ioredis';
import { startExampleServices } from '../examples/services/index.ts';
import { exampleMessages } from '../examples/run-example.ts';
import { fmt, machine, numberArg, percentile, quick, report } from './lib.ts';
import { freePort, peakRss } from './harness.ts';

const arg = numberArg;
const scans = arg('scans', quick ? 200 : 20_000);
const concurrency = arg('concurrency', quick ? 8 : 64);
const faultRate = arg('fault-rate', 0.05);
const seed = arg('seed', 2026);

const services = await startExampleServices('any', { seed, rate: faultRate });
const prefix = `corax-load:${process.pid}:`;
const port = await freePort();
const bin = fileURLToPath(new URL('../bin/corax.js', import.meta.url));
const server = spawn(process.execPath, [bin, 'serve', '--config', fileURLToPath(new URL('../examples/corax.config.ts', import.meta.url)), '--bind', `127.0.0.1:${port}`, '--log-level', 'error'], {
  env: { ...process.env, ...services.env, CORAX_EXAMPLE_REDIS_PREFIX: prefix },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const url = `http://127.0.0.1:${port}`;
const pool = new Pool(url, { connections: concurrency });
for (let i = 0; i < 200; i++) {
  try {
    const r = await pool.request({ path: '/ping', method: 'GET' });
    await r.body.text();
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 50));
  }
}
const before = (await (await pool.request({ path: '/stat', method: 'GET' })).body.json()) as Record<string, unknown>;

const messages = exampleMessages().map((f) => readFileSync(f));
const latencies: number[] = [];
const statuses: Record<string, number> = {};
let sent = 0;
let answered = 0;
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < scans) {
      const i = next++;
      sent++;
      const t0 = performance.now();
      try {
        const res = await pool.request({
          path: '/checkv2',
          method: 'POST',
          body: messages[i % messages.length],
          headers: { ip: `198.51.100.${i % 40}`, from: `user${i % 50}@spammer.test`, helo: i % 3 ? 'mx.example.com' : 'localhost', 'queue-id': `L${i}` },
        });
        await res.body.text();
        answered++;
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        statuses[code] = (statuses[code] ?? 0) + 1;
      }
      latencies.push(performance.now() - t0);
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const rss = peakRss(server.pid!);
// let keep-alive connections (ours to the server, the server's to its services) time out, then look
await pool.close();
await new Promise((r) => setTimeout(r, quick ? 500 : 5500));
const once = new Pool(url, { connections: 1 });
const after = (await (await once.request({ path: '/stat', method: 'GET', headers: { connection: 'close' } })).body.json()) as Record<string, unknown>;
await once.close();
const exited = new Promise((r) => server.once('exit', r));
server.kill('SIGTERM');
await exited;
await services.stop();
try {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  await redis.connect();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
} catch {
  // no Redis
}

latencies.sort((a, b) => a - b);
const lost = sent - answered;
const out = report(
  'Load under faults (corax serve, example rule set)',
  [
    `Machine: ${machine()}. Command: \`npm run bench:load -- --scans ${scans} --concurrency ${concurrency} --fault-rate ${faultRate}\`. The example services misbehave on ${faultRate * 100}% of requests (seed ${seed}): the scorer is slow, answers 503 or resets mid-body; DNS drops queries or answers SERVFAIL; the line service closes at once or trickles bytes.`,
    '',
    '| sent | answered | lost | statuses | scans/s | p50 ms | p99 ms | peak RSS | server handles before → after (idle) |',
    '|---|---|---|---|---|---|---|---|---|',
    `| ${sent} | ${answered} | ${lost} | ${Object.entries(statuses).map(([s, n]) => `${s}: ${n}`).join(', ')} | ${fmt(scans / seconds)} | ${fmt(percentile(latencies, 50), 1)} | ${fmt(percentile(latencies, 99), 1)} | ${fmt(rss / 2 ** 20)} MiB | ${before.handles} → ${after.handles} |`,
    '',
    `Server counters after the run: scanned ${after.scanned}, task timeouts ${after.timed_out}, failed ${after.failed}, actions ${JSON.stringify(after.actions)}.`,
  ].join('\n'),
);
if (lost > 0) process.exitCode = 1;
export default out;
