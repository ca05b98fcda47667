import { Cluster } from 'ioredis';
import { exists, hasFlag } from '@ioredis/commands';
import { oneSlot } from './redis-cluster.ts';
import { RedisLink, runCommand, runPipeline, whenReady } from './redis-link.ts';
import { SUSPEND, type EffectContext, type Handler } from '../effects/handler.ts';
import type { LiveContext, LiveModule } from '../effects/family.ts';
import { resolveRedisTarget, splitServers, type RedisParams, type RedisSettings, type RedisTarget } from '../effects/redis.ts';
import { ArgumentError } from '../effects/errors.ts';

export interface RedisModule extends LiveModule<'redis.request' | 'redis.exec'> {
  /** Clients open, shared by every task. */
  readonly clients: number;
  close(): Promise<void>;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

function isReadOnly(name: string): boolean {
  const lower = name.toLowerCase();
  return exists(lower) && hasFlag(lower, 'readonly');
}

/**
 * Redis through ioredis: `redis.params(name)` resolved against the config
 * when the effect runs, read and write servers chosen by command, the server
 * within a list chosen by key, clients shared across tasks. The time limit is
 * the driver's; a timed-out command retires its client.
 */
export function createRedisModule(ctx: LiveContext<RedisSettings>): RedisModule {
  const settings = ctx.settings;
  const links = new Map<string, RedisLink>();

  /** Where a target's commands go, resolved once per section name or params object. */
  interface Route {
    params: RedisParams;
    read: string[];
    write: string[];
    /** Each server's link key (its server and the params a client is made with), made once: this runs for every command. */
    linkIds: Map<string, string>;
  }
  const sectionRoutes = new Map<string | null, Route>();
  const objectRoutes = new WeakMap<RedisParams, Route>();
  const readOnlyCache = new Map<string, boolean>();

  function routeFor(target: RedisTarget): Route {
    const cached = 'section' in target ? sectionRoutes.get(target.section) : objectRoutes.get(target);
    if (cached) return cached;
    const params = resolveRedisTarget(target, settings);
    const read = params.cluster ? ['cluster'] : params.sentinels ? ['sentinel'] : splitServers(params.read_servers ?? params.servers ?? params.write_servers);
    const write = params.cluster ? ['cluster'] : params.sentinels ? ['sentinel'] : splitServers(params.write_servers ?? params.servers ?? params.read_servers);
    const linkIds = new Map<string, string>();
    for (const server of [...read, ...write]) {
      linkIds.set(server, `${server}\u0000${params.db ?? ''}\u0000${params.username ?? ''}\u0000${params.password ?? ''}\u0000${params.prefix ?? ''}\u0000${params.sentinels ?? ''}\u0000${params.sentinel_master ?? ''}\u0000${params.cluster ?? ''}`);
    }
    const route: Route = { params, read, write, linkIds };
    if ('section' in target) sectionRoutes.set(target.section, route);
    else objectRoutes.set(target, route);
    return route;
  }

  function readOnly(name: string): boolean {
    let known = readOnlyCache.get(name);
    if (known === undefined) {
      known = isReadOnly(name);
      readOnlyCache.set(name, known);
    }
    return known;
  }

  function linkFor(target: RedisTarget, command: readonly (string | Uint8Array)[], routeAs?: 'read' | 'write', routeKey?: string): RedisLink {
    const route = routeFor(target);
    const servers = (routeAs ?? (readOnly(String(command[0])) ? 'read' : 'write')) === 'read' ? route.read : route.write;
    const { params } = route;
    if (servers.length === 0) {
      const where = 'section' in target && target.section ? `redis.${target.section} or redis` : 'redis';
      throw new ArgumentError(`no Redis servers configured: set ${where}.servers`);
    }
    const server = servers.length === 1 ? servers[0] : servers[fnv1a(routeKey ?? (command.length > 1 ? String(command[1]) : '')) % servers.length];
    const id = route.linkIds.get(server)!;
    let link = links.get(id);
    if (!link || link.retired) {
      link = new RedisLink(server, params, params.timeout ?? 1000);
      links.set(id, link);
    }
    return link;
  }

  const watch = (call: EffectContext, link: RedisLink): void => call.onCancel(link.retireOnTimeout);

  const request: Handler<'redis.request'> = (effect, call) => {
    const link = linkFor(effect.params, effect.command, effect.route, effect.key);
    watch(call, link);
    // answered from ioredis' callback (a suspension): no promise of our own
    return { [SUSPEND]: (settle) => whenReady(link, settle, runCommand, effect.command) };
  };

  const exec: Handler<'redis.exec'> = (effect, call) => {
    const { commands } = effect;
    if (commands.length === 0) return [];
    const link = linkFor(effect.params, commands.find((c) => !readOnly(String(c[0]))) ?? commands[0]);
    if (link.client instanceof Cluster) oneSlot(commands, link.client.options.keyPrefix ?? '');
    watch(call, link);
    return { [SUSPEND]: (settle) => whenReady(link, settle, runPipeline, commands) };
  };

  return {
    handlers: { 'redis.request': request, 'redis.exec': exec },
    resources: () => ({ redisClients: links.size }),
    get clients() {
      return links.size;
    },
    async close() {
      const all = [...links.values()];
      links.clear();
      for (const link of all) link.client.disconnect();
    },
  };
}
