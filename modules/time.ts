import type { Handler } from '../effects/handler.ts';
import { CanceledError } from '../effects/errors.ts';

/** Real time: `time.sleep` on a timer that the task's end clears, `time.now` from the wall clock. */
export function createTimeHandlers(): { 'time.sleep': Handler<'time.sleep'>; 'time.now': Handler<'time.now'> } {
  return {
    'time.sleep': (effect, ctx) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, effect.ms);
        ctx.onCancel(() => {
          clearTimeout(timer);
          reject(new CanceledError());
        });
      }),
    'time.now': () => Date.now(),
  };
}
