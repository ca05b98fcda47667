import type { Effect, EffectOf, EffectResults, EffectType } from '../../effects/effect.ts';
import {
  isOperation,
  isSuspension,
  isThenable,
  SUSPEND,
  suspend,
  type EffectContext,
  type Handle,
  type HandlerResult,
  type Interpreter,
  type Suspension,
} from '../../effects/handler.ts';
import { CoraxError, UnexpectedEffectError, toCoraxError } from '../../effects/errors.ts';
import { describeEffect, effectEntry, testValueOf, type TestValues } from '../../effects/family.ts';
import type { TimeSleepEffect } from '../../effects/time.ts';
import { traceInto, type TraceEntry } from './trace.ts';
import { VirtualClock } from './clock.ts';
import '../families.ts';

/** What a test handler may answer for each effect type: its result, or what its family fills in. */
export type TestValue<K extends EffectType> = K extends keyof TestValues ? TestValues[K] : EffectResults[K];

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
  /** Keep a trace of every effect and how it ended (default true). */
  trace?: boolean;
  /** Real milliseconds a handler's promise may stay pending before the scan fails with StalledClockError (default 10 000). */
  stallLimit?: number;
}

export interface TestInterpreter extends Interpreter {
  readonly clock: VirtualClock;
  readonly trace: TraceEntry[];
  readonly seed: number | string | undefined;
}

/** Whether a family completes a test value from the effect's context (its testValue reads `ctx`). */
function perEffect(effect: Effect): boolean {
  const testValue = effectEntry(effect)?.spec.testValue;
  return testValue !== undefined && testValue.length >= 2;
}

/**
 * A deterministic interpreter for tests: answers from handlers, runs time on
 * a virtual clock, and fails closed on an effect it has no handler for. Each
 * effect's own timeout holds as it does live (the driver enforces it on this
 * clock), so a handler that takes longer than the effect allows times out.
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
  const clock = options.clock instanceof VirtualClock ? options.clock : new VirtualClock({ start: options.clock ?? 0, seed: options.seed, stallLimit: options.stallLimit });
  const seeded = options.seed !== undefined;
  const trace: TraceEntry[] = [];

  /** A result (or failure) as the rule gets it: through the scheduler when seeded, so completion order comes from the seed. */
  const deliver = (ok: boolean, value: unknown): HandlerResult<unknown> => {
    if (!seeded) {
      if (!ok) throw value;
      return value;
    }
    return suspend((resolve, reject) => {
      let live = true;
      clock.enqueue(() => {
        if (!live) return;
        if (ok) resolve(value);
        else reject(value);
      });
      return () => {
        live = false;
      };
    });
  };

  /** What a handler's answer (once there) means: an error to fail with, or a value its family completes. */
  const outcome = (effect: Effect, ctx: EffectContext, value: unknown): [boolean, unknown] =>
    value instanceof CoraxError ? [false, value] : [true, testValueOf(effect, value, ctx)];

  /** A promise stays a promise, so the driver holds the clock on it; a suspension stays a suspension. */
  const later = (effect: Effect, ctx: EffectContext, out: PromiseLike<unknown> | Suspension<unknown>): HandlerResult<unknown> => {
    if (isThenable(out)) {
      return Promise.resolve(out).then((value) => {
        const [ok, result] = outcome(effect, ctx, value);
        if (!ok) throw result;
        return result;
      });
    }
    return suspend((resolve, reject) => {
      let live = true;
      const finish = (ok: boolean, value: unknown): void => {
        if (!live) return;
        live = false;
        const [good, result] = ok ? outcome(effect, ctx, value) : [false, value];
        if (good) resolve(result);
        else reject(result);
      };
      const teardown = out[SUSPEND](finish);
      return () => {
        live = false;
        teardown();
      };
    });
  };

  // a plain value is completed once, not per effect, unless its family needs the effect's context (tcp.connect ids)
  const fixed = new Map<string, unknown>();
  const handle: Handle = (effect: Effect, ctx: EffectContext) => {
    const cached = fixed.get(effect.type);
    if (cached !== undefined) return deliver(true, cached);
    const handler = handlers[effect.type];
    if (handler === undefined) {
      if (effect.type === 'time.sleep') return suspend<void>((resolve) => clock.setTimer((effect as TimeSleepEffect).ms, () => resolve()));
      if (effect.type === 'time.now') return deliver(true, clock.now());
      throw new UnexpectedEffectError(effect, handled, describeEffect(effect));
    }
    let out: unknown = handler;
    if (typeof handler === 'function') {
      try {
        out = handler(effect, ctx);
      } catch (error) {
        const err = toCoraxError(error);
        if (err.fatal) throw err;
        return deliver(false, err);
      }
    }
    if (typeof out === 'object' && out !== null && !(out instanceof CoraxError)) {
      // the driver runs a handler's operation as a child coroutine, on this interpreter's clock
      if (isOperation(out)) {
        const op = out;
        return {
          *[Symbol.iterator]() {
            const [ok, result] = outcome(effect, ctx, yield* op);
            if (!ok) throw result;
            return result;
          },
        };
      }
      if (isThenable(out) || isSuspension(out)) return later(effect, ctx, out);
    }
    const [ok, result] = outcome(effect, ctx, out);
    if (ok && out === handler && result !== undefined && perEffect(effect) === false) fixed.set(effect.type, result);
    return deliver(ok, result);
  };

  const traced = options.trace === false ? handle : traceInto(trace, clock)(handle);
  return { handle: traced, base: handle, clock, trace, seed: options.seed, close: async () => {} };
}
