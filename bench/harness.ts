/** Shared by the end-to-end and scale benchmarks: servers as processes, bounded load, health, memory. */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { percentile } from './lib.ts';
import type { Peers } from './peers.ts';

export const message = fileURLToPath(new URL('./e2e/message.eml', import.meta.url));

import { freePort } from '../test/support/net.ts';

export { freePort };

/** Scans once; true when all four rules answered without error. */
export async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/checkv2`, { method: 'POST', body: readFileSync(message), headers: { 'x-lookup': 'bench.test' } });
    const json = (await res.json()) as { symbols?: Record<string, unknown> };
    const names = Object.keys(json.symbols ?? {});
    return ['HTTP_GET', 'DNS_A', 'TCP_PING', 'REDIS_PIPE'].every((n) => names.includes(n)) && !names.some((n) => n.endsWith('_ERROR'));
  } catch {
    return false;
  }
}

export async function waitHealthy(name: string, url: string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await healthy(url)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} at ${url} did not answer a healthy scan within ${seconds} s`);
}

export interface Server {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export function processServer(name: string, url: string, child: ChildProcess): Server {
  return {
    name,
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/**
 * One bounded run: `total` scans, `connections` at a time, over an undici
 * pool (it reconnects when a server answers Connection: close, as Rspamd
 * does); latency per request with sub-millisecond precision.
 */
export async function load(url: string, connections: number, total: number): Promise<Run> {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const body = readFileSync(message);
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < total) {
        next++;
        const t0 = performance.now();
        try {
          const res = await pool.request({ path: '/checkv2', method: 'POST', body, headers: { 'x-lookup': 'bench.test', ip: '192.0.2.10', from: 'sender@example.com' } });
          const text = await res.body.text();
          if (res.statusCode !== 200 || text.includes('_ERROR')) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { rps: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

/**
 * The same load from wrk (one thread, `connections` connections, for
 * `seconds`), whose cost does not depend on how the server handles
 * connections (Rspamd closes every one); bench/e2e/post.lua checks every reply.
 */
export function wrkLoad(url: string, connections: number, seconds: number): Run & { requests: number } {
  const script = fileURLToPath(new URL('./e2e/post.lua', import.meta.url));
  const run = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, `${url}/checkv2`], { encoding: 'utf8', env: { ...process.env, BENCH_MSG: message } });
  if (run.error) throw new Error(`wrk is needed for bench:e2e (Debian package wrk: apt-get install wrk): ${run.error.message}`);
  const m = /CORAX-BENCH requests=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+) bad=(\d+) errors=(\d+)/.exec(run.stdout);
  if (!m) throw new Error(`wrk gave no figures: ${run.stdout}${run.stderr}`);
  const [requests, duration, p50, p99, bad, errors] = m.slice(1).map(Number);
  return { rps: requests / (duration / 1e6), p50: p50 / 1000, p99: p99 / 1000, errors: bad + errors, requests };
}

export function peakRss(pid: number): number {
  let total: number;
  try {
    total = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return NaN;
  }
  // Rspamd scans in a child (the normal worker): count the whole tree
  for (const child of childrenOf(pid)) total += peakRss(child) || 0;
  return total;
}


function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** CPU milliseconds (user + system) a process and its children have used so far. */
export function cpuMs(pid: number): number {
  let total = 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    total = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks at 100 Hz
  } catch {
    return NaN;
  }
  for (const child of childrenOf(pid)) total += cpuMs(child) || 0;
  return total;
}

/**
 * The environment that makes servers run the built package (dist/, plain
 * tsc output), as users run it from npm, building it first; `--sources`
 * (or --quick) keeps the sources, run through tsx.
 */
export function packageUnderTest(quick: boolean): { env: Record<string, string>; label: string } {
  if (quick || process.argv.includes('--sources')) return { env: {}, label: 'the sources, through tsx' };
  execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../scripts/build.ts', import.meta.url))], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { env: { CORAX_USE_DIST: '1', BENCH_BUILT: '1' }, label: 'the built package (dist/, as installed from npm)' };
}

/**
 * corax itself for benchmarks that run it in their own process: the built
 * package (dist/, built first), as users run it, unless `--sources` or
 * `--quick` asks for the sources through tsx.
 */
export async function coraxUnderTest(quick: boolean): Promise<{ corax: typeof import('../index.ts'); label: string }> {
  const built = packageUnderTest(quick);
  const entry = built.env.CORAX_USE_DIST ? new URL('../dist/index.js', import.meta.url) : new URL('../index.ts', import.meta.url);
  return { corax: (await import(entry.href)) as typeof import('../index.ts'), label: built.label };
}

/** `corax serve` with a bench config (a path relative to bench/), on a free loopback port, as a Server to drive. */
export async function coraxServer(name: string, config: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [fileURLToPath(new URL('../bin/corax.js', import.meta.url)), 'serve', '--config', fileURLToPath(new URL(config, import.meta.url)), '--bind', `127.0.0.1:${port}`, ...args, '--log-level', 'error'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  return processServer(name, `http://127.0.0.1:${port}`, child);
}

/** Rspamd 3.4 (bench/rspamd) running the four rules in `form`, with `workers` normal workers, against the same peers and Redis. */
export async function rspamdServer(name: string, form: 'callback' | 'coro', peers: Peers, redisHost: string, prefix: string, workers = 1): Promise<Server> {
  const script = fileURLToPath(new URL('./rspamd/rspamd.sh', import.meta.url));
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `corax-rspamd-${form}-w${workers}-`));
  const pid = Number(execFileSync(script, ['start', dir, String(port), peers.dns, peers.http, String(peers.tcp.port), redisHost, prefix, form], { encoding: 'utf8', env: { ...process.env, RSPAMD_WORKERS: String(workers) } }).trim());
  return { name, url: `http://127.0.0.1:${port}`, pid, stop: async () => void execFileSync(script, ['stop', dir]) };
}
