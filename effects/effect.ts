import type { CoraxError } from './errors.ts';
import type { Control } from './concurrency.ts';

/**
 * The one map from effect type to the value its handler produces. Each
 * family's file adds its own entries (declaration merging), so a handler
 * table keyed by it that misses an effect does not compile.
 */
export interface EffectResults {}

/** The descriptor of each effect type: plain, JSON-serialisable data. Families add theirs. */
export interface EffectDescriptors {}

export type EffectType = keyof EffectDescriptors & keyof EffectResults & string;

/** Every effect descriptor. */
export type Effect = EffectDescriptors[EffectType];

export type EffectOf<K extends EffectType> = EffectDescriptors[K];

/** What a symbol's generator may yield: an effect, or a concurrency instruction. */
export type Instruction = Effect | Control;

/**
 * Anything a rule can `yield*`: an iterable of instructions that returns `T`.
 * Every operation corax builds can be run more than once.
 */
export interface Operation<T> {
  [Symbol.iterator](): Iterator<Instruction, T, unknown>;
}

/**
 * Every fallible effect returns `[null, value]` or `[error, undefined]`.
 * After `if (err)` TypeScript knows `value` is defined.
 */
export type Result<T> = readonly [err: null, value: T] | readonly [err: CoraxError, value: undefined];

/**
 * One effect as an operation: the first step yields the descriptor, the
 * second returns what the driver answered. It is its own iterator the first
 * time it is run (one allocation per effect) and hands out a fresh one after.
 */
class Perform<T> implements Operation<T>, Iterator<Instruction, T, unknown> {
  private claimed = false;
  private yielded = false;

  constructor(
    readonly effect: Effect,
    private readonly unwrap: boolean,
  ) {}

  [Symbol.iterator](): Iterator<Instruction, T, unknown> {
    if (!this.claimed) {
      this.claimed = true;
      return this;
    }
    return new Perform<T>(this.effect, this.unwrap);
  }

  next(input?: unknown): IteratorResult<Instruction, T> {
    if (!this.yielded) {
      this.yielded = true;
      return { done: false, value: this.effect };
    }
    if (!this.unwrap) return { done: true, value: input as T };
    const [err, value] = input as Result<T>;
    if (err) throw err;
    return { done: true, value: value as T };
  }

  throw(error: unknown): IteratorResult<Instruction, T> {
    throw error;
  }

  return(value?: T): IteratorResult<Instruction, T> {
    this.yielded = true;
    return { done: true, value: value as T };
  }
}

/** Performs one effect: yields its descriptor and returns the interpreter's answer as a tuple. */
export function perform<E extends Effect>(effect: E): Operation<Result<EffectResults[E['type'] & EffectType]>> {
  return new Perform(effect, false);
}

/** Like `perform` for effects that cannot fail (time): returns the value itself. */
export function performValue<E extends Effect>(effect: E): Operation<EffectResults[E['type'] & EffectType]> {
  return new Perform(effect, true);
}

/** An operation from a generator function, run afresh each time it is iterated. */
export function operation<T>(body: () => Iterator<Instruction, T, unknown>): Operation<T> {
  return { [Symbol.iterator]: body };
}
