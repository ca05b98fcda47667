/** Helpers for running one effect, or a few, through a live interpreter inside a real scan. */
import { createScanner, defineSymbol, type ConfigInput, type Interpreter, type Operation, type Result } from '../../index.ts';
import { silent } from './logger.ts';

/** Runs `body` as a symbol and returns what it returned. */
export async function perform<T>(io: Interpreter, body: () => Operation<T>, config: Omit<ConfigInput, 'symbols'> = {}): Promise<T> {
  let out: T | undefined;
  let failure: unknown;
  const S = defineSymbol({
    name: 'PERFORM',
    mime: false,
    *callback() {
      try {
        out = yield* body();
      } catch (error) {
        failure = error;
      }
    },
  });
  await createScanner({ ...config, symbols: [S] }, { io, logger: silent }).scan('');
  if (failure) throw failure;
  return out as T;
}

/** `[code]` for an error, `[null, value]` otherwise: compact to assert on. */
export async function outcome<T>(io: Interpreter, op: () => Operation<Result<T>>, config?: Omit<ConfigInput, 'symbols'>): Promise<[string | null, T | string | undefined]> {
  return perform(io, function* () {
    const [err, value] = yield* op();
    return err ? ([err.code, err.message] as [string, string]) : ([null, value] as [null, T]);
  }, config);
}
