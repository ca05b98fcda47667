import type { Effect, EffectOf, EffectResults, EffectType, Operation } from './effect.ts';

export type CancelReason = 'timeout' | 'canceled';

/** What a handler sees besides the effect itself. */
export interface EffectContext {
  /**
   * Where the effect stands in its task: `<symbol>#<n>`, with `.i` for the
   * branches of `all`/`race` and `!i` for callback-style work. Stable whatever
   * order effects complete in.
   */
  readonly key: string;
  /** The symbol that performed the effect. */
  readonly symbol: string;
  /** The task (one scan) the effect belongs to. */
  readonly task: TaskScope;
  /**
   * Milliseconds the driver gives the effect (its own option or the family's
   * default), on the interpreter's clock; undefined when unbounded. When it
   * is over the driver fails the effect and cancels it with reason `timeout`.
   */
  readonly timeout: number | undefined;
  /** Aborted when the effect is no longer wanted: its timeout fired, the task ended, the symbol was halted, a race was lost. */
  readonly signal: AbortSignal;
  /**
   * Runs `fn` when the effect is no longer wanted, like the signal's abort
   * event but without an AbortController per effect (hot paths use this).
   * `reason` is `timeout` when the effect's own timeout fired (a module may
   * then drop a connection it can no longer trust), else `canceled`.
   */
  onCancel(fn: (reason: CancelReason) => void): void;
}

/** The per-task view a handler gets: identity, task-local state, end-of-task cleanup. */
export interface TaskScope {
  readonly id: string;
  /** Identifies the task across runs: the queue id, or a digest of message and envelope. */
  readonly recordKey: string;
  readonly ended: boolean;
  /** Task-local state for a module (connection tables, counters), created on first use. */
  local<T>(key: symbol, init: () => T): T;
  /** Runs when the task ends, however it ends. */
  onEnd(fn: () => void): void;
}

export const SUSPEND: unique symbol = Symbol.for('corax.suspend') as never;

/**
 * A result that arrives later, settled by a callback rather than a promise, so
 * an interpreter decides exactly when the waiting coroutine resumes.
 */
export interface Suspension<T> {
  [SUSPEND](settle: (ok: boolean, value: unknown) => void): () => void;
  /** Phantom: the value the suspension resolves to. */
  readonly __value?: T;
}

/**
 * Builds a suspension from an executor that returns its teardown, like
 * `new Promise` with cancellation.
 */
export function suspend<T>(executor: (resolve: (value: T) => void, reject: (error: unknown) => void) => (() => void) | void): Suspension<T> {
  return {
    [SUSPEND](settle) {
      const teardown = executor(
        (value) => settle(true, value),
        (error) => settle(false, error),
      );
      return teardown ?? noop;
    },
  };
}

function noop(): void {}

export function isSuspension(value: unknown): value is Suspension<unknown> {
  return typeof value === 'object' && value !== null && SUSPEND in value;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** A generator, or an iterable that is not plain data (arrays and bytes are values). */
export function isOperation(value: unknown): value is Operation<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  if (typeof (value as Iterator<unknown>).next === 'function' && typeof (value as Iterator<unknown>).throw === 'function') return true;
  return (
    typeof (value as Operation<unknown>)[Symbol.iterator] === 'function' &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value) &&
    !(value instanceof Map) &&
    !(value instanceof Set)
  );
}

/** What a handler may return: the value, a promise, a suspension, or an operation. */
export type HandlerResult<T> = T | PromiseLike<T> | Suspension<T> | Operation<T>;

/** Handles one effect type; fails by throwing a CoraxError. */
export type Handler<K extends EffectType = EffectType> = (effect: EffectOf<K>, ctx: EffectContext) => HandlerResult<EffectResults[K]>;

/** Handles any effect: the shape every interpreter and middleware shares. */
export type Handle = (effect: Effect, ctx: EffectContext) => HandlerResult<unknown>;

/** A complete table: one handler per effect type. */
export type HandlerTable = { [K in EffectType]: Handler<K> };

/** Wraps a handle: record, trace, fault injection, metrics. */
export type Middleware = (next: Handle) => Handle;

/** Time as an interpreter sees it: real for live I/O, virtual for tests and replay. */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; returns the function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
  /** Tells a virtual clock that real asynchronous work is under way, so time must not jump. */
  hold?<T>(work: Promise<T>): Promise<T>;
}

/** Something that performs effects. */
export interface Interpreter {
  readonly handle: Handle;
  readonly clock: Clock;
  /**
   * Where the effects of a handler's own operation go (a test handler's
   * `yield* time.sleep(ms)`): the interpreter beneath every middleware, so
   * they are not recorded, traced or faulted. Default: `handle`.
   */
  readonly base?: Handle;
  close?(): Promise<void>;
}
