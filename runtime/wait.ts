import type { Coroutine } from './coroutine.ts';
import type { EffectCall } from './effect-call.ts';

/**
 * One effect being waited on: settles at most once, counts itself in and out
 * of the host's pending effects, and tears the effect down if cancelled.
 * A class rather than closures: this is the hot path.
 */
export class Wait {
  settled = false;
  inner: (() => void) | null = null;

  constructor(
    private readonly co: Coroutine,
    private readonly token: number,
    private readonly ctx: EffectCall,
  ) {}

  settle(ok: boolean, value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.co.host.pending(-1);
    this.co.answer(this.token, ok, value);
  }

  cancel(): void {
    if (!this.settled) {
      this.settled = true;
      this.co.host.pending(-1);
      this.ctx.abort();
    }
    const inner = this.inner;
    this.inner = null;
    inner?.();
  }
}

/** The branches of an `all` or `race`. */
export class ForkWait {
  finished = false;
  constructor(private readonly kids: Coroutine[]) {}

  haltAll(except?: Coroutine): void {
    for (const kid of this.kids) if (kid !== except) kid.halt();
  }

  cancel(): void {
    this.finished = true;
    this.haltAll();
  }
}
