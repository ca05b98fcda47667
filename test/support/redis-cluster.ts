/**
 * A private Redis Cluster on loopback: three masters and a replica each, in a
 * temporary directory, created with `redis-cli --cluster create` and stopped
 * by pid. A node can be killed to make its replica take over.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.ts';

export interface RedisClusterNode {
  port: number;
  busPort: number;
  process: ChildProcess;
}

export interface LocalRedisCluster {
  nodes: RedisClusterNode[];
  /** `host:port,…` of every node, as corax's `cluster` setting takes it. */
  seeds: string;
  /** The master that serves `slot`, from CLUSTER SLOTS. */
  masterOf(slot: number): RedisClusterNode;
  /** Kills a node (SIGKILL) and waits until the cluster is ok again, its replica promoted; resolves to how long that took in ms. */
  fail(node: RedisClusterNode): Promise<number>;
  /** Starts a failed node again; it rejoins as a replica. */
  restart(node: RedisClusterNode): Promise<void>;
  stop(): Promise<void>;
}

const cli = (port: number, ...args: string[]): string => spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '';

function startNode(dir: string, port: number, busPort: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '1000', '--cluster-replica-validity-factor', '0', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`cannot start redis-server for the cluster (install Debian's redis-server package): ${e.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server on port ${port} exited with ${code}`)));
    child.stdout!.on('data', (chunk) => /Ready to accept connections/.test(String(chunk)) && resolve(child));
  });
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > ms) throw new Error(`the local Redis Cluster did not become ready: ${what}`);
    await wait(100);
  }
}

export async function startRedisCluster(): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'corax-redis-cluster-'));
  const nodes: RedisClusterNode[] = [];
  const dead = new Set<RedisClusterNode>();
  try {
    for (let i = 0; i < 6; i++) {
      const port = await freePort();
      const busPort = await freePort();
      nodes.push({ port, busPort, process: await startNode(dir, port, busPort) });
    }
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await until('cluster_state:ok on every node', () => nodes.every((n) => cli(n.port, 'cluster', 'info').includes('cluster_state:ok')));
    // replicas in sync, so that one can take over
    await until('every replica linked to its master', () =>
      nodes.every((n) => {
        const info = cli(n.port, 'info', 'replication');
        return info.includes('role:master') || info.includes('master_link_status:up');
      }),
    );
  } catch (error) {
    for (const n of nodes) n.process.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const alive = (): RedisClusterNode[] => nodes.filter((n) => !dead.has(n));
  const slotsOwner = (slot: number): number | undefined => {
    // CLUSTER SLOTS in redis-cli's raw form: start, end, then host, port, id per node, master first
    const lines = cli(alive()[0]!.port, '--raw', 'cluster', 'slots').split('\n');
    for (let i = 0; i + 4 < lines.length; i++) {
      const start = Number(lines[i]);
      const end = Number(lines[i + 1]);
      if (/^\d+$/.test(lines[i]!) && /^\d+$/.test(lines[i + 1]!) && lines[i + 2] === '127.0.0.1' && slot >= start && slot <= end) return Number(lines[i + 3]);
    }
    return undefined;
  };
  return {
    nodes,
    seeds: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    masterOf(slot) {
      const port = slotsOwner(slot);
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`no master found for slot ${slot}`);
      return node;
    },
    async fail(node) {
      const owned = [0, 5461, 10923, 16383].find((slot) => slotsOwner(slot) === node.port);
      const start = Date.now();
      dead.add(node);
      node.process.kill('SIGKILL');
      await until(
        'a replica promoted after a master was killed',
        () => {
          const owner = owned === undefined ? undefined : slotsOwner(owned);
          return (owned === undefined || (owner !== undefined && owner !== node.port)) && alive().every((n) => cli(n.port, 'cluster', 'info').includes('cluster_state:ok'));
        },
        30_000,
      );
      return Date.now() - start;
    },
    async restart(node) {
      node.process = await startNode(dir, node.port, node.busPort);
      dead.delete(node);
      await until('a restarted node back in the cluster', () => cli(node.port, 'cluster', 'info').includes('cluster_state:ok'), 30_000);
    },
    async stop() {
      for (const n of nodes) n.process.kill('SIGKILL');
      await Promise.all(nodes.map((n) => (n.process.exitCode !== null || n.process.signalCode ? undefined : new Promise((r) => n.process.once('exit', r)))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
