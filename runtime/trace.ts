import type { Effect } from '../effects/effect.ts';
import type { Clock, EffectContext, Middleware } from '../effects/handler.ts';
import { toCoraxError, type SerializedError } from '../effects/errors.ts';
import { observe } from './interpreter.ts';

/** One effect and how it settled. */
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
  /** When it settled, on the interpreter's clock. */
  at: number;
}

export function traceEntry(effect: Effect, ctx: EffectContext, ok: boolean, value: unknown, at: number): TraceEntry {
  const entry: TraceEntry = { task: ctx.task.id, key: ctx.key, symbol: ctx.symbol, effect, ok, at };
  if (ok) entry.value = value;
  else entry.error = toCoraxError(value).toJSON();
  return entry;
}

/** Middleware that appends every settled effect to `entries`. */
export function traceInto(entries: TraceEntry[], clock: Clock): Middleware {
  return (next) => (effect, ctx) => observe(next, effect, ctx, (ok, value) => entries.push(traceEntry(effect, ctx, ok, value, clock.now())));
}
