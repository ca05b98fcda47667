import type { Effect, Operation } from '../../effects/effect.ts';
import { isOperation, isSuspension, isThenable, SUSPEND, type HandlerResult, type Suspension } from '../../effects/handler.ts';
import type { EffectEntry } from '../../effects/family.ts';
import { CoraxError, toCoraxError } from '../../effects/errors.ts';
import { specializeFault } from '../../effects/family.ts';
import type { Coroutine } from './coroutine.ts';
import type { EffectCall } from './effect-call.ts';

/** Whether a handler's answer is there already (a plain value) or must be waited for. */
export function isPending(out: unknown): out is PromiseLike<unknown> | Suspension<unknown> | Operation<unknown> {
  return typeof out === 'object' && out !== null && (isThenable(out) || isSuspension(out) || isOperation(out));
}

/**
 * What a failed effect means for the rule: a generic fault becomes its
 * family's error; a test failure stays fatal.
 */
export function failureOf(effect: Effect, error: unknown): CoraxError {
  const err = toCoraxError(error);
  return err.fatal ? err : specializeFault(err, effect);
}

/**
 * One effect being waited on: the one place a handler's answer (promise,
 * suspension, operation) becomes the coroutine's wait, and the one place the
 * effect's own timeout is enforced, on the interpreter's clock. It settles at
 * most once, counts itself in and out of the host's pending effects, and tears
 * the effect down when it is cancelled or times out. A class rather than
 * closures: this is the hot path.
 */
export class Wait {
  settled = false;
  private inner: (() => void) | null = null;
  private cancelTimer: (() => void) | null = null;

  constructor(
    readonly co: Coroutine,
    private readonly ctx: EffectCall,
    readonly effect: Effect,
    private readonly entry: EffectEntry,
  ) {}

  /**
   * Starts waiting on `out` (undefined: no answer will come, only the
   * timeout), with the effect's timeout armed when it has one. Callbacks are
   * made for the form at hand only: this runs once per waiting effect.
   */
  begin(out: HandlerResult<unknown> | undefined, timeout: number | undefined): void {
    const { clock } = this.co.host.io;
    if (timeout !== undefined && timeout >= 0 && timeout < Infinity) this.cancelTimer = clock.setTimer(timeout, () => this.onTimeout());
    if (out === undefined) return;
    if (isThenable(out)) {
      // a real promise holds a virtual clock, so time cannot jump past the work it stands for
      const held = clock.hold ? clock.hold(Promise.resolve(out)) : out;
      held.then(
        (value) => this.settle(true, value),
        (error) => this.settle(false, error),
      );
      return;
    }
    const onSettle = (ok: boolean, value: unknown): void => this.settle(ok, value);
    if (isSuspension(out)) {
      try {
        const teardown = out[SUSPEND](onSettle);
        if (!this.settled) this.inner = teardown;
      } catch (error) {
        this.settle(false, error);
      }
    } else {
      // a handler's own operation: a child coroutine, on the interpreter beneath the middleware
      this.inner = this.co.runHandlerOperation(out as Operation<unknown>, this.ctx.key, onSettle);
    }
  }

  private onTimeout(): void {
    if (this.settled) return;
    this.cancelTimer = null;
    const error = this.entry.spec.timeoutError?.(this.effect as never) ?? new CoraxError('ETIMEDOUT', 'IO timeout');
    this.finish('timeout');
    this.co.answer(this, false, error);
  }

  settle(ok: boolean, value: unknown): void {
    if (this.settled) return;
    // "the peer never answers": with a timeout armed, the timeout is what the rule sees, when it fires
    if (!ok && this.cancelTimer && (value as CoraxError | undefined)?.fault === 'timeout') return;
    this.settled = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.inner = null;
    this.co.host.pending(-1);
    const answer = ok ? value : failureOf(this.effect, value);
    this.ctx.answered(ok, answer);
    this.co.answer(this, ok, answer);
  }

  /** Tears the effect down: the coroutine no longer wants it (halted, race lost, task over). */
  cancel(): void {
    if (this.settled) return;
    this.finish('canceled');
  }

  private finish(reason: 'timeout' | 'canceled'): void {
    this.settled = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.co.host.pending(-1);
    this.ctx.abort(reason);
    const inner = this.inner;
    this.inner = null;
    inner?.();
  }
}

/** The branches of an `all` or `race`. */
export class ForkWait {
  finished = false;
  constructor(readonly kids: Coroutine[]) {}

  haltAll(except?: Coroutine): void {
    for (const kid of this.kids) if (kid !== except) kid.halt();
  }

  cancel(): void {
    this.finished = true;
    this.haltAll();
  }
}
