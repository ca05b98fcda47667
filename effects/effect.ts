import type { CoraxError } from './errors.ts';
import type { HttpRequestEffect, HttpResponse } from './http.ts';
import type { DnsRecord, DnsRequestEffect } from './dns.ts';
import type { TcpCloseEffect, TcpConnectEffect, TcpHandle, TcpReadEffect, TcpShutdownEffect, TcpWriteEffect } from './tcp.ts';
import type { RedisExecEffect, RedisReply, RedisRequestEffect } from './redis.ts';
import type { TimeNowEffect, TimeSleepEffect } from './time.ts';
import type { Control } from './concurrency.ts';

/**
 * The one map from effect type to the value its handler produces. A handler
 * table keyed by it that misses an effect does not compile.
 */
export interface EffectResults {
  'http.request': HttpResponse;
  'dns.request': DnsRecord[];
  'tcp.connect': TcpHandle;
  'tcp.write': true;
  'tcp.read': string;
  'tcp.shutdown': true;
  'tcp.close': true;
  'redis.request': RedisReply;
  'redis.exec': RedisReply[];
  'time.sleep': void;
  'time.now': number;
}

export type EffectType = keyof EffectResults;

/** Every effect descriptor: plain, JSON-serialisable data. */
export type Effect =
  | HttpRequestEffect
  | DnsRequestEffect
  | TcpConnectEffect
  | TcpWriteEffect
  | TcpReadEffect
  | TcpShutdownEffect
  | TcpCloseEffect
  | RedisRequestEffect
  | RedisExecEffect
  | TimeSleepEffect
  | TimeNowEffect;

export type EffectOf<K extends EffectType> = Extract<Effect, { type: K }>;

/** What a symbol's generator may yield: an effect, or a concurrency instruction. */
export type Instruction = Effect | Control;

/** Anything a rule can `yield*`: an iterable of instructions that returns `T`. */
export interface Operation<T> {
  [Symbol.iterator](): Iterator<Instruction, T, any>;
}

/**
 * Every fallible effect returns `[null, value]` or `[error, undefined]`.
 * After `if (err)` TypeScript knows `value` is defined.
 */
export type Result<T> = readonly [err: null, value: T] | readonly [err: CoraxError, value: undefined];

/** Performs one effect: yields its descriptor and returns the interpreter's answer. */
export function* perform<E extends Effect>(effect: E): Generator<Instruction, Result<EffectResults[E['type']]>, any> {
  return yield effect;
}

/** Like `perform` for effects that cannot fail (time): unwraps the tuple. */
export function* performValue<E extends Effect>(effect: E): Generator<Instruction, EffectResults[E['type']], any> {
  const [err, value] = (yield effect) as Result<EffectResults[E['type']]>;
  if (err) throw err;
  return value;
}

const effectTypes: ReadonlySet<string> = new Set<EffectType>([
  'http.request',
  'dns.request',
  'tcp.connect',
  'tcp.write',
  'tcp.read',
  'tcp.shutdown',
  'tcp.close',
  'redis.request',
  'redis.exec',
  'time.sleep',
  'time.now',
]);

export function isEffect(value: unknown): value is Effect {
  return typeof value === 'object' && value !== null && effectTypes.has((value as { type?: string }).type as string);
}

/** The family of an effect type: `'http.request'` → `'http'`. */
export function familyOf(type: string): string {
  const dot = type.indexOf('.');
  return dot < 0 ? type : type.slice(0, dot);
}
