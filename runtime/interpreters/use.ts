import type { Effect } from '../../effects/effect.ts';
import {
  isOperation,
  isSuspension,
  isThenable,
  SUSPEND,
  type CancelReason,
  type EffectContext,
  type Handle,
  type HandlerResult,
  type Interpreter,
  type Middleware,
  type Suspension,
} from '../../effects/handler.ts';
import type { CoraxError } from '../../effects/errors.ts';
import { failureOf } from '../driver/wait.ts';

/**
 * Wraps an interpreter in middleware. The last one listed is the outermost:
 * `use(io, record, faults)` injects faults and records what the rule saw.
 * The effects of a handler's own operation still go to the interpreter
 * beneath all of them (`base`).
 */
export function use(interpreter: Interpreter, ...middleware: Middleware[]): Interpreter {
  let handle = interpreter.handle;
  for (const mw of middleware) handle = mw(handle);
  return {
    handle,
    base: interpreter.base ?? interpreter.handle,
    clock: interpreter.clock,
    close: () => interpreter.close?.() ?? Promise.resolve(),
  };
}

/** How an effect ended, as a middleware sees it: exactly one of these is called. */
export interface Observer {
  /** The handler answered: the value, or the error as the rule gets it (its family's wording). */
  settled(ok: boolean, value: unknown): void;
  /** The effect was torn down without an answer: its own timeout fired, or nobody waits any more. */
  canceled?(reason: CancelReason): void;
}

/**
 * Calls `next` and reports how the effect ends, whatever form the answer
 * takes (value, promise, suspension, operation), as the rule will see it: a
 * "never answers" fault with a timeout armed is reported when the timeout
 * fires, not when the fault was thrown. A synchronous throw is reported and
 * rethrown.
 */
export function observe(next: Handle, effect: Effect, ctx: EffectContext, observer: Observer): HandlerResult<unknown> {
  let done = false;
  const settle = (ok: boolean, value: unknown): void => {
    if (done) return;
    if (!ok) {
      value = failureOf(effect, value);
      if ((value as CoraxError).fault === 'timeout' && ctx.timeout !== undefined) return; // the timeout will say
    }
    done = true;
    observer.settled(ok, value);
  };
  ctx.onCancel((reason) => {
    if (done) return;
    done = true;
    observer.canceled?.(reason);
  });
  let out: HandlerResult<unknown>;
  try {
    out = next(effect, ctx);
  } catch (error) {
    settle(false, error);
    throw error;
  }
  return observeResult(out, settle);
}

/** Wraps a handler's answer so `onSettle` hears how it settles, keeping its form. */
export function observeResult(out: HandlerResult<unknown>, onSettle: (ok: boolean, value: unknown) => void): HandlerResult<unknown> {
  if (typeof out !== 'object' || out === null) {
    onSettle(true, out);
    return out;
  }
  if (isSuspension(out)) {
    const inner = out;
    const wrapped: Suspension<unknown> = {
      [SUSPEND](settle) {
        return inner[SUSPEND]((ok, value) => {
          onSettle(ok, value);
          settle(ok, value);
        });
      },
    };
    return wrapped;
  }
  if (isThenable(out)) {
    return Promise.resolve(out).then(
      (value) => {
        onSettle(true, value);
        return value;
      },
      (error) => {
        onSettle(false, error);
        throw error;
      },
    );
  }
  if (isOperation(out)) {
    const op = out;
    return {
      *[Symbol.iterator]() {
        let value: unknown;
        try {
          value = yield* op;
        } catch (error) {
          onSettle(false, error);
          throw error;
        }
        onSettle(true, value);
        return value;
      },
    };
  }
  onSettle(true, out);
  return out;
}

/**
 * Hands a handler's answer (value, promise or suspension) to callbacks, for
 * middleware that must act once it is there (a delayed or altered answer);
 * returns its teardown. A handler's operation cannot be subscribed to outside
 * the driver: it fails with a clear error.
 */
export function subscribe(out: HandlerResult<unknown>, ok: (value: unknown) => void, fail: (error: unknown) => void): (() => void) | null {
  if (isThenable(out)) {
    out.then(ok, fail);
    return null;
  }
  if (isSuspension(out)) return out[SUSPEND]((good, value) => (good ? ok(value) : fail(value)));
  if (isOperation(out)) {
    fail(new TypeError('this middleware cannot wait on a handler operation (a function* test handler); answer with a value, a promise or a suspension'));
    return null;
  }
  ok(out);
  return null;
}
