import type { TaskScope } from '../../effects/handler.ts';
import type { Logger } from '../log/logger.ts';

/**
 * One scan's scope, as handlers see it: identity, task-local state, and the
 * cleanups that run when the scan ends however it ends (modules close the
 * task's sockets here).
 */
export class TaskRun implements TaskScope {
  ended = false;
  /** Effects handed to an interpreter and not yet answered or torn down. */
  pendingEffects = 0;
  private locals: Map<symbol, unknown> | null = null;
  private endFns: (() => void)[] | null = null;
  private recordKeyValue: string | null = null;

  constructor(
    readonly id: string,
    private readonly keySource: () => string,
    private readonly logger: Logger,
  ) {}

  get recordKey(): string {
    return (this.recordKeyValue ??= this.keySource());
  }

  local<T>(key: symbol, init: () => T): T {
    const locals = (this.locals ??= new Map());
    if (locals.has(key)) return locals.get(key) as T;
    const value = init();
    locals.set(key, value);
    return value;
  }

  onEnd(fn: () => void): void {
    if (this.ended) {
      this.safely(fn);
      return;
    }
    (this.endFns ??= []).push(fn);
  }

  /** Ends the scope: runs cleanups, newest first. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const fns = this.endFns;
    this.endFns = null;
    if (fns) for (let i = fns.length - 1; i >= 0; i--) this.safely(fns[i]);
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.logger.error({ task: this.id, err: error }, 'task cleanup failed');
    }
  }
}
