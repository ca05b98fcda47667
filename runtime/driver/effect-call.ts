import type { CancelReason, EffectContext, TaskScope } from '../../effects/handler.ts';
import type { Observer } from '../interpreters/use.ts';
import { CanceledError, TimeoutError } from '../../effects/errors.ts';

/** The context a handler gets; the AbortController is created only if a handler asks for the signal. */
export class EffectCall implements EffectContext {
  private controller: AbortController | null = null;
  private keyText: string | null = null;
  private cancelFns: ((reason: CancelReason) => void)[] | null = null;
  private canceled: CancelReason | null = null;
  private watcher: Observer | null = null;
  private ended = false;
  constructor(
    private readonly path: string,
    private readonly seq: number,
    readonly symbol: string,
    readonly task: TaskScope,
    readonly timeout: number | undefined,
  ) {}

  /** Built on demand: most handlers never read it. */
  get key(): string {
    return (this.keyText ??= `${this.path}#${this.seq}`);
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.canceled) this.controller.abort(reasonError(this.canceled));
    }
    return this.controller.signal;
  }

  onCancel(fn: (reason: CancelReason) => void): void {
    if (this.canceled) fn(this.canceled);
    else (this.cancelFns ??= []).push(fn);
  }

  /**
   * Hears how this effect ends as the rule sees it, from the driver itself:
   * the answer (its family's error wording), or a teardown (timeout,
   * cancellation). For middleware that only watches (metrics), this replaces
   * wrapping the handler's answer: one object per effect, no promise, no
   * closure. One watcher per effect; `observe` serves any other.
   */
  watch(observer: Observer): boolean {
    if (this.watcher || this.ended) return false;
    this.watcher = observer;
    return true;
  }

  /** The driver's report of the answer the rule gets. */
  answered(ok: boolean, value: unknown): void {
    if (this.ended) return;
    this.ended = true;
    const watcher = this.watcher;
    this.watcher = null;
    watcher?.settled(ok, value);
  }

  abort(reason: CancelReason): void {
    if (this.canceled) return;
    this.canceled = reason;
    if (!this.ended) {
      this.ended = true;
      const watcher = this.watcher;
      this.watcher = null;
      watcher?.canceled?.(reason);
    }
    this.controller?.abort(reasonError(reason));
    const fns = this.cancelFns;
    this.cancelFns = null;
    if (fns) for (const fn of fns) fn(reason);
  }
}

function reasonError(reason: CancelReason): Error {
  return reason === 'timeout' ? new TimeoutError() : new CanceledError();
}
