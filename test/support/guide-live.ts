/** The guide's services for real, on loopback: HTTP, TCP, DNS, and the real Redis. */
import type { Redis } from 'ioredis';
import { guide } from '../../examples/rspamd-guide/index.ts';
import type { ConfigInput } from '../../index.ts';
import { startDnsServer, type DnsTestServer } from './dns-server.ts';
import { GUIDE, guideZone } from './guide.ts';
import { startHttpServer, type HttpTestServer } from './http-server.ts';
import { cleanup, redisServer, requireRedis, testPrefix } from './redis.ts';
import { startTcpServer, type TcpTestServer } from './tcp-server.ts';

export interface GuideServices {
  http: HttpTestServer;
  tcp: TcpTestServer;
  dns: DnsTestServer;
  redis: Redis;
  prefix: string;
  /** The config sections the guide's rules need (DNS servers, redis.redis_test). */
  config: Omit<ConfigInput, 'symbols'>;
  stop(): Promise<void>;
}

export async function startGuideServices(name: string): Promise<GuideServices> {
  const redis = await requireRedis();
  const prefix = testPrefix(name);
  await redis.set(`${prefix}${GUIDE.redisKey}`, GUIDE.redisValue);
  const [http, tcp, dns] = await Promise.all([startHttpServer(), startTcpServer(), startDnsServer(guideZone)]);
  guide.httpBase = http.url;
  guide.tcpHost = tcp.host;
  guide.tcpPort = tcp.port;
  let stopped = false;
  return {
    http,
    tcp,
    dns,
    redis,
    prefix,
    config: { dns: { servers: [dns.address], timeout: 500 }, redis: { redis_test: { servers: redisServer(), prefix } } },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all([http.close(), tcp.close(), dns.close()]);
      await cleanup(redis, prefix);
      redis.disconnect();
    },
  };
}
