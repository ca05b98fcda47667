import type { Interpreter } from '../../effects/handler.ts';
import type { ConfigInput } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import { use } from '../interpreters/use.ts';
import { createScanner } from './scanner.ts';
import type { ScanResult } from './scan.ts';
import type { SymbolDefinition } from './symbol.ts';
import type { Envelope } from './task.ts';
import { traceInto, type TraceEntry } from '../interpreters/trace.ts';

export interface RunSymbolOptions {
  /** The message and envelope (all optional). */
  task?: Envelope & { message?: string | Uint8Array };
  io: Interpreter;
  /** Scores, actions, Redis sections and the like; `symbols` is just this one. */
  config?: Omit<ConfigInput, 'symbols'>;
  logger?: Logger;
}

export interface RunSymbolResult extends ScanResult {
  /** Every effect the symbol performed and how it settled, in settlement order. */
  trace: TraceEntry[];
}

/**
 * Runs one symbol as a scan of its own: the unit test of a rule.
 *
 * @example
 * const result = await runSymbol(SIMPLE_HTTP, { io: createTestInterpreter({ handlers: { 'http.request': { content: 'hi' } } }) });
 * assert.equal(result.symbols.HTTP_RESPONSE.options, ['hi']);
 */
export async function runSymbol(symbol: SymbolDefinition, options: RunSymbolOptions): Promise<RunSymbolResult> {
  const trace: TraceEntry[] = [];
  const io = use(options.io, traceInto(trace, options.io.clock));
  const scanner = createScanner({ ...options.config, symbols: [symbol] }, { io, logger: options.logger });
  const { message = '', ...envelope } = options.task ?? {};
  const result = await scanner.scan(message, envelope);
  return { ...result, trace };
}
