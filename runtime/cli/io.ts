import type { Interpreter } from '../../effects/handler.ts';
import type { Config } from '../config/config.ts';
import { createLiveInterpreter } from '../interpreters/live.ts';
import { record } from '../interpreters/record.ts';
import { replay } from '../interpreters/replay.ts';
import { UsageError } from './main.ts';

/** `--io live | record:FILE | replay:FILE` → the interpreter to scan with. */
export async function interpreterFor(spec: string, config: Config): Promise<Interpreter & { close(): Promise<void> }> {
  if (spec === 'live') return createLiveInterpreter(config);
  const colon = spec.indexOf(':');
  const mode = colon < 0 ? spec : spec.slice(0, colon);
  const file = colon < 0 ? '' : spec.slice(colon + 1);
  if ((mode === 'record' || mode === 'replay') && !file) throw new UsageError(`--io ${mode}:FILE needs a file`);
  if (mode === 'record') return record(createLiveInterpreter(config), { path: file });
  if (mode === 'replay') {
    try {
      return replay({ path: file });
    } catch (error) {
      throw new UsageError(`--io ${spec}: ${(error as Error).message}`);
    }
  }
  throw new UsageError(`--io ${spec}: expected live, record:FILE or replay:FILE`);
}
