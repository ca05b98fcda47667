import type { Instruction } from '../../effects/effect.ts';
import type { Task } from './task.ts';

export type SymbolType = 'prefilter' | 'normal' | 'postfilter';

/** A generator callback may `yield*` effects; a plain one may use the callback-style API. */
export type SymbolCallback = ((task: Task) => Generator<Instruction, unknown, unknown>) | ((task: Task) => void);

/**
 * The callbacks `defineSymbol` accepts: an async function (whose promise
 * corax would never wait for), a generator that yields anything but effects
 * (`yield 42`, `yield promise`) and one that types what a bare `yield` gives
 * back do not type-check.
 */
export type SyncCallback<F> = F extends (task: Task) => PromiseLike<unknown>
  ? 'async callbacks are not supported: write *callback(task) and yield* effects'
  : F extends (task: Task) => Generator<infer Y, unknown, infer N>
    ? [Y] extends [Instruction]
      ? [unknown] extends [N]
        ? F
        : 'what a bare yield is resumed with is unknown: use yield* on an effect to get its typed result'
      : 'a symbol yields effects only, with yield*: yield* http.request({...})'
    : F;

export interface SymbolOptions<F extends SymbolCallback = SymbolCallback> {
  name: string;
  callback: F;
  /** The score of one `insertResult(name)` at weight 1 (default 1). */
  score?: number;
  group?: string;
  description?: string;
  /** Stage: prefilters run first, then normal symbols together, then postfilters. */
  type?: SymbolType;
  /** Higher runs first within its stage (prefilter and postfilter priorities run one group after another). */
  priority?: number;
  /** Symbols that must finish before this one starts. */
  deps?: string[];
  /** Milliseconds this symbol may take; past it the symbol is halted and its effects cancelled. */
  timeout?: number;
  /**
   * Whether the symbol reads the message body (`getText`, `getHtml`, `getUrls`, `getParts`).
   * Default true: the body is parsed, once, before the symbol starts. Symbols
   * that read only headers and the envelope say `false` and never wait for it.
   */
  mime?: boolean;
}

export interface SymbolDefinition {
  readonly name: string;
  readonly callback: SymbolCallback;
  readonly score: number | undefined;
  readonly group: string | undefined;
  readonly description: string | undefined;
  readonly type: SymbolType;
  readonly priority: number;
  readonly deps: readonly string[];
  readonly timeout: number | undefined;
  readonly mime: boolean;
}

const symbolTypes: readonly SymbolType[] = ['prefilter', 'normal', 'postfilter'];

/**
 * Declares a symbol (a rule).
 *
 * @example
 * export const SIMPLE_HTTP = defineSymbol({
 *   name: 'SIMPLE_HTTP',
 *   score: 1.0,
 *   *callback(task) {
 *     const [err, res] = yield* http.request({ url: 'http://127.0.0.1:18080/abc' });
 *     if (err) task.insertResult('HTTP_ERROR', 1.0, err);
 *     else task.insertResult('HTTP_RESPONSE', 1.0, res.content);
 *   },
 * });
 */
export function defineSymbol<F extends SymbolCallback>(options: SymbolOptions<F> & { callback: SyncCallback<F> }): SymbolDefinition {
  const where = `defineSymbol(${JSON.stringify(options?.name ?? '?')})`;
  if (typeof options !== 'object' || options === null) throw new TypeError('defineSymbol: expected an options object');
  if (typeof options.name !== 'string' || !/^[A-Za-z0-9_.:-]+$/.test(options.name)) {
    throw new TypeError(`${where}: \`name\` must be a non-empty string of letters, digits and _ . : -`);
  }
  if (typeof options.callback !== 'function') throw new TypeError(`${where}: \`callback\` must be a function or generator function`);
  if (options.score !== undefined && !Number.isFinite(options.score)) throw new TypeError(`${where}: \`score\` must be a finite number`);
  if (options.type !== undefined && !symbolTypes.includes(options.type)) {
    throw new TypeError(`${where}: \`type\` must be one of ${symbolTypes.join(', ')}, got ${JSON.stringify(options.type)}`);
  }
  if (options.priority !== undefined && !Number.isFinite(options.priority)) throw new TypeError(`${where}: \`priority\` must be a number`);
  if (options.deps !== undefined && (!Array.isArray(options.deps) || options.deps.some((d) => typeof d !== 'string'))) {
    throw new TypeError(`${where}: \`deps\` must be an array of symbol names`);
  }
  if (options.timeout !== undefined && !(Number.isFinite(options.timeout) && options.timeout > 0)) {
    throw new TypeError(`${where}: \`timeout\` must be a positive number of milliseconds`);
  }
  return Object.freeze({
    name: options.name,
    callback: options.callback,
    score: options.score,
    group: options.group,
    description: options.description,
    type: options.type ?? 'normal',
    priority: options.priority ?? 0,
    deps: Object.freeze([...(options.deps ?? [])]),
    timeout: options.timeout,
    mime: options.mime ?? true,
  });
}
