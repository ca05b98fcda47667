import type { EffectContext, TaskScope } from '../effects/handler.ts';
import { CanceledError } from '../effects/errors.ts';

/** The context a handler gets; the AbortController is created only if a handler asks for the signal. */
export class EffectCall implements EffectContext {
  private controller: AbortController | null = null;
  private keyText: string | null = null;
  private cancelFns: (() => void)[] | null = null;
  private canceled = false;
  constructor(
    private readonly path: string,
    private readonly seq: number,
    readonly symbol: string,
    readonly task: TaskScope,
  ) {}

  /** Built on demand: most handlers never read it. */
  get key(): string {
    return (this.keyText ??= `${this.path}#${this.seq}`);
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.canceled) this.controller.abort(new CanceledError());
    }
    return this.controller.signal;
  }

  onCancel(fn: () => void): void {
    if (this.canceled) fn();
    else (this.cancelFns ??= []).push(fn);
  }

  abort(): void {
    if (this.canceled) return;
    this.canceled = true;
    this.controller?.abort(new CanceledError());
    const fns = this.cancelFns;
    this.cancelFns = null;
    if (fns) for (const fn of fns) fn();
  }
}
