import { performValue, type Operation } from './effect.ts';
import { defineFamily } from './family.ts';

export interface TimeSleepEffect {
  readonly type: 'time.sleep';
  ms: number;
}

export interface TimeNowEffect {
  readonly type: 'time.now';
}

declare module './effect.ts' {
  interface EffectDescriptors {
    'time.sleep': TimeSleepEffect;
    'time.now': TimeNowEffect;
  }
  interface EffectResults {
    'time.sleep': void;
    'time.now': number;
  }
}

/**
 * Waits `ms` milliseconds of the interpreter's time (virtual under test).
 *
 * @example
 * yield* time.sleep(100);
 */
function sleep(ms: number): Operation<void> {
  if (!(ms >= 0)) throw new TypeError(`time.sleep: \`ms\` must be a number >= 0, got ${JSON.stringify(ms)}`);
  return performValue({ type: 'time.sleep', ms });
}

/** Epoch milliseconds on the interpreter's clock. */
function now(): Operation<number> {
  return performValue({ type: 'time.now' });
}

/** The time effect family: cannot fail, so no tuple. */
export const time = { sleep, now };

/**
 * Time needs no peer: every interpreter answers it from its own clock (the
 * test interpreter and replay without a handler or an entry).
 */
export const timeFamily = defineFamily<'time.sleep' | 'time.now', undefined>({
  name: 'time',
  effects: {
    'time.sleep': { describe: (e) => `${e.ms}` },
    'time.now': { describe: () => '' },
  },
});
