import { defineConfig } from 'corax';
import { DNS_A, HTTP_GET, REDIS_PIPE, TCP_PING } from './rules-body.ts';

const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

export default defineConfig({
  symbols: [HTTP_GET, DNS_A, TCP_PING, REDIS_PIPE],
  dns: { servers: [process.env.BENCH_DNS ?? '127.0.0.1:53'], timeout: 1000, retransmits: 2 },
  redis: { servers: `${redisUrl.hostname}:${redisUrl.port || 6379}`, prefix: process.env.BENCH_REDIS_PREFIX ?? 'corax-bench:' },
});
