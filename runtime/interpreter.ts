import type { Effect } from '../effects/effect.ts';
import {
  isOperation,
  isSuspension,
  isThenable,
  SUSPEND,
  type EffectContext,
  type Handle,
  type HandlerResult,
  type Interpreter,
  type Middleware,
  type Suspension,
} from '../effects/handler.ts';

/**
 * Wraps an interpreter in middleware. The last one listed is the outermost:
 * `use(io, record, faults)` injects faults and records what the rule saw.
 */
export function use(interpreter: Interpreter, ...middleware: Middleware[]): Interpreter {
  let handle = interpreter.handle;
  for (const mw of middleware) handle = mw(handle);
  return {
    handle,
    clock: interpreter.clock,
    close: () => interpreter.close?.() ?? Promise.resolve(),
  };
}

/**
 * Calls `next` and reports how the effect settles, whatever form the answer
 * takes (value, promise, suspension, operation). A synchronous throw is
 * reported and rethrown.
 */
export function observe(
  next: Handle,
  effect: Effect,
  ctx: EffectContext,
  onSettle: (ok: boolean, value: unknown) => void,
): HandlerResult<unknown> {
  let out: HandlerResult<unknown>;
  try {
    out = next(effect, ctx);
  } catch (error) {
    onSettle(false, error);
    throw error;
  }
  return observeResult(out, onSettle);
}

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
    return (function* () {
      let value: unknown;
      try {
        value = yield* op;
      } catch (error) {
        onSettle(false, error);
        throw error;
      }
      onSettle(true, value);
      return value;
    })();
  }
  onSettle(true, out);
  return out;
}
