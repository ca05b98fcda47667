import { createRequire } from 'node:module';
import { Cluster } from 'ioredis';
import { exists, getKeyIndexes } from '@ioredis/commands';
import { splitServers, type RedisParams, type RedisReply } from '../effects/redis.ts';
import { ArgumentError } from '../effects/errors.ts';
import { parseHostPort } from '../effects/host-port.ts';

// ioredis' own slot function (CRC16 of the key or of its hash tag), untyped
const keySlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string | Uint8Array) => number;

/**
 * A Redis Cluster client for `params.cluster`: through a failover (a replica
 * promoted, slots moved) commands wait for the new owner, bounded by their
 * effect's timeout, instead of failing at once as single-server commands do.
 */
export function clusterClient(params: RedisParams, timeout: number): Cluster {
  return new Cluster(
    splitServers(params.cluster).map((s) => parseHostPort(s, 6379) ?? { host: s, port: 6379 }),
    {
      lazyConnect: true,
      enableOfflineQueue: true,
      keyPrefix: params.prefix,
      scaleReads: 'master',
      slotsRefreshTimeout: timeout,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      clusterRetryStrategy: (times) => Math.min(times * 100, 1000),
      redisOptions: { connectTimeout: timeout, username: params.username, password: params.password, maxRetriesPerRequest: 0 },
    },
  );
}

export function isScriptLoad(command: readonly (string | Uint8Array)[]): boolean {
  return String(command[0]).toUpperCase() === 'SCRIPT' && String(command[1]).toUpperCase() === 'LOAD';
}

/** A script is loaded where any key may send its EVALSHA: on every master. */
export async function loadOnEveryMaster(cluster: Cluster, source: string): Promise<RedisReply> {
  const shas = await Promise.all(cluster.nodes('master').map((node) => node.call('SCRIPT', 'LOAD', source)));
  return shas[0] as RedisReply;
}

/**
 * A Redis Cluster pipeline goes to one node, so its keys must hash to one
 * slot; otherwise the rule is told which keys differ and how to fix it,
 * before anything is sent.
 */
export function oneSlot(commands: readonly (readonly (string | Uint8Array)[])[], prefix: string): void {
  let first: { key: string; slot: number } | undefined;
  for (const [name, ...args] of commands) {
    const lower = String(name).toLowerCase();
    // a command ioredis does not know (a module's): it cannot say which arguments are keys, so Redis will
    if (!exists(lower)) continue;
    const argv: (string | Buffer)[] = args.map((a) => (typeof a === 'string' ? a : Buffer.from(a)));
    for (const at of getKeyIndexes(lower, argv)) {
      const arg = argv[at]!;
      const slot = keySlot(typeof arg === 'string' ? prefix + arg : Buffer.concat([Buffer.from(prefix), arg]));
      const key = prefix + String(arg);
      if (!first) first = { key, slot };
      else if (slot !== first.slot)
        throw new ArgumentError(
          `a Redis Cluster pipeline must keep its keys in one slot: "${first.key}" is in slot ${first.slot}, "${key}" in slot ${slot}; give them one hash tag, e.g. {user}:a and {user}:b`,
        );
    }
  }
}
