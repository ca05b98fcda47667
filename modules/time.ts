import type { LiveModule } from '../effects/family.ts';
import { CanceledError } from '../effects/errors.ts';

/** Real time: `time.sleep` on a timer that cancellation clears, `time.now` from the wall clock. */
export function createTimeModule(): LiveModule<'time.sleep' | 'time.now'> {
  return {
    handlers: {
      'time.sleep': (effect, ctx) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, effect.ms);
          ctx.onCancel(() => {
            clearTimeout(timer);
            reject(new CanceledError());
          });
        }),
      'time.now': () => Date.now(),
    },
  };
}
