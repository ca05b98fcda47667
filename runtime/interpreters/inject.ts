import type { Effect } from '../../effects/effect.ts';
import { suspend, type EffectContext, type Handle, type HandlerResult, type Interpreter, type Middleware } from '../../effects/handler.ts';
import { RedisReplyError } from '../../effects/errors.ts';
import { alterResult, effectEntry, familyOf } from '../../effects/family.ts';
import { faultErrors } from '../../effects/faults.ts';
import { createRandom } from './random.ts';
import { subscribe, use } from './use.ts';

/** Probabilities (0–1) of each fault, per effect family. */
export interface FaultRates {
  /** Extra latency before the effect runs: probability and [min, max] milliseconds. */
  latency?: number;
  latencyMs?: [number, number];
  /** The peer never answers: the effect fails when its own timeout fires. */
  timeout?: number;
  refused?: number;
  /** Connection reset. */
  reset?: number;
  /** The peer closes before the expected data. */
  eof?: number;
  nxdomain?: number;
  nodata?: number;
  servfail?: number;
  /** A Redis error reply. */
  error?: number;
  /** The result arrives cut short (an HTTP body). */
  truncated?: number;
}

export type FaultPlan = Partial<Record<string, FaultRates>>;

export interface InjectOptions {
  /** Draws every fault; printed by `describe()`, and the same seed gives the same faults. */
  seed?: number | string;
  faults: FaultPlan;
  /** Called for every fault injected. */
  onFault?(fault: { kind: string; effect: Effect; key: string }): void;
}

export interface FaultInjector extends Interpreter {
  readonly seed: number | string;
  /** Faults injected so far, by kind. */
  readonly injected: Record<string, number>;
  describe(): string;
}

const kinds = ['timeout', 'refused', 'reset', 'eof', 'nxdomain', 'nodata', 'servfail', 'error', 'truncated'] as const;

/** Whether a fault kind means something for this effect (its family says so). */
function applies(kind: (typeof kinds)[number], effect: Effect): boolean {
  const spec = effectEntry(effect)?.spec;
  if (!spec) return false;
  if (kind === 'timeout') return spec.timeout !== undefined;
  if (kind === 'truncated') return spec.alter?.truncated !== undefined;
  if (kind === 'error') return spec.faults?.error !== undefined || spec.alter?.error !== undefined;
  return spec.faults?.[kind] !== undefined;
}

/**
 * Fault injection as middleware: latency, peers that never answer, refused
 * and reset connections, early EOF, DNS failures, Redis error replies,
 * truncated results, drawn from a seed. Each fault is what the effect's
 * family says it is, with its Rspamd wording; a timeout fires at the effect's
 * own timeout.
 */
export function faultMiddleware(options: InjectOptions & { seed: number | string; injected: Record<string, number>; clock: Interpreter['clock'] }): Middleware {
  const random = createRandom(options.seed);
  const { injected, clock } = options;

  const note = (kind: string, effect: Effect, ctx: EffectContext): void => {
    injected[kind] = (injected[kind] ?? 0) + 1;
    options.onFault?.({ kind, effect, key: ctx.key });
  };

  /** Runs `then` after `ms` on the interpreter's clock; cancellable at every step. */
  const after = (ms: number, then: () => HandlerResult<unknown>): HandlerResult<unknown> =>
    suspend((resolve, reject) => {
      let teardown: (() => void) | null = null;
      let canceled = false;
      const cancelTimer = clock.setTimer(ms, () => {
        if (canceled) return;
        try {
          teardown = subscribe(then(), resolve, reject);
        } catch (error) {
          reject(error);
        }
      });
      return () => {
        canceled = true;
        cancelTimer();
        teardown?.();
      };
    });

  return (next: Handle) => (effect, ctx) => {
    const family = familyOf(effect.type)?.name ?? '';
    const rates = options.faults[family];
    if (!rates) return next(effect, ctx);
    // one draw per kind, always in the same order, so a seed replays the same faults
    let chosen: (typeof kinds)[number] | null = null;
    for (const kind of kinds) {
      const p = (rates[kind as keyof FaultRates] as number | undefined) ?? 0;
      if (random() < p && chosen === null && applies(kind, effect)) chosen = kind;
    }
    const delay = random() < (rates.latency ?? 0) ? lerp(rates.latencyMs ?? [10, 100], random()) : 0;
    if (delay > 0) note('latency', effect, ctx);

    const run = (): HandlerResult<unknown> => {
      if (!chosen) return next(effect, ctx);
      note(chosen, effect, ctx);
      const spec = effectEntry(effect)?.spec;
      if (chosen === 'truncated' || (chosen === 'error' && !spec?.faults?.error)) return altered(chosen, next, effect, ctx);
      if (chosen === 'error') throw spec!.faults!.error!(effect as never, new RedisReplyError('ERR injected failure'));
      throw faultErrors[chosen]();
    };
    return delay > 0 ? after(delay, run) : run();
  };
}

/** The inner answer with its value altered by the fault (cut short, one pipeline command failed). */
function altered(kind: 'truncated' | 'error', next: Handle, effect: Effect, ctx: EffectContext): HandlerResult<unknown> {
  const out = next(effect, ctx);
  return suspend((resolve, reject) => subscribe(out, (value) => resolve(alterResult(kind, effect, value)), reject) ?? undefined);
}

/**
 * Wraps any interpreter (live or test) and injects faults from a seed.
 *
 * @example
 * const io = faults.inject(createTestInterpreter({ handlers }), { seed: 7, faults: { dns: { servfail: 0.1 }, http: { latency: 0.2, latencyMs: [10, 200] } } });
 * console.error(io.describe()); // the seed reproduces the run
 */
export function injectFaults(inner: Interpreter, options: InjectOptions): FaultInjector {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const injected: Record<string, number> = {};
  const wrapped = use(inner, faultMiddleware({ ...options, seed, injected, clock: inner.clock }));
  return {
    ...wrapped,
    seed,
    injected,
    describe: () => `fault injection seed ${JSON.stringify(seed)}: ${JSON.stringify(options.faults)}`,
  };
}

function lerp([min, max]: [number, number], t: number): number {
  return Math.round(min + (max - min) * t);
}
