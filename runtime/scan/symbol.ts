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

/** Another result name a symbol inserts (Rspamd's virtual symbol): its score and how it adds up. */
export interface ResultOptions {
  /** The score of one insert at weight 1 (default 0, as in Rspamd). */
  score?: number;
  description?: string;
  /** How many inserts add their score (Rspamd's `nshots`, default 100). */
  nshots?: number;
  /** Only the first insert scores (nshots 1); a later one of larger magnitude and the same sign replaces it. */
  oneShot?: boolean;
}

export interface SymbolOptions<F extends SymbolCallback = SymbolCallback> {
  name: string;
  callback: F;
  /** The score of one `insertResult(name)` at weight 1 (default 0, as in Rspamd: a symbol with no score is reported, not scored). */
  score?: number;
  /** How many inserts of this name add their score (Rspamd's `nshots`, default 100). */
  nshots?: number;
  /** Only the first insert scores (Rspamd's `one_shot`). */
  oneShot?: boolean;
  /** The other names this symbol inserts, with their scores (Rspamd's virtual symbols): `{ HTTP_ERROR: 0.5 }` or `{ HTTP_ERROR: { score: 0.5, oneShot: true } }`. */
  results?: Record<string, number | ResultOptions>;
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

export interface ResultDefinition {
  readonly score: number | undefined;
  readonly description: string | undefined;
  readonly nshots: number;
}

export interface SymbolDefinition {
  readonly name: string;
  readonly callback: SymbolCallback;
  readonly score: number | undefined;
  readonly nshots: number;
  /** The other names it inserts, with their scores. */
  readonly results: Readonly<Record<string, ResultDefinition>>;
  readonly group: string | undefined;
  readonly description: string | undefined;
  readonly type: SymbolType;
  readonly priority: number;
  readonly deps: readonly string[];
  readonly timeout: number | undefined;
  readonly mime: boolean;
}

const symbolTypes: readonly SymbolType[] = ['prefilter', 'normal', 'postfilter'];

/** Rspamd's default_max_shots. */
export const defaultShots = 100;

function shots(where: string, o: { nshots?: number; oneShot?: boolean }): number {
  if (o.nshots !== undefined && !(Number.isInteger(o.nshots) && o.nshots >= 1)) throw new TypeError(`${where}: \`nshots\` must be an integer >= 1`);
  if (o.oneShot && o.nshots !== undefined && o.nshots !== 1) throw new TypeError(`${where}: \`oneShot\` means nshots 1; give one or the other`);
  return o.oneShot ? 1 : (o.nshots ?? defaultShots);
}

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
  const results: Record<string, ResultDefinition> = {};
  if (options.results !== undefined) {
    if (typeof options.results !== 'object' || options.results === null) throw new TypeError(`${where}: \`results\` must be an object of name → score`);
    for (const [name, value] of Object.entries(options.results)) {
      const r = typeof value === 'number' ? { score: value } : value;
      if (typeof r !== 'object' || r === null) throw new TypeError(`${where}: results.${name} must be a score or { score, description, nshots, oneShot }`);
      if (r.score !== undefined && !Number.isFinite(r.score)) throw new TypeError(`${where}: results.${name}.score must be a finite number`);
      results[name] = Object.freeze({ score: r.score, description: r.description, nshots: shots(`${where}: results.${name}`, r) });
    }
  }
  return Object.freeze({
    name: options.name,
    callback: options.callback,
    score: options.score,
    nshots: shots(where, options),
    results: Object.freeze(results),
    group: options.group,
    description: options.description,
    type: options.type ?? 'normal',
    priority: options.priority ?? 0,
    deps: Object.freeze([...(options.deps ?? [])]),
    timeout: options.timeout,
    mime: options.mime ?? true,
  });
}
