import type { Effect } from '../effects/effect.ts';
import type { EffectContext, Handle, HandlerTable, Interpreter } from '../effects/handler.ts';
import { defineConfig, type Config, type ConfigInput } from './config.ts';
import { realClock } from './clock.ts';
import { createTimeHandlers } from '../modules/time.ts';
import { createDnsModule } from '../modules/dns/index.ts';
import { createHttpModule } from '../modules/http.ts';
import { createTcpModule } from '../modules/tcp.ts';
import { createRedisModule } from '../modules/redis.ts';

export interface LiveInterpreter extends Interpreter {
  /** Open TCP sockets and Redis clients, for handle checks. */
  readonly resources: { tcpSockets: number; redisClients: number };
  close(): Promise<void>;
}

/**
 * Real I/O: every effect family through its module (undici, our DNS resolver
 * on dns-packet, node:net, ioredis). Connections are pooled across tasks;
 * `close()` closes them.
 *
 * @example
 * const io = createLiveInterpreter(config);
 * const scanner = createScanner(config, { io });
 */
export function createLiveInterpreter(input?: Config | ConfigInput): LiveInterpreter {
  const config = defineConfig(input ?? { symbols: [] });
  const dns = createDnsModule(config);
  const http = createHttpModule(config, dns);
  const tcp = createTcpModule(config, dns);
  const redis = createRedisModule(config);
  const table: HandlerTable = {
    'http.request': http.handler,
    'dns.request': dns.handler,
    ...tcp.handlers,
    ...redis.handlers,
    ...createTimeHandlers(),
  };
  const handle: Handle = (effect: Effect, ctx: EffectContext) => (table[effect.type] as Handle)(effect, ctx);
  let closing: Promise<void> | null = null;
  return {
    handle,
    clock: realClock,
    get resources() {
      return { tcpSockets: tcp.open, redisClients: redis.clients };
    },
    close() {
      closing ??= (async () => {
        tcp.close();
        dns.close();
        await Promise.all([http.close(), redis.close()]);
      })();
      return closing;
    },
  };
}
