import { createHash } from 'node:crypto';
import { ArgumentError, ConfigError, ConnectionRefusedError, ConnectionResetError, CoraxError, deserializeError, RedisReplyError, TimeoutError, type SerializedError } from './errors.ts';
import { perform, type Instruction, type Operation, type Result } from './effect.ts';
import { scheduleCallback, type CallbackTask } from './callback.ts';
import { defineFamily, encodeValue, type Secrets } from './family.ts';
import { count, invalid, positive, section } from './config-check.ts';
import { parseHostPort } from './host-port.ts';

/** Connection settings, with Rspamd's names. Times are milliseconds. */
export interface RedisParams {
  /** `host:port`, `[v6]:port`, a `redis://…` URL or a socket path, or several separated by commas. */
  servers?: string;
  read_servers?: string;
  write_servers?: string;
  db?: number;
  username?: string;
  password?: string;
  /** Default 1000, as Rspamd's `timeout = 1s`. */
  timeout?: number;
  /** Prepended to every key argument. */
  prefix?: string;
  /** Sentinel addresses, `host:port,host:port`; `servers` is then ignored. */
  sentinels?: string;
  /** The master name the sentinels watch. */
  sentinel_master?: string;
  /**
   * Redis Cluster seed nodes, `host:port,host:port` (a corax extension: Rspamd
   * 3.4 has no cluster mode); `servers` is then ignored and `db` must be 0.
   * A pipeline's keys must hash to one slot: give them one hash tag, e.g.
   * `{user42}:sent` and `{user42}:seen`.
   */
  cluster?: string;
}

/** `redis.params(name)`: a config section looked up when the effect runs. */
export interface RedisSectionRef {
  section: string | null;
}

export type RedisTarget = RedisParams | RedisSectionRef;

export type RedisArg = string | number | Uint8Array;

export type RedisReply = string | number | null | RedisReply[];

/** One command's outcome in a pipeline: its reply, or its own error. */
export type RedisCommandResult = Result<RedisReply>;

export interface RedisRequestEffect {
  readonly type: 'redis.request';
  params: RedisTarget;
  command: (string | Uint8Array)[];
  /** Read or write servers, when the command's own flags do not say (a script: Rspamd's `is_write`). */
  route?: 'read' | 'write';
  /** The key that picks the server in a list (default: the command's first argument). */
  key?: string;
}

export interface RedisExecEffect {
  readonly type: 'redis.exec';
  params: RedisTarget;
  commands: (string | Uint8Array)[][];
}

export interface RedisCallbackAttrs {
  task: CallbackTask;
  callback(err: CoraxError | null, reply: RedisReply | undefined): void;
}

/** The global `redis` section (Rspamd's `redis { servers = ...; }`); other object-valued keys are named sections. */
export type RedisConfig = RedisParams & { [section: string]: RedisParams | string | number | undefined };

export type RedisSettings = Readonly<RedisConfig>;

declare module './effect.ts' {
  interface EffectDescriptors {
    'redis.request': RedisRequestEffect;
    'redis.exec': RedisExecEffect;
  }
  interface EffectResults {
    'redis.request': RedisReply;
    'redis.exec': RedisCommandResult[];
  }
}

declare module './family.ts' {
  interface FamilyConfigs {
    redis: [RedisConfig, RedisSettings];
  }
  interface TestValues {
    /** One reply per queued command, or a CoraxError for a command that fails. */
    'redis.exec': (RedisReply | CoraxError)[];
  }
}

function normalizeCommand(api: string, command: readonly RedisArg[]): (string | Uint8Array)[] {
  if (!Array.isArray(command) || typeof command[0] !== 'string' || command[0] === '') {
    throw new TypeError(`${api}: a command is a non-empty array starting with its name, e.g. ['GET', 'key']`);
  }
  return command.map((a) => (typeof a === 'number' ? String(a) : a));
}

function checkTarget(api: string, params: RedisTarget): RedisTarget {
  if (typeof params !== 'object' || params === null) throw new TypeError(`${api}: params must be an object such as { servers: '127.0.0.1:6379' } or redis.params(name)`);
  return params;
}

/**
 * The config section `redis[name]`, falling back to the global `redis`
 * section (Rspamd's `parse_redis_server`), resolved when the effect runs.
 */
function params(name?: string): RedisSectionRef {
  return { section: name ?? null };
}

/** The params a target stands for under the `redis` settings. */
export function resolveRedisTarget(target: RedisTarget, settings: RedisSettings | undefined): RedisParams {
  if ('section' in target) {
    const named = target.section === null ? undefined : settings?.[target.section];
    if (named && typeof named === 'object') return named as RedisParams;
    return (settings ?? {}) as RedisParams;
  }
  return target;
}

/** Rspamd's callback form words a timeout as a failure to reach the server. */
function callbackError(err: CoraxError | null): CoraxError | null {
  if (err?.code === 'ETIMEDOUT') return new TimeoutError('timeout while connecting the server', { cause: err });
  return err;
}

/**
 * One Redis command. With `{ task, callback }` as the second argument it is
 * Rspamd's callback form (`lua_redis.request`).
 *
 * @example
 * const [err, value] = yield* redis.request(redis.params(), ['GET', 'test_key']);
 */
function request(target: RedisTarget, attrs: RedisCallbackAttrs, command: readonly RedisArg[]): boolean;
function request(target: RedisTarget, command: readonly RedisArg[]): Operation<Result<RedisReply>>;
function request(target: RedisTarget, second: RedisCallbackAttrs | readonly RedisArg[], third?: readonly RedisArg[]): Operation<Result<RedisReply>> | boolean {
  if (!Array.isArray(second)) {
    const attrs = second as RedisCallbackAttrs;
    const op = perform({ type: 'redis.request', params: checkTarget('redis.request', target), command: normalizeCommand('redis.request', third ?? []) });
    return scheduleCallback(attrs.task, 'redis.request', function* () {
      const [err, reply] = yield* op;
      attrs.callback(callbackError(err), reply);
    });
  }
  return perform({ type: 'redis.request', params: checkTarget('redis.request', target), command: normalizeCommand('redis.request', second) });
}

/** A pipeline under construction: `addCmd` queues (no I/O), `exec` sends them all at once. */
export class RedisConnection {
  private queue: (string | Uint8Array)[][] = [];

  constructor(readonly params: RedisTarget) {}

  /** Queues a command; returns `[null, true]`, or `[error]` for a malformed command. */
  addCmd(name: string, args: readonly RedisArg[] = []): Result<true> {
    try {
      this.queue.push(normalizeCommand('conn.addCmd', [name, ...args]));
      return [null, true];
    } catch (error) {
      return [new ArgumentError(error instanceof Error ? error.message : String(error)), undefined];
    }
  }

  /**
   * Sends the queued commands as one pipeline. The outer error is for the
   * pipeline as a whole (the server is unreachable, the time is over); each
   * command has its own `[err, reply]`, so one failing command loses no other
   * reply (Rspamd's ok/reply pairs).
   */
  exec(): Operation<Result<RedisCommandResult[]>> {
    const commands = this.queue;
    this.queue = [];
    return perform({ type: 'redis.exec', params: this.params, commands });
  }
}

/**
 * A pipeline on the given server (Rspamd's `lua_redis.connect`). No I/O
 * happens until `exec()`.
 *
 * @example
 * const [err, conn] = yield* redis.connect(redis.params('redis_test'));
 * conn.addCmd('EVAL', ['return "hello from lua on redis"', '0']);
 * const [xerr, replies] = yield* conn.exec();
 */
function connect(target: RedisTarget): Operation<Result<RedisConnection>> {
  return {
    *[Symbol.iterator](): Generator<Instruction, Result<RedisConnection>, unknown> {
      return [null, new RedisConnection(checkTarget('redis.connect', target))];
    },
  };
}

export interface ScriptCallbackAttrs {
  task: CallbackTask;
  callback(err: CoraxError | null, reply: RedisReply | undefined): void;
  /** Run on the write servers (Rspamd's `is_write`); default the read servers. */
  write?: boolean;
}

/**
 * A Lua script run by its SHA-1 (Rspamd's `lua_redis.add_redis_script` /
 * `exec_redis_script`): `EVALSHA` first; on `NOSCRIPT` the server gets the
 * source with `SCRIPT LOAD` and the call is made again, once. Every step is a
 * `redis.request` effect, so scripts record and replay like any command.
 */
export class RedisScript {
  readonly sha: string;

  constructor(readonly source: string) {
    if (typeof source !== 'string' || source === '') throw new TypeError('redis.script: the source must be a non-empty string');
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * Runs the script with `keys` (KEYS[]) and `args` (ARGV[]). With
   * `{ task, callback }` as the second argument it is the callback form.
   *
   * @example
   * const incr = redis.script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
   * const [err, count] = yield* incr.exec(redis.params(), ['rate:' + domain], [1], { write: true });
   */
  exec(target: RedisTarget, attrs: ScriptCallbackAttrs, keys?: readonly RedisArg[], args?: readonly RedisArg[]): boolean;
  exec(target: RedisTarget, keys?: readonly RedisArg[], args?: readonly RedisArg[], options?: { write?: boolean }): Operation<Result<RedisReply>>;
  exec(
    target: RedisTarget,
    second?: ScriptCallbackAttrs | readonly RedisArg[],
    third?: readonly RedisArg[],
    fourth?: readonly RedisArg[] | { write?: boolean },
  ): Operation<Result<RedisReply>> | boolean {
    checkTarget('script.exec', target);
    if (second !== undefined && !Array.isArray(second)) {
      const attrs = second as ScriptCallbackAttrs;
      const op = this.operation(target, third ?? [], (fourth as readonly RedisArg[] | undefined) ?? [], attrs.write ?? false);
      return scheduleCallback(attrs.task, 'script.exec', function* () {
        const [err, reply] = yield* op;
        attrs.callback(callbackError(err), reply);
      });
    }
    return this.operation(target, (second as readonly RedisArg[] | undefined) ?? [], third ?? [], (fourth as { write?: boolean } | undefined)?.write ?? false);
  }

  private operation(target: RedisTarget, keys: readonly RedisArg[], args: readonly RedisArg[], write: boolean): Operation<Result<RedisReply>> {
    const route = write ? 'write' : 'read';
    const key = keys.length ? String(keys[0]) : undefined;
    const call = (command: RedisArg[]): RedisRequestEffect => {
      const effect: RedisRequestEffect = { type: 'redis.request', params: target, command: normalizeCommand('script.exec', command), route };
      if (key !== undefined) effect.key = key;
      return effect;
    };
    const evalsha = call(['EVALSHA', this.sha, keys.length, ...keys, ...args]);
    const load = call(['SCRIPT', 'LOAD', this.source]);
    return {
      *[Symbol.iterator](): Generator<Instruction, Result<RedisReply>, unknown> {
        const first = yield* perform(evalsha);
        if (!first[0] || !/^NOSCRIPT/.test(first[0].message)) return first;
        const [loadErr] = yield* perform(load);
        if (loadErr) return [loadErr, undefined];
        return yield* perform({ ...evalsha });
      },
    };
  }
}

/** A script for `exec` (Rspamd's `lua_redis.add_redis_script`). */
function script(source: string): RedisScript {
  return new RedisScript(source);
}

/** The Redis effect family. */
export const redis = { params, request, connect, script };

// ---- the family

const redisKeys = ['servers', 'read_servers', 'write_servers', 'db', 'username', 'password', 'timeout', 'prefix', 'sentinels', 'sentinel_master', 'cluster'];

/** Splits a servers list: `a:1, [::1]:2, redis://x, /path/to.sock`. */
export function splitServers(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function checkServer(path: string, server: string): void {
  if (/^rediss?:\/\//.test(server)) {
    try {
      new URL(server);
    } catch {
      invalid(path, server, 'a redis:// URL, host:port, [v6]:port or a socket path');
    }
    return;
  }
  if (server.startsWith('/')) return;
  if (!parseHostPort(server, 6379)) invalid(path, server, 'host:port, [v6]:port, a redis:// URL or a socket path');
}

function checkParams(path: string, p: Record<string, unknown>): void {
  for (const key of ['servers', 'read_servers', 'write_servers', 'username', 'password', 'prefix', 'sentinels', 'sentinel_master', 'cluster']) {
    if (p[key] !== undefined && typeof p[key] !== 'string') invalid(`${path}.${key}`, p[key], 'a string');
  }
  for (const key of ['servers', 'read_servers', 'write_servers', 'sentinels']) {
    splitServers(p[key] as string | undefined).forEach((s, i) => checkServer(`${path}.${key}[${i}]`, s));
  }
  splitServers(p.cluster as string | undefined).forEach((s, i) => parseHostPort(s, 6379) || invalid(`${path}.cluster[${i}]`, s, 'host:port or [v6]:port'));
  if (p.cluster !== undefined && !splitServers(p.cluster as string).length) invalid(`${path}.cluster`, p.cluster, 'one or more host:port seed nodes');
  if (p.db !== undefined) count(`${path}.db`, p.db, 0);
  if (p.cluster !== undefined && p.db) invalid(`${path}.db`, p.db, '0 with cluster (Redis Cluster has only database 0)');
  if (p.timeout !== undefined) positive(`${path}.timeout`, p.timeout, 0);
}

function resolveConfig(value: unknown): RedisSettings {
  const redis = section('redis', value);
  const out: RedisConfig = {};
  const globalParams: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(redis)) {
    if (redisKeys.includes(key)) globalParams[key] = v;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      for (const k of Object.keys(v)) {
        if (!redisKeys.includes(k)) throw new ConfigError(`invalid config: unknown option redis.${key}.${k}; known options are ${redisKeys.join(', ')}`);
      }
      checkParams(`redis.${key}`, v as Record<string, unknown>);
      out[key] = Object.freeze({ ...(v as RedisParams) });
    } else {
      throw new ConfigError(`invalid config: unknown option redis.${key}; known options are ${redisKeys.join(', ')}, or an object for a named section`);
    }
  }
  checkParams('redis', globalParams);
  Object.assign(out, globalParams);
  if (out.servers === undefined && out.read_servers === undefined && out.sentinels === undefined && out.cluster === undefined) out.servers = 'redis://127.0.0.1:6379';
  return Object.freeze(out);
}

function redactServers(list: string, secrets: Secrets): string {
  return splitServers(list)
    .map((s) => secrets.url(s))
    .join(',');
}

function redactParams(target: RedisTarget, secrets: Secrets): RedisTarget {
  if ('section' in target) return target;
  const out: Record<string, unknown> = { ...target };
  for (const key of Object.keys(out)) if (secrets.field(key)) out[key] = secrets.marker;
  for (const key of ['servers', 'read_servers', 'write_servers', 'sentinels']) {
    if (typeof out[key] === 'string' && (out[key] as string).includes('@')) out[key] = redactServers(out[key] as string, secrets);
  }
  return out as RedisTarget;
}

function redactCommand(command: (string | Uint8Array)[], secrets: Secrets): (string | Uint8Array)[] {
  const name = String(command[0]).toUpperCase();
  if (name === 'AUTH') return [command[0], ...command.slice(1).map(() => secrets.marker)];
  if (name === 'HELLO') {
    const out = [...command];
    const at = out.findIndex((a) => String(a).toUpperCase() === 'AUTH');
    if (at >= 0) for (let i = at + 1; i < Math.min(out.length, at + 3); i++) out[i] = secrets.marker;
    return out;
  }
  return command;
}

function isAuth(command: readonly unknown[]): boolean {
  const name = String(command[0]).toUpperCase();
  return name === 'AUTH' || name === 'HELLO';
}

const timeoutOf = (e: { params: RedisTarget }, s: RedisSettings | undefined): number => resolveRedisTarget(e.params, s).timeout ?? 1000;

const failures = {
  refused: () => new ConnectionRefusedError('Connection refused'),
  reset: () => new ConnectionResetError('Connection reset by peer'),
};

export const redisFamily = defineFamily<'redis.request' | 'redis.exec', RedisSettings>({
  name: 'redis',
  config: { key: 'redis', resolve: resolveConfig },
  effects: {
    'redis.request': {
      timeout: timeoutOf,
      // Rspamd runs a coroutine request as a one-command pipeline: the same words as exec
      timeoutError: () => new TimeoutError('Connection timed out'),
      describe: (e) => e.command.map(String).join(' '),
      redact(e, secrets) {
        const params = redactParams(e.params, secrets);
        const command = isAuth(e.command) ? redactCommand(e.command, secrets) : e.command;
        return params === e.params && command === e.command ? e : { ...e, params, command };
      },
      faults: { ...failures, error: () => new RedisReplyError('ERR injected failure') },
    },
    'redis.exec': {
      timeout: timeoutOf,
      timeoutError: () => new TimeoutError('Connection timed out'),
      describe: (e) => e.commands.map((c) => c.map(String).join(' ')).join('; '),
      redact(e, secrets) {
        const params = redactParams(e.params, secrets);
        const commands = e.commands.some(isAuth) ? e.commands.map((c) => redactCommand(c, secrets)) : e.commands;
        return params === e.params && commands === e.commands ? e : { ...e, params, commands };
      },
      faults: failures,
      // one command of the pipeline fails; the others keep their replies
      alter: { error: (results) => results.map((r, i): RedisCommandResult => (i === 0 ? [new RedisReplyError('ERR injected failure', { index: 0 }), undefined] : r)) },
      encodeResult: (results) => results.map(([err, reply]) => (err ? { error: err.toJSON() } : { reply: encodeValue(reply) })),
      decodeResult: (value) =>
        (value as ({ reply: RedisReply } | { error: SerializedError })[]).map((r): RedisCommandResult =>
          'error' in r ? [deserializeError(r.error), undefined] : [null, r.reply],
        ),
      testValue: (value) =>
        ((value ?? []) as (RedisReply | CoraxError)[]).map((r): RedisCommandResult => (r instanceof CoraxError ? [r, undefined] : [null, r])),
    },
  },
});
