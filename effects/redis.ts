import { ArgumentError, type CoraxError } from './errors.ts';
import { perform, type Instruction, type Operation, type Result } from './effect.ts';
import { scheduleCallback, type CallbackTask } from './callback.ts';

/** Connection settings, with Rspamd's names. Times are milliseconds. */
export interface RedisParams {
  /** `host:port`, `redis://…` URL, or several separated by commas. */
  servers?: string;
  read_servers?: string;
  write_servers?: string;
  db?: number;
  username?: string;
  password?: string;
  timeout?: number;
  /** Prepended to every key argument. */
  prefix?: string;
  /** Sentinel addresses, `host:port,host:port`; `servers` is then ignored. */
  sentinels?: string;
  /** The master name the sentinels watch. */
  sentinel_master?: string;
}

/** `redis.params(name)`: a config section looked up when the effect runs. */
export interface RedisSectionRef {
  section: string | null;
}

export type RedisTarget = RedisParams | RedisSectionRef;

export type RedisArg = string | number | Uint8Array;

export type RedisReply = string | number | null | RedisReply[];

export interface RedisRequestEffect {
  readonly type: 'redis.request';
  params: RedisTarget;
  command: (string | Uint8Array)[];
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
    const effect: RedisRequestEffect = { type: 'redis.request', params: checkTarget('redis.request', target), command: normalizeCommand('redis.request', third ?? []) };
    return scheduleCallback(attrs.task, 'redis.request', function* () {
      const [err, reply] = yield* perform(effect);
      attrs.callback(err, reply);
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

  /** Sends the queued commands as one pipeline; the replies come back in order. */
  exec(): Operation<Result<RedisReply[]>> {
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
function* connect(target: RedisTarget): Generator<Instruction, Result<RedisConnection>, any> {
  return [null, new RedisConnection(checkTarget('redis.connect', target))];
}

/** The Redis effect family. */
export const redis = { params, request, connect };
