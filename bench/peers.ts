import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Peers {
  http: string;
  tcp: { host: string; port: number };
  dns: string;
  stop(): Promise<void>;
}

/** Starts bench/servers.ts in a child process and waits for its addresses. */
export async function startPeers(): Promise<Peers> {
  const child: ChildProcess = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', fileURLToPath(new URL('./servers.ts', import.meta.url))], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`bench servers exited with ${code}`)));
  });
  const addresses = JSON.parse(line);
  return {
    ...addresses,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

/** The environment the benchmark rules read their peers from (bench/e2e/rules.ts), with their Redis key prefix. */
export function peerEnv(peers: Peers, redisPrefix: string): Record<string, string> {
  return { BENCH_HTTP: peers.http, BENCH_DNS: peers.dns, BENCH_TCP_PORT: String(peers.tcp.port), BENCH_REDIS_PREFIX: redisPrefix };
}
