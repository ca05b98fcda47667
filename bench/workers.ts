/**
 * What a second worker gives: `corax serve --workers 1` and `--workers 2`
 * (rules that read the body) beside Rspamd 3.4 with one and two normal
 * workers (callback rules), the same four rules, message, peers and wrk load
 * as bench:e2e, in alternating rounds. Reports each server's gain from the
 * second worker and the two-worker ratio.
 *
 *   npm run bench:workers [-- --seconds 10 --rounds 3 --concurrency 64]
 */
import { Redis } from 'ioredis';
import { peerEnv, startPeers } from './peers.ts';
import { fmt, machine, median, numberArg, report } from './lib.ts';
import { coraxServer, rspamdServer, cpuMs, packageUnderTest, waitHealthy, wrkLoad, type Run, type Server } from './harness.ts';

const arg = numberArg;
const seconds = arg('seconds', 10);
const rounds = arg('rounds', 3);
const concurrencies = process.argv.includes('--concurrency') ? [arg('concurrency', 64)] : [16, 64];
const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const redisHost = `${redisUrl.hostname}:${redisUrl.port || 6379}`;
const prefix = `corax-bench-workers:${process.pid}:`;

const peers = await startPeers();
const built = packageUnderTest(false);
const env = { ...process.env, ...built.env, ...peerEnv(peers, prefix) };
const servers: Server[] = [];
try {
  for (const workers of [1, 2]) servers.push(await coraxServer(`corax serve --workers ${workers}`, './e2e/corax-body.config.ts', env, ['--workers', String(workers)]));
  for (const workers of [1, 2]) servers.push(await rspamdServer(`Rspamd 3.4, ${workers} worker${workers > 1 ? 's' : ''}`, 'callback', peers, redisHost, prefix, workers));
  for (const s of servers) await waitHealthy(s.name, s.url, s.name.startsWith('Rspamd') ? 90 : 30);

  const sections: string[] = [];
  for (const concurrency of concurrencies) {
    const runs = new Map<Server, Run[]>(servers.map((s) => [s, []]));
    const cpu = new Map<Server, number[]>(servers.map((s) => [s, []]));
    for (const s of servers) wrkLoad(s.url, concurrency, Math.max(1, Math.round(seconds / 3))); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const s of servers) {
        const before = cpuMs(s.pid);
        const run = wrkLoad(s.url, concurrency, seconds);
        runs.get(s)!.push(run);
        cpu.get(s)!.push(((cpuMs(s.pid) - before) * 1000) / Math.max(1, run.requests));
      }
    }
    const rps = (s: Server): number => median(runs.get(s)!.map((r) => r.rps));
    const p99 = (s: Server): number => median(runs.get(s)!.map((r) => r.p99));
    const [c1, c2, r1, r2] = servers as [Server, Server, Server, Server];
    sections.push(
      [
        `### Concurrency ${concurrency} (${seconds} s per run, ${rounds} alternating rounds)`,
        '',
        '| server | median scans/s | min – max | p99 ms | server CPU µs per scan | errors |',
        '|---|---|---|---|---|---|',
        ...servers.map((s) => {
          const all = runs.get(s)!.map((r) => r.rps);
          return `| ${s.name} | ${fmt(rps(s))} | ${fmt(Math.min(...all))} – ${fmt(Math.max(...all))} | ${fmt(p99(s), 2)} | ${fmt(median(cpu.get(s)!))} | ${runs.get(s)!.reduce((a, r) => a + r.errors, 0)} |`;
        }),
        '',
        `Gain from a second worker: corax ${(rps(c2) / rps(c1)).toFixed(2)}×, Rspamd ${(rps(r2) / rps(r1)).toFixed(2)}×. With two workers each, corax ÷ Rspamd: ${(rps(c2) / rps(r2)).toFixed(2)}× (p99 ${fmt(p99(c2), 2)} vs ${fmt(p99(r2), 2)} ms).`,
      ].join('\n'),
    );
  }
  report(
    'A second worker: corax serve --workers 2 against Rspamd 3.4 with two workers',
    [
      `Machine: ${machine()}; the setup of bench:e2e (wrk with one thread and bench/e2e/post.lua, its peers, Redis at ${redisUrl.href}, the 3 KB message, the four rules reading the body; Rspamd's callback rules), all on the same 2 cores, so a second worker competes with wrk, the peers and Redis. corax runs from ${built.label}. Command: \`npm run bench:workers\`.`,
      '',
      ...sections.flatMap((s) => [s, '']),
    ].join('\n'),
  );
} finally {
  for (const s of servers) await s.stop();
  await peers.stop();
  const redis = new Redis(redisUrl.href);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}
