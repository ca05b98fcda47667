import type { CancelReason, EffectContext, TaskScope } from '../../effects/handler.ts';
import { CanceledError, TimeoutError } from '../../effects/errors.ts';

/** The context a handler gets; the AbortController is created only if a handler asks for the signal. */
export class EffectCall implements EffectContext {
  private controller: AbortController | null = null;
  private keyText: string | null = null;
  private cancelFns: ((reason: CancelReason) => void)[] | null = null;
  private canceled: CancelReason | null = null;
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

  abort(reason: CancelReason): void {
    if (this.canceled) return;
    this.canceled = reason;
    this.controller?.abort(reasonError(reason));
    const fns = this.cancelFns;
    this.cancelFns = null;
    if (fns) for (const fn of fns) fn(reason);
  }
}

function reasonError(reason: CancelReason): Error {
  return reason === 'timeout' ? new TimeoutError() : new CanceledError();
}
