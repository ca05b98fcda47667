import type { Effect, EffectOf, EffectResults, EffectType } from '../effects/effect.ts';
import {
  isOperation,
  isSuspension,
  isThenable,
  SUSPEND,
  suspend,
  type EffectContext,
  type HandlerResult,
  type Interpreter,
  type Suspension,
} from '../effects/handler.ts';
import { CoraxError, UnexpectedEffectError, toCoraxError } from '../effects/errors.ts';
import { traceEntry, type TraceEntry } from './trace.ts';
import type { HttpResponse } from '../effects/http.ts';
import type { TcpHandle } from '../effects/tcp.ts';
import { Coroutine, type Host } from './coroutine.ts';
import { VirtualClock } from './clock.ts';

/** An HTTP answer in a test: everything but the status is optional. */
export interface HttpResponseInit {
  code?: number;
  content?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
}

/** What a test handler may answer for each effect type. */
export type TestValue<K extends EffectType> = K extends 'http.request'
  ? HttpResponseInit
  : K extends 'tcp.connect'
    ? Partial<TcpHandle>
    : K extends 'tcp.write' | 'tcp.close' | 'tcp.shutdown'
      ? true | void
      : EffectResults[K];

/** A value, an error to fail with, or a function of the effect. */
export type TestHandler<K extends EffectType> =
  | TestValue<K>
  | CoraxError
  | ((effect: EffectOf<K>, ctx: EffectContext) => HandlerResult<TestValue<K> | CoraxError>);

export type TestHandlers = { [K in EffectType]?: TestHandler<K> };

export interface TestInterpreterOptions {
  handlers: TestHandlers;
  /** Draws the completion order of concurrent effects; the same seed gives the same trace. */
  seed?: number | string;
  /** Start time in epoch ms (default 0), or a clock to share. */
  clock?: number | VirtualClock;
  /** Keep a trace of every effect and its result (default true). */
  trace?: boolean;
}

export interface TestInterpreter extends Interpreter {
  readonly clock: VirtualClock;
  readonly trace: TraceEntry[];
  readonly seed: number | string | undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const tcpIds = Symbol('corax.test.tcp-ids');

function normalize(type: string, value: unknown, ctx: EffectContext): unknown {
  if (type === 'http.request') {
    const init = (value ?? {}) as HttpResponseInit;
    const body = init.body ?? encoder.encode(init.content ?? '');
    const response: HttpResponse = {
      code: init.code ?? 200,
      content: init.content ?? decoder.decode(body),
      headers: init.headers ?? {},
      body,
    };
    return response;
  }
  if (type === 'tcp.connect') {
    const handle = (value ?? {}) as Partial<TcpHandle>;
    if (handle.id) return handle;
    const ids = ctx.task.local(tcpIds, () => ({ next: 0 }));
    return { id: `tcp${ids.next++}` };
  }
  if (type === 'tcp.write' || type === 'tcp.close' || type === 'tcp.shutdown') return true;
  return value;
}

/**
 * A deterministic interpreter for tests: answers from handlers, runs time on
 * a virtual clock, and fails closed on an effect it has no handler for.
 *
 * @example
 * const io = createTestInterpreter({
 *   handlers: { 'http.request': { code: 200, content: 'ok' }, 'dns.request': ['192.0.2.1'] },
 *   seed: 42,
 * });
 */
export function createTestInterpreter(options: TestInterpreterOptions): TestInterpreter {
  const handlers = (options.handlers ?? {}) as Record<string, unknown>;
  const handled = Object.keys(handlers).filter((k) => handlers[k] !== undefined);
  // plain values are normalized once, not per effect (tcp.connect ids are per task, so they stay lazy)
  const fixed = new Map<string, unknown>();
  for (const type of handled) {
    const value = handlers[type];
    if (typeof value !== 'function' && !(value instanceof CoraxError) && type !== 'tcp.connect') fixed.set(type, normalize(type, value, null as never));
  }
  const clock = options.clock instanceof VirtualClock ? options.clock : new VirtualClock({ start: options.clock ?? 0, seed: options.seed });
  const seeded = options.seed !== undefined;
  const trace: TraceEntry[] = [];
  const tracing = options.trace ?? true;

  const record = (effect: Effect, ctx: EffectContext, ok: boolean, value: unknown): void => {
    if (tracing) trace.push(traceEntry(effect, ctx, ok, value, clock.now()));
  };

  /** Delivers a result through the scheduler when seeded, so completion order comes from the seed. */
  const deliver = (effect: Effect, ctx: EffectContext, ok: boolean, value: unknown): HandlerResult<unknown> => {
    if (!seeded) {
      record(effect, ctx, ok, value);
      if (!ok) throw value;
      return value;
    }
    return suspend((resolve, reject) => {
      let live = true;
      clock.enqueue(() => {
        if (!live) return;
        record(effect, ctx, ok, value);
        if (ok) resolve(value);
        else reject(value);
      });
      return () => {
        live = false;
      };
    });
  };

  const settleLater = (effect: Effect, ctx: EffectContext, out: PromiseLike<unknown> | Suspension<unknown>): Suspension<unknown> =>
    suspend((resolve, reject) => {
      let live = true;
      const finish = (ok: boolean, value: unknown): void => {
        if (!live) return;
        live = false;
        let result: unknown = value;
        if (ok) {
          if (value instanceof CoraxError) ok = false;
          else result = normalize(effect.type, value, ctx);
        }
        record(effect, ctx, ok, result);
        if (ok) resolve(result);
        else reject(result);
      };
      let teardown: (() => void) | null = null;
      if (isSuspension(out)) teardown = out[SUSPEND](finish);
      else Promise.resolve(clock.hold(Promise.resolve(out))).then((v) => finish(true, v), (e) => finish(false, e));
      return () => {
        live = false;
        teardown?.();
      };
    });

  const runHandlerOperation = (effect: Effect, ctx: EffectContext, op: Iterable<unknown>): Suspension<unknown> =>
    settleLater(
      effect,
      ctx,
      suspend((resolve, reject) => {
        const host: Host = {
          scope: ctx.task,
          symbol: ctx.symbol,
          handle: (inner, innerCtx) => handle(inner, innerCtx),
          fail: reject,
          pending: () => {},
          report: () => {},
        };
        const co = new Coroutine(host, `${ctx.key}>`, op as never, (ok, value) => (ok ? resolve(value) : reject(value)));
        co.start();
        return () => co.halt();
      }),
    );

  const handle = (effect: Effect, ctx: EffectContext): HandlerResult<unknown> => {
    const value = fixed.get(effect.type);
    if (value !== undefined) return deliver(effect, ctx, true, value);
    const handler = handlers[effect.type];
    if (handler === undefined) {
      if (effect.type === 'time.sleep') {
        return suspend<void>((resolve) => clock.setTimer((effect as EffectOf<'time.sleep'>).ms, () => resolve()));
      }
      if (effect.type === 'time.now') return deliver(effect, ctx, true, clock.now());
      throw new UnexpectedEffectError(effect, handled);
    }
    let out: unknown = handler;
    if (typeof handler === 'function') {
      try {
        out = handler(effect, ctx);
      } catch (error) {
        const err = toCoraxError(error);
        if (err.fatal) throw err;
        return deliver(effect, ctx, false, err);
      }
    }
    if (out instanceof CoraxError) return deliver(effect, ctx, false, out);
    if (typeof out === 'object' && out !== null) {
      if (isOperation(out)) return runHandlerOperation(effect, ctx, out);
      if (isThenable(out) || isSuspension(out)) return settleLater(effect, ctx, out);
    }
    return deliver(effect, ctx, true, normalize(effect.type, out, ctx));
  };

  return { handle, clock, trace, seed: options.seed, close: async () => {} };
}
