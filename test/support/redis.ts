/**
 * The real Redis for tests: REDIS_URL (default redis://127.0.0.1:6379), a
 * private key prefix per run, cleaned up afterwards. If nothing answers, the
 * tests fail and say how to start one; they do not skip.
 */
import { Redis } from 'ioredis';

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** host:port of REDIS_URL, as corax's `servers` setting wants it. */
export function redisServer(): string {
  const u = new URL(redisUrl);
  return `${u.hostname}:${u.port || 6379}`;
}

export function testPrefix(name: string): string {
  return `corax-test:${process.pid}:${name}:`;
}

export async function requireRedis(): Promise<Redis> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new Error(
      `Redis is not answering at ${redisUrl} (${(error as Error).message}). ` +
        `Start one with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no ` +
        `(or point REDIS_URL at one).`,
    );
  }
  return client;
}

/** Deletes every key under `prefix`. */
export async function cleanup(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await client.del(...keys);
  } while (cursor !== '0');
}
