/**
 * End to end: `corax serve` scanning a 3 KB message with four rules (one
 * HTTP GET, one DNS A lookup of a request header, one TCP request/response,
 * one Redis pipeline) against local peers, driven over loopback,
 * side by side (A B C A B C …), with the same rules hand-written as
 * async/await in node:http, and with Rspamd 3.4 running them in Lua (callback
 * form when concurrent; coroutine form only at concurrency 1, where 3.4 does
 * not crash).
 *
 *   npm run bench:e2e                 (--quick: corax and hand-written only, tiny)
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { peerEnv, startPeers } from './peers.ts';
import { fmt, machine, median, numberArg, quick, report } from './lib.ts';
import { coraxServer, rspamdServer, cpuMs, freePort, packageUnderTest, peakRss, processServer, waitHealthy, wrkLoad, type Run, type Server } from './harness.ts';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const arg = numberArg;
const seconds = arg('seconds', quick ? 1 : 10);
const rounds = arg('rounds', quick ? 1 : 3);
const withRspamd = !quick && !process.argv.includes('--no-rspamd');
const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const redisHost = `${redisUrl.hostname}:${redisUrl.port || 6379}`;
const prefix = `corax-bench-e2e:${process.pid}:`;

const peers = await startPeers();
const built = packageUnderTest(quick);
const env = { ...process.env, ...built.env, ...peerEnv(peers, prefix) };
const servers: Server[] = [];
const stopAll = async (): Promise<void> => {
  for (const s of servers) await s.stop();
  await peers.stop();
};

try {
  for (const [name, config] of [
    ['corax serve, rules read the body', './e2e/corax-body.config.ts'],
    ['corax serve, headers only (mime: false)', './e2e/corax.config.ts'],
  ] as const) {
    servers.push(await coraxServer(name, config, env));
  }
  const handPort = await freePort();
  const hand = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', here('./e2e/handwritten.ts')], { env: { ...env, PORT: String(handPort), BENCH_BODY: '1' }, stdio: ['ignore', 'ignore', 'inherit'] });
  servers.push(processServer('hand-written async/await, reads the body', `http://127.0.0.1:${handPort}`, hand));
  if (withRspamd) {
    for (const form of ['callback', 'coro'] as const) servers.push(await rspamdServer(`Rspamd 3.4, ${form === 'coro' ? 'coroutine' : 'callback'} rules`, form, peers, redisHost, prefix));
  }
  for (const s of servers) await waitHealthy(s.name, s.url, s.name.startsWith('Rspamd') ? 90 : 30);

  const byName = (prefixName: string): Server => servers.find((s) => s.name.startsWith(prefixName))!;
  const plan: { concurrency: number; contenders: Server[] }[] = [];
  const only = process.argv.indexOf('--concurrency');
  for (const c of only > 0 ? [Number(process.argv[only + 1])] : quick ? [16] : [1, 16, 64]) {
    const contenders = [byName('corax serve, rules read'), byName('corax serve, headers'), byName('hand')];
    if (withRspamd) contenders.push(c === 1 ? byName('Rspamd 3.4, coroutine') : byName('Rspamd 3.4, callback'));
    if (withRspamd && c === 1) contenders.push(byName('Rspamd 3.4, callback'));
    plan.push({ concurrency: c, contenders });
  }

  const sections: string[] = [];
  const goals: string[] = [];
  for (const { concurrency, contenders } of plan) {
    const runs = new Map<Server, Run[]>(contenders.map((s) => [s, []]));
    for (const s of contenders) wrkLoad(s.url, concurrency, Math.max(1, Math.round(seconds / 3))); // warm-up
    const cpu = new Map<Server, number[]>(contenders.map((s) => [s, []]));
    for (let round = 0; round < rounds; round++) {
      for (const s of contenders) {
        const before = cpuMs(s.pid);
        const run = wrkLoad(s.url, concurrency, seconds);
        runs.get(s)!.push(run);
        cpu.get(s)!.push(((cpuMs(s.pid) - before) * 1000) / Math.max(1, run.requests));
      }
    }
    const med = (s: Server, f: keyof Run): number => median(runs.get(s)!.map((r) => r[f]));
    const cpuPerScan = (s: Server): number => median(cpu.get(s)!);
    const base = contenders[0];
    const rows = contenders.map((s) => {
      const rps = runs.get(s)!.map((r) => r.rps);
      return `| ${s.name} | ${fmt(med(s, 'rps'))} | ${fmt(Math.min(...rps))} – ${fmt(Math.max(...rps))} | ${fmt(med(s, 'p50'), 2)} | ${fmt(med(s, 'p99'), 2)} | ${fmt(cpuPerScan(s))} | ${runs.get(s)!.reduce((a, r) => a + r.errors, 0)} | ${(med(base, 'rps') / med(s, 'rps')).toFixed(2)}× |`;
    });
    sections.push(
      [
        `### Concurrency ${concurrency} (${seconds} s per run, ${rounds} alternating rounds)`,
        '',
        '| server | median scans/s | min – max | p50 ms | p99 ms | server CPU µs per scan | errors | corax ÷ this |',
        '|---|---|---|---|---|---|---|---|',
        ...rows,
      ].join('\n'),
    );
    const hand = byName('hand');
    const ratio = med(base, 'rps') / med(hand, 'rps');
    goals.push(`| c=${concurrency}: corax ≥ 0.9× hand-written | ${ratio.toFixed(2)}× | ${ratio >= 0.9 ? 'met' : 'missed'} |`);
    const rspamd = contenders.find((s) => s.name.startsWith('Rspamd') && (concurrency !== 1 || s.name.includes('coroutine')));
    if (rspamd) {
      const r = med(base, 'rps') / med(rspamd, 'rps');
      const p99ok = med(base, 'p99') <= med(rspamd, 'p99');
      goals.push(`| c=${concurrency}: corax ≥ 1.0× ${rspamd.name}, p99 no worse | ${r.toFixed(2)}×, p99 ${fmt(med(base, 'p99'), 2)} vs ${fmt(med(rspamd, 'p99'), 2)} ms | ${r >= 1 && p99ok ? 'met' : 'missed'} |`);
    }
  }
  const rss = servers.map((s) => `| ${s.name} | ${fmt(peakRss(s.pid) / 2 ** 20)} MiB |`);

  const out = report(
    'End to end: corax serve, hand-written async/await, Rspamd 3.4',
    [
      `Machine: ${machine()}; the load generator is wrk (one thread, bench/e2e/post.lua, which counts a reply without all four symbols as an error), peers (HTTP, DNS, TCP) in one Node process, Redis at ${redisUrl.href}, all on the same 2 cores. corax runs from ${built.label}. Command: \`npm run bench:e2e\`. A 3 KB message; four rules: an HTTP GET, a DNS A lookup of the X-Lookup request header (a name of its own for every request, so no server can share identical questions in flight), a TCP PING/PONG, a Redis pipeline (GET + INCR). "Rules read the body": each rule also reads the URLs, text and subject (corax parses the message; the hand-written server parses it through corax's message layer; Rspamd always parses it). One worker each. Rspamd's coroutine rules only at concurrency 1 (3.4 crashes its worker at 2; see its facts), and it answers every request with Connection: close. Server CPU per scan is the process tree's user+system time over the requests wrk counted.`,
      '',
      ...sections.flatMap((s) => [s, '']),
      '| goal | figure | |',
      '|---|---|---|',
      ...goals,
      '',
      '| server | peak RSS (process tree) |',
      '|---|---|',
      ...rss,
    ].join('\n'),
  );
  await stopAll();
  const redis = new Redis(redisUrl.href);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  process.exitCode = 0;
  void out;
} catch (error) {
  await stopAll();
  throw error;
}
