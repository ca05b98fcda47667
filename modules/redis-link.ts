/**
 * How commands reach a Redis server: one shared ioredis client per server and
 * settings (a link), a command or a pipeline sent once the client is ready,
 * and ioredis' errors in Rspamd's wording.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { clusterClient, isScriptLoad, loadOnEveryMaster } from './redis-cluster.ts';
import type { CancelReason } from '../effects/handler.ts';
import type { RedisCommandResult, RedisParams, RedisReply } from '../effects/redis.ts';
import { splitServers } from '../effects/redis.ts';
import { ConnectionRefusedError, ConnectionResetError, CoraxError, RedisReplyError, TimeoutError } from '../effects/errors.ts';
import { parseHostPort } from '../effects/host-port.ts';

function connectionFailure(lastError: Error | null, cause: unknown): CoraxError {
  const code = (lastError as NodeJS.ErrnoException | null)?.code;
  if (code === 'ECONNREFUSED') return new ConnectionRefusedError('Connection refused', { cause: lastError });
  if (code === 'ETIMEDOUT') return new TimeoutError('Connection timed out', { cause: lastError });
  return new ConnectionResetError('Connection reset by peer', { cause: lastError ?? cause });
}

function mapError(error: unknown, lastError: Error | null): CoraxError {
  if (error instanceof CoraxError) return error;
  const e = error as NodeJS.ErrnoException;
  // ioredis' cluster client refuses a multi-key command across slots itself, in Redis's own words
  if (e?.name === 'ReplyError' || /^CROSSSLOT /.test(e?.message ?? '')) return new RedisReplyError(e.message, { cause: error });
  if (e?.code === 'ECONNREFUSED') return new ConnectionRefusedError('Connection refused', { cause: error });
  if (e?.code === 'ECONNRESET' || e?.code === 'EPIPE') return new ConnectionResetError('Connection reset by peer', { cause: error });
  // ioredis' own wording for a connection that is gone, or that gave up reconnecting
  if (/Stream isn't writeable|Connection is closed|max retries|enableOfflineQueue|Cluster isn't ready|None of startup nodes|refresh slots cache/i.test(e?.message ?? '')) return connectionFailure(lastError, error);
  return new CoraxError(e?.code ?? 'EREDIS', e?.message ?? String(error), { cause: error });
}

/**
 * One ioredis client, shared by every task that talks to the same server with
 * the same settings. Outside cluster mode commands never sit in ioredis'
 * offline queue: while the server is down they fail at once with the reason, and the client keeps
 * reconnecting in the background so rules recover when the server is back.
 * After a command times out the link is retired, as Rspamd drops such a
 * connection: new commands get a fresh client, and the old one is closed
 * once what it still carries has settled.
 */
export class RedisLink {
  readonly client: Redis | Cluster;
  lastError: Error | null = null;
  retired = false;
  private inflight = 0;
  private connecting: Promise<void> | null = null;

  constructor(server: string, params: RedisParams, private readonly timeout: number) {
    const options: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(times * 50, 1000),
      connectTimeout: timeout,
      db: params.db,
      username: params.username,
      password: params.password,
      keyPrefix: params.prefix,
    };
    if (params.cluster) {
      this.client = clusterClient(params, timeout);
    } else if (params.sentinels) {
      options.sentinels = splitServers(params.sentinels).map((s) => parseHostPort(s, 26379) ?? { host: s, port: 26379 });
      options.name = params.sentinel_master ?? 'mymaster';
      this.client = new Redis(options);
    } else if (/^rediss?:\/\//.test(server)) {
      this.client = new Redis(server, options);
    } else if (server.startsWith('/')) {
      this.client = new Redis({ ...options, path: server });
    } else {
      const { host, port } = parseHostPort(server, 6379) ?? { host: server, port: 6379 };
      this.client = new Redis({ ...options, host, port });
    }
    this.client.on('error', (error) => (this.lastError = error));
    this.client.on('ready', () => (this.lastError = null));
  }

  /** Counts a command in, so a retired link closes when it is idle: `untrack` counts it out. */
  begin(): void {
    this.inflight++;
  }

  readonly untrack = (): void => {
    if (--this.inflight === 0 && this.retired) this.client.disconnect();
  };

  /** An effect's cancellation: a timeout means the link is no longer trusted (Rspamd drops the connection). One function per link, not one per command. */
  readonly retireOnTimeout = (reason: CancelReason): void => {
    if (reason === 'timeout') this.retire();
  };

  retire(): void {
    if (this.retired) return;
    this.retired = true;
    if (this.inflight === 0) this.client.disconnect();
    // what a retired link still carries cannot outlive twice its timeout
    else setTimeout(() => this.client.disconnect(), 2 * this.timeout).unref();
  }

  async ready(): Promise<Redis | Cluster> {
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
    throw connectionFailure(this.lastError, null);
  }
}

type Settle = (ok: boolean, value: unknown) => void;

/**
 * Sends `what` with `run` once the link's client is ready: at once when it
 * is, or after its connect (whose failure is the effect's error). Returns no
 * teardown: a sent command cannot be withdrawn.
 */
export function whenReady<W>(link: RedisLink, settle: Settle, run: (link: RedisLink, client: Redis | Cluster, what: W, settle: Settle) => void, what: W): () => void {
  if (link.client.status === 'ready') run(link, link.client, what, settle);
  else link.ready().then((client) => run(link, client, what, settle), (error) => settle(false, error));
  return noTeardown;
}

/** Sends one command and settles with its reply; Redis errors become CoraxErrors. */
export function runCommand(link: RedisLink, client: Redis | Cluster, command: readonly (string | Uint8Array)[], settle: Settle): void {
  link.begin();
  const done = (error: unknown, reply?: unknown): void => {
    link.untrack();
    if (error) settle(false, mapError(error, link.lastError));
    else settle(true, reply);
  };
  if (client instanceof Cluster && isScriptLoad(command)) loadOnEveryMaster(client, command[2] as string).then((reply) => done(null, reply), done);
  else client.call(String(command[0]), ...(command.slice(1) as string[]), done);
}

/** A pipeline's results in command order; a connection failure under every command is the pipeline's own error. */
class PipelineResults {
  readonly out: RedisCommandResult[];
  private connectionErrors = 0;

  constructor(
    size: number,
    private readonly link: RedisLink,
  ) {
    this.out = new Array(size);
  }

  set(i: number, failure: Error | null | undefined, reply: unknown): void {
    if (!failure) {
      this.out[i] = [null, reply as RedisReply];
      return;
    }
    const mapped = mapError(failure, this.link.lastError);
    if (mapped instanceof RedisReplyError) this.out[i] = [new RedisReplyError(mapped.message, { index: i, cause: failure }), undefined];
    else {
      this.connectionErrors++;
      this.out[i] = [mapped, undefined];
    }
  }

  settle(settle: Settle): void {
    if (this.connectionErrors === this.out.length) settle(false, this.out[0][0]);
    else settle(true, this.out);
  }
}

/**
 * Sends a pipeline and settles with each command's result. On one server the
 * commands go back to back in one write (the socket corked) on the link's
 * connection, whose replies come in order; a cluster's go through ioredis'
 * Pipeline, which keeps them on their slot's node. Not Pipeline on one
 * server: its constructor gives every instance an accessor with a closure of
 * its own, which V8 keeps in the old generation, so every pipeline kept its
 * scan's objects alive through young collections.
 */
export function runPipeline(link: RedisLink, client: Redis | Cluster, commands: readonly (readonly (string | Uint8Array)[])[], settle: Settle): void {
  link.begin();
  if (client instanceof Cluster) {
    const pipeline = client.pipeline();
    for (const [name, ...args] of commands) pipeline.call(String(name), ...(args as string[]));
    pipeline.exec((error, replies) => {
      link.untrack();
      if (error) return settle(false, mapError(error, link.lastError));
      if (!replies) return settle(false, connectionFailure(link.lastError, null));
      const results = new PipelineResults(replies.length, link);
      for (let i = 0; i < replies.length; i++) results.set(i, replies[i][0], replies[i][1]);
      results.settle(settle);
    });
    return;
  }
  const results = new PipelineResults(commands.length, link);
  let pending = commands.length;
  const stream = client.stream;
  stream?.cork();
  try {
    for (let i = 0; i < commands.length; i++) {
      const [name, ...args] = commands[i];
      client.call(String(name), ...(args as string[]), (failure: Error | null | undefined, reply: unknown) => {
        results.set(i, failure, reply);
        if (--pending > 0) return;
        link.untrack();
        results.settle(settle);
      });
    }
  } finally {
    stream?.uncork();
  }
}

function noTeardown(): void {}
