import { Redis, type RedisOptions } from 'ioredis';
import { hasFlag, exists } from '@ioredis/commands';
import type { Handler } from '../effects/handler.ts';
import type { RedisParams, RedisReply, RedisTarget } from '../effects/redis.ts';
import { ArgumentError, ConnectionRefusedError, CoraxError, RedisReplyError, TimeoutError } from '../effects/errors.ts';
import type { Config } from '../runtime/config.ts';

export interface RedisModule {
  handlers: { 'redis.request': Handler<'redis.request'>; 'redis.exec': Handler<'redis.exec'> };
  /** Clients open, shared by every task. */
  readonly clients: number;
  close(): Promise<void>;
}

function mapError(error: unknown, lastError: Error | null): CoraxError {
  if (error instanceof CoraxError) return error;
  const e = error as NodeJS.ErrnoException;
  if (e?.name === 'ReplyError') return new RedisReplyError(e.message, 0, { cause: error });
  if (e?.code === 'ECONNREFUSED') return new ConnectionRefusedError({ cause: error });
  if (e?.code === 'ETIMEDOUT' || /Command timed out/.test(e?.message ?? '')) return new TimeoutError({ cause: error });
  if (/Stream isn't writeable|Connection is closed/.test(e?.message ?? '')) {
    if ((lastError as NodeJS.ErrnoException | null)?.code === 'ECONNREFUSED') return new ConnectionRefusedError({ cause: lastError });
    return new CoraxError('ECONNRESET', 'Connection is closed', { cause: lastError ?? error });
  }
  return new CoraxError(e?.code ?? 'EREDIS', e?.message ?? String(error), { cause: error });
}

/**
 * One ioredis client, shared by every task that talks to the same server with
 * the same settings. Commands never sit in ioredis' offline queue: while the
 * server is down they fail at once with the reason, and the client keeps
 * reconnecting in the background so rules recover when the server is back.
 */
class RedisLink {
  readonly client: Redis;
  lastError: Error | null = null;
  private connecting: Promise<void> | null = null;

  constructor(server: string, params: RedisParams, timeout: number) {
    const options: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(times * 50, 1000),
      connectTimeout: timeout,
      commandTimeout: timeout,
      db: params.db,
      username: params.username,
      password: params.password,
      keyPrefix: params.prefix,
    };
    if (params.sentinels) {
      options.sentinels = params.sentinels.split(',').map((s) => {
        const [host, port] = s.trim().split(':');
        return { host, port: Number(port ?? 26379) };
      });
      options.name = params.sentinel_master ?? 'mymaster';
      this.client = new Redis(options);
    } else if (/^rediss?:\/\//.test(server)) {
      this.client = new Redis(server, options);
    } else if (server.startsWith('/')) {
      this.client = new Redis({ ...options, path: server });
    } else {
      const [host, port] = server.split(':');
      this.client = new Redis({ ...options, host, port: Number(port ?? 6379) });
    }
    this.client.on('error', (error) => (this.lastError = error));
    this.client.on('ready', () => (this.lastError = null));
  }

  /** Sends one command; Redis errors become CoraxErrors. */
  send(command: readonly (string | Uint8Array)[]): Promise<RedisReply> {
    return (this.client.call(String(command[0]), ...(command.slice(1) as string[])) as Promise<RedisReply>).then(undefined, this.mapFailure);
  }

  private readonly mapFailure = (error: unknown): never => {
    throw mapError(error, this.lastError);
  };

  async ready(): Promise<Redis> {
    const status = this.client.status;
    if (status === 'ready') return this.client;
    if (status === 'wait' && !this.connecting) {
      this.connecting = this.client.connect().then(
        () => {
          this.connecting = null;
        },
        (error) => {
          this.connecting = null;
          throw mapError(this.lastError ?? error, this.lastError);
        },
      );
    }
    if (this.connecting) {
      await this.connecting;
      return this.client;
    }
    throw mapError(this.lastError ?? new Error('Connection is closed'), this.lastError);
  }
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
 * within a list chosen by key, clients shared across tasks.
 */
export function createRedisModule(config: Config): RedisModule {
  const links = new Map<string, RedisLink>();

  function resolveParams(target: RedisTarget): RedisParams {
    if ('section' in target) {
      const section = target.section === null ? undefined : config.redis[target.section];
      if (section && typeof section === 'object') return section as RedisParams;
      return config.redis;
    }
    return target;
  }

  /** Where a target's commands go, resolved once per section name or params object. */
  interface Route {
    params: RedisParams;
    read: string[];
    write: string[];
    /** The link when the list has one server (the common case), found once. */
    readLink?: RedisLink;
    writeLink?: RedisLink;
  }
  const sectionRoutes = new Map<string | null, Route>();
  const objectRoutes = new WeakMap<RedisParams, Route>();
  const readOnlyCache = new Map<string, boolean>();

  function routeFor(target: RedisTarget): Route {
    const cached = 'section' in target ? sectionRoutes.get(target.section) : objectRoutes.get(target);
    if (cached) return cached;
    const params = resolveParams(target);
    const split = (list: string | undefined): string[] => (list ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const route: Route = {
      params,
      read: params.sentinels ? ['sentinel'] : split(params.read_servers ?? params.servers ?? params.write_servers),
      write: params.sentinels ? ['sentinel'] : split(params.write_servers ?? params.servers ?? params.read_servers),
    };
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

  function linkFor(target: RedisTarget, command: readonly (string | Uint8Array)[]): RedisLink {
    const route = routeFor(target);
    const isRead = readOnly(String(command[0]));
    const single = isRead ? route.readLink : route.writeLink;
    if (single) return single;
    const link = pickLink(target, route, isRead ? route.read : route.write, command);
    if ((isRead ? route.read : route.write).length === 1) {
      if (isRead) route.readLink = link;
      else route.writeLink = link;
    }
    return link;
  }

  function pickLink(target: RedisTarget, route: Route, servers: string[], command: readonly (string | Uint8Array)[]): RedisLink {
    const { params } = route;
    if (servers.length === 0) {
      const where = 'section' in target && target.section ? `redis.${target.section} or redis` : 'redis';
      throw new ArgumentError(`no Redis servers configured: set ${where}.servers`);
    }
    const key = command.length > 1 ? String(command[1]) : '';
    const server = servers.length === 1 ? servers[0] : servers[fnv1a(key) % servers.length];
    const timeout = params.timeout ?? 1000;
    const id = `${server}\u0000${params.db ?? ''}\u0000${params.username ?? ''}\u0000${params.password ?? ''}\u0000${params.prefix ?? ''}\u0000${timeout}\u0000${params.sentinels ?? ''}\u0000${params.sentinel_master ?? ''}`;
    let link = links.get(id);
    if (!link) {
      link = new RedisLink(server, params, timeout);
      links.set(id, link);
    }
    return link;
  }

  const handlers: RedisModule['handlers'] = {
    'redis.request': (effect) => {
      const link = linkFor(effect.params, effect.command);
      if (link.client.status === 'ready') return link.send(effect.command);
      return link.ready().then(() => link.send(effect.command));
    },
    'redis.exec': async (effect) => {
      if (effect.commands.length === 0) return [];
      const link = linkFor(effect.params, effect.commands.find((c) => !isReadOnly(String(c[0]))) ?? effect.commands[0]);
      const client = await link.ready();
      const pipeline = client.pipeline();
      for (const [name, ...args] of effect.commands) pipeline.call(String(name), ...(args as string[]));
      let results: [Error | null, unknown][] | null;
      try {
        results = await pipeline.exec();
      } catch (error) {
        throw mapError(error, link.lastError);
      }
      if (!results) throw mapError(new Error('Connection is closed'), link.lastError);
      const replies: RedisReply[] = [];
      for (let i = 0; i < results.length; i++) {
        const [error, reply] = results[i];
        if (error) {
          const mapped = mapError(error, link.lastError);
          throw mapped instanceof RedisReplyError ? new RedisReplyError(mapped.message, i, { cause: error }) : mapped;
        }
        replies.push(reply as RedisReply);
      }
      return replies;
    },
  };

  return {
    handlers,
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
