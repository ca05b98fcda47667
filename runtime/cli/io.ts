import type { Interpreter } from '../../effects/handler.ts';
import type { Config } from '../config.ts';
import { createLiveInterpreter } from '../live-interpreter.ts';
import { UsageError } from './main.ts';

/** `--io live | record:FILE | replay:FILE` → the interpreter to scan with. */
export async function interpreterFor(spec: string, config: Config): Promise<Interpreter & { close(): Promise<void> }> {
  if (spec === 'live') return createLiveInterpreter(config);
  throw new UsageError(`--io ${spec}: expected live, record:FILE or replay:FILE`);
}
