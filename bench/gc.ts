/**
 * Garbage per scan: `corax serve` (rules that read the body) and the
 * hand-written server under the bench:e2e load, each with V8's GC trace
 * (`--trace-gc-nvp`) written to a file, in alternating rounds. Reports what
 * a scan allocates, what survives into the old generation, and the
 * main-thread pause time, per scan.
 *
 *   npm run bench:gc [-- --seconds 8 --rounds 3 --concurrency 16]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { peerEnv, startPeers } from './peers.ts';
import { fmt, machine, median, numberArg, report } from './lib.ts';
import { freePort, packageUnderTest, processServer, waitHealthy, wrkLoad, type Server } from './harness.ts';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const seconds = numberArg('seconds', 8);
const rounds = numberArg('rounds', 3);
const concurrency = numberArg('concurrency', 16);
const dir = mkdtempSync(join(tmpdir(), 'corax-bench-gc-'));

const peers = await startPeers();
const built = packageUnderTest(false);
const env = { ...process.env, ...built.env, ...peerEnv(peers, `corax-bench-gc:${process.pid}:`) };

/** A server whose GC trace goes to a file of its own. */
async function traced(name: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Server & { trace: string }> {
  const port = await freePort();
  const trace = join(dir, `${name.replace(/\W+/g, '-')}.log`);
  const child = spawn(process.execPath, ['--trace-gc-nvp', ...args.map((a) => a.replace('$PORT', String(port)))], {
    env: { ...env, PORT: String(port), ...extraEnv },
    stdio: ['ignore', openSync(trace, 'w'), 'inherit'],
  });
  return { ...processServer(name, `http://127.0.0.1:${port}`, child), trace };
}

interface Gc {
  allocated: number;
  promoted: number;
  pauseMs: number;
  scavenges: number;
}

/** The main thread's collections in the trace from byte `from` on (worker threads have their own isolates). */
function collections(trace: string, from: number): Gc {
  const out: Gc = { allocated: 0, promoted: 0, pauseMs: 0, scavenges: 0 };
  const all = readFileSync(trace, 'utf8');
  // the isolate with the most collections is the main thread's
  const counts = new Map<string, number>();
  for (const m of all.matchAll(/^\[\d+:(0x[0-9a-f]+)\]/gm)) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  const main = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  const text = all.slice(from);
  for (const line of text.split('\n')) {
    if (!line.includes(`:${main}]`) || !line.includes(' gc=')) continue;
    const field = (name: string): number => Number(new RegExp(`\\b${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);
    out.allocated += field('allocated');
    out.promoted += field('promoted');
    out.pauseMs += field('pause');
    if (line.includes(' gc=s ')) out.scavenges++;
  }
  return out;
}

const servers = [
  await traced('corax serve, rules read the body', [here('../bin/corax.js'), 'serve', '--config', here('./e2e/corax-body.config.ts'), '--bind', '127.0.0.1:$PORT', '--log-level', 'error']),
  await traced('hand-written async/await, reads the body', ['--conditions=development', '--import', 'tsx', here('./e2e/handwritten.ts')], { BENCH_BODY: '1' }),
];
try {
  for (const s of servers) await waitHealthy(s.name, s.url, 30);
  for (const s of servers) wrkLoad(s.url, concurrency, Math.max(1, Math.round(seconds / 3))); // warm-up
  const perScan = new Map(servers.map((s) => [s, { allocated: [] as number[], promoted: [] as number[], pause: [] as number[], scavenges: [] as number[] }]));
  for (let round = 0; round < rounds; round++) {
    for (const s of servers) {
      const from = readFileSync(s.trace, 'utf8').length;
      const run = wrkLoad(s.url, concurrency, seconds);
      await new Promise((r) => setTimeout(r, 200)); // the trace of the last collections reaches the file
      const gc = collections(s.trace, from);
      const f = perScan.get(s)!;
      f.allocated.push(gc.allocated / 1024 / run.requests);
      f.promoted.push(gc.promoted / 1024 / run.requests);
      f.pause.push((gc.pauseMs * 1000) / run.requests);
      f.scavenges.push((gc.scavenges * 1000) / run.requests);
    }
  }
  const rows = servers.map((s) => {
    const f = perScan.get(s)!;
    return `| ${s.name} | ${fmt(median(f.allocated), 1)} | ${fmt(median(f.promoted), 1)} | ${fmt(median(f.scavenges), 2)} | ${fmt(median(f.pause), 1)} |`;
  });
  report(
    `Garbage per scan (concurrency ${concurrency}, ${seconds} s per run, ${rounds} alternating rounds)`,
    [
      `Machine: ${machine()}; the load and rules of bench:e2e, corax from ${built.label}. Command: \`npm run bench:gc\`. From V8's trace (\`--trace-gc-nvp\`) of each server's main thread: bytes allocated between collections, bytes promoted to the old generation, and pause time, over the scans wrk counted.`,
      '',
      '| server | KB allocated per scan | KB promoted per scan | scavenges per 1,000 scans | GC pause µs per scan |',
      '|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  );
} finally {
  for (const s of servers) await s.stop();
  await peers.stop();
}
