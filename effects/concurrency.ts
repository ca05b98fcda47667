import type { Instruction, Operation } from './effect.ts';

export const CONTROL: unique symbol = Symbol.for('corax.control') as never;

/** A concurrency instruction for the driver; never reaches an interpreter. */
export interface Control {
  readonly [CONTROL]: 'all' | 'race';
  readonly ops: readonly Operation<unknown>[];
}

export function isControl(value: unknown): value is Control {
  return typeof value === 'object' && value !== null && CONTROL in value;
}

type ReturnOf<T> = T extends Operation<infer R> ? R : never;

/**
 * Runs operations concurrently inside one symbol and returns each one's own
 * return value (for effects, its tuple), in order.
 *
 * @example
 * const [[e1, a], [e2, b]] = yield* all([dns.request({ type: 'a', name }), http.request({ url })]);
 */
export function all<const T extends readonly Operation<unknown>[]>(ops: T): Operation<{ -readonly [K in keyof T]: ReturnOf<T[K]> }> {
  return new Fork<{ -readonly [K in keyof T]: ReturnOf<T[K]> }>('all', ops);
}

/**
 * Runs operations concurrently and returns the first to finish; the others
 * are halted and their effects cancelled.
 *
 * @example
 * const winner = yield* race([http.request({ url: a }), http.request({ url: b })]);
 */
export function race<const T extends readonly Operation<unknown>[]>(ops: T): Operation<ReturnOf<T[number]>> {
  if (ops.length === 0) throw new TypeError('race: needs at least one operation');
  return new Fork<ReturnOf<T[number]>>('race', ops);
}

/** `all`/`race` as an operation that can be run more than once: it yields its instruction and returns the driver's answer. */
class Fork<T> implements Operation<T> {
  constructor(
    private readonly kind: 'all' | 'race',
    private readonly ops: readonly Operation<unknown>[],
  ) {}

  *[Symbol.iterator](): Generator<Instruction, T, unknown> {
    if (this.ops.length === 0) return [] as T;
    return (yield { [CONTROL]: this.kind, ops: this.ops }) as T;
  }
}
