import type { Effect } from '../../effects/effect.ts';
import type { Clock, EffectContext, Middleware } from '../../effects/handler.ts';
import { CanceledError, toCoraxError, type SerializedError } from '../../effects/errors.ts';
import { timeoutErrorOf } from '../../effects/family.ts';
import { observe } from './use.ts';

/** One effect and how it ended, as the rule saw it. */
export interface TraceEntry {
  /** The task's id. */
  task: string;
  /** The effect's position in its task (see EffectContext.key). */
  key: string;
  symbol: string;
  effect: Effect;
  ok: boolean;
  value?: unknown;
  error?: SerializedError;
  /** When it was performed, on the interpreter's clock. */
  started: number;
  /** When it settled, on the interpreter's clock. */
  at: number;
  /** Set when the effect's own timeout fired, or it was cancelled (task over, race lost). */
  ended?: 'timeout' | 'canceled';
  /** The milliseconds the driver gave it, when bounded. */
  timeout?: number;
}

export function traceEntry(effect: Effect, ctx: EffectContext, ok: boolean, value: unknown, started: number, at: number): TraceEntry {
  const entry: TraceEntry = { task: ctx.task.id, key: ctx.key, symbol: ctx.symbol, effect, ok, started, at };
  if (ctx.timeout !== undefined) entry.timeout = ctx.timeout;
  if (ok) entry.value = value;
  else entry.error = toCoraxError(value).toJSON();
  return entry;
}

/** Middleware that hands every effect to `entries` (an array, or a function) once it has ended, however it ended. */
export function traceInto(entries: TraceEntry[] | ((entry: TraceEntry) => void), clock: Clock): Middleware {
  const push = typeof entries === 'function' ? entries : (entry: TraceEntry): void => void entries.push(entry);
  return (next) => (effect, ctx) => {
    const started = clock.now();
    return observe(next, effect, ctx, {
      settled: (ok, value) => push(traceEntry(effect, ctx, ok, value, started, clock.now())),
      canceled: (reason) => {
        const error = reason === 'timeout' ? timeoutErrorOf(effect) : new CanceledError();
        push({ ...traceEntry(effect, ctx, false, error, started, clock.now()), ended: reason });
      },
    });
  };
}
