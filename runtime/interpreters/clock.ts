import type { Clock } from '../../effects/handler.ts';
import { StalledClockError } from '../../effects/errors.ts';
import { createRandom, type Random } from './random.ts';

/** Wall-clock time and real timers, for live I/O. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

interface VirtualTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * Virtual time for the test interpreter and replay. Nothing waits for real:
 * when no work is ready and no real promise is held, time jumps to the next
 * timer. With a seed, the order in which ready completions run is drawn from
 * it; without one, they run first in, first out.
 */
export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: VirtualTimer[] = [];
  private ready: (() => void)[] = [];
  private readyHead = 0;
  private held = 0;
  private scheduled = false;
  private readonly random: Random | null;

  private readonly stallLimit: number;

  /**
   * `stallLimit`: real milliseconds a held promise may stay pending before
   * the wait fails with StalledClockError (default 10 000): virtual time
   * stands still meanwhile, so a promise that never settles would hang the
   * test.
   */
  constructor(options: { start?: number; seed?: number | string; stallLimit?: number } = {}) {
    this.time = options.start ?? 0;
    this.random = options.seed === undefined ? null : createRandom(options.seed);
    this.stallLimit = options.stallLimit ?? 10_000;
  }

  get seeded(): boolean {
    return this.random !== null;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer: VirtualTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    heapPush(this.timers, timer);
    this.wake();
    return () => {
      timer.cancelled = true;
    };
  }

  /** Queues a completion; it runs when the scheduler picks it. */
  enqueue(fn: () => void): void {
    this.ready.push(fn);
    this.wake();
  }

  hold<T>(work: Promise<T>): Promise<T> {
    this.held++;
    let stall: NodeJS.Timeout | undefined;
    const release = (): void => {
      if (stall === undefined) return;
      clearTimeout(stall);
      stall = undefined;
      this.held--;
      this.wake();
    };
    const stalled = new Promise<never>((_, reject) => {
      stall = setTimeout(() => {
        release();
        reject(new StalledClockError(this.stallLimit));
      }, this.stallLimit);
    });
    work.then(release, release);
    return Promise.race([work, stalled]);
  }

  /** Moves time forward by hand, firing what falls due (for tests of the clock itself). */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const next = this.peekTimer();
      if (!next || next.at > target) break;
      heapPop(this.timers);
      this.time = next.at;
      next.fn();
    }
    this.time = target;
  }

  /** True when nothing is ready and no timer is pending. */
  get idle(): boolean {
    return this.readyHead >= this.ready.length && !this.peekTimer();
  }

  private wake(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.pump);
  }

  private peekTimer(): VirtualTimer | undefined {
    const timers = this.timers;
    while (timers.length && timers[0].cancelled) heapPop(timers);
    return timers[0];
  }

  private readonly pump = (): void => {
    this.scheduled = false;
    const ready = this.ready;
    if (this.readyHead < ready.length) {
      if (this.random) {
        // one completion per turn, drawn from the seed, so everything issued meanwhile competes
        const i = this.readyHead + Math.floor(this.random() * (ready.length - this.readyHead));
        const fn = ready[i];
        ready[i] = ready[this.readyHead];
        ready[this.readyHead++] = fn;
        this.compact();
        fn();
      } else {
        const end = ready.length;
        while (this.readyHead < end) ready[this.readyHead++]();
        this.compact();
      }
      this.wake();
      return;
    }
    if (this.held > 0) return; // real work in flight: its settlement wakes us
    const next = this.peekTimer();
    if (!next) return;
    this.time = Math.max(this.time, next.at);
    // everything due now becomes ready, so timers that fall together compete like other completions
    while (this.timers.length && (this.timers[0].cancelled || this.timers[0].at <= this.time)) {
      const timer = heapPop(this.timers)!;
      if (!timer.cancelled) this.ready.push(timer.fn);
    }
    this.wake();
  };

  private compact(): void {
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    } else if (this.readyHead === this.ready.length) {
      this.ready.length = 0;
      this.readyHead = 0;
    }
  }
}

function less(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function heapPush(heap: VirtualTimer[], item: VirtualTimer): void {
  heap.push(item);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!less(heap[i], heap[parent])) break;
    [heap[i], heap[parent]] = [heap[parent], heap[i]];
    i = parent;
  }
}

function heapPop(heap: VirtualTimer[]): VirtualTimer | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length && last) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l], heap[m])) m = l;
      if (r < heap.length && less(heap[r], heap[m])) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  }
  return top;
}
