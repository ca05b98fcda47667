import type { Effect, Operation } from './effect.ts';

export const SCHEDULE: unique symbol = Symbol.for('corax.schedule') as never;

/** The part of a task the callback-style API needs: a way to start work owned by the calling symbol. */
export interface CallbackTask {
  /** `admit`: the effect the call will perform, checked against per-task limits now, so an over-limit call returns false. */
  [SCHEDULE](body: () => Operation<void>, admit?: Effect): boolean;
}

/**
 * Starts `body` in the background on behalf of the symbol that is running,
 * Rspamd-style. Returns false, and never runs the callback, when the task can
 * no longer take work.
 */
export function scheduleCallback(task: CallbackTask | undefined, api: string, body: () => Operation<void>, admit?: Effect): boolean {
  if (!task || typeof (task as Partial<CallbackTask>)[SCHEDULE] !== 'function') {
    throw new TypeError(`${api}: the callback form needs the symbol's \`task\` in its options`);
  }
  return task[SCHEDULE](body, admit);
}

/** Drops the callback-only fields so what is left is the effect's options. */
export function withoutCallback<T extends { task?: unknown; callback?: unknown }>(opts: T): Omit<T, 'task' | 'callback'> {
  const { task: _task, callback: _callback, ...rest } = opts;
  return rest;
}
