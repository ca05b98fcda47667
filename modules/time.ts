import type { Handler } from '../effects/handler.ts';
import { CanceledError } from '../effects/errors.ts';

/** Real time: `time.sleep` on a timer that the task's end clears, `time.now` from the wall clock. */
export function createTimeHandlers(): { 'time.sleep': Handler<'time.sleep'>; 'time.now': Handler<'time.now'> } {
  return {
    'time.sleep': (effect, ctx) =>
      new Promise<void>((resolve, reject) => {
        const signal = ctx.signal;
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, effect.ms);
        const onAbort = (): void => {
          clearTimeout(timer);
          reject(new CanceledError());
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    'time.now': () => Date.now(),
  };
}
