import type { Effect } from '../effects/effect.ts';
import { isSuspension, isThenable, suspend, SUSPEND, type EffectContext, type HandlerResult, type Interpreter } from '../effects/handler.ts';
import type { HttpResponse } from '../effects/http.ts';
import {
  ConnectionRefusedError,
  CoraxError,
  DnsTimeoutError,
  NxdomainError,
  RedisReplyError,
  ServfailError,
  SocketError,
  TimeoutError,
} from '../effects/errors.ts';
import { familyOf } from '../effects/effect.ts';
import { createRandom } from './random.ts';

/** Probabilities (0–1) of each fault, per effect family. */
export interface FaultRates {
  /** Extra latency before the effect runs: probability and [min, max] milliseconds. */
  latency?: number;
  latencyMs?: [number, number];
  /** Fails with ETIMEDOUT (or DNS_TIMEOUT) after the effect's own timeout. */
  timeout?: number;
  refused?: number;
  /** Connection reset (HTTP, TCP, Redis). */
  reset?: number;
  nxdomain?: number;
  servfail?: number;
  /** A Redis error reply. */
  error?: number;
  /** HTTP: the body arrives cut short. */
  truncated?: number;
}

export type FaultPlan = Partial<Record<'http' | 'dns' | 'tcp' | 'redis', FaultRates>>;

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

const defaultTimeout: Record<string, number> = { http: 5000, dns: 3000, tcp: 5000, redis: 1000 };

/**
 * Wraps any interpreter (live or test) and injects faults from a seed:
 * latency, timeouts, refused and reset connections, NXDOMAIN and SERVFAIL,
 * Redis error replies, truncated bodies.
 *
 * @example
 * const io = faults.inject(createTestInterpreter({ handlers }), { seed: 7, faults: { dns: { servfail: 0.1 }, http: { latency: 0.2, latencyMs: [10, 200] } } });
 * console.error(io.describe()); // the seed reproduces the run
 */
export function injectFaults(inner: Interpreter, options: InjectOptions): FaultInjector {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = createRandom(seed);
  const injected: Record<string, number> = {};
  const clock = inner.clock;

  const note = (kind: string, effect: Effect, ctx: EffectContext): void => {
    injected[kind] = (injected[kind] ?? 0) + 1;
    options.onFault?.({ kind, effect, key: ctx.key });
  };

  /** Runs `then` after `ms` on the interpreter's clock; cancellable at every step. */
  const after = (ms: number, ctx: EffectContext, then: () => HandlerResult<unknown>): HandlerResult<unknown> =>
    suspend((resolve, reject) => {
      let teardown: (() => void) | null = null;
      let canceled = false;
      const cancelTimer = clock.setTimer(ms, () => {
        if (canceled) return;
        try {
          teardown = settle(then(), resolve, reject);
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

  /** The failure a fault kind means for an effect, or null if it does not apply. */
  const failure = (kind: string, family: string, effect: Effect): CoraxError | null => {
    switch (kind) {
      case 'timeout':
        return family === 'dns' ? new DnsTimeoutError() : new TimeoutError();
      case 'refused':
        return family === 'dns' ? null : new ConnectionRefusedError();
      case 'reset':
        if (family === 'tcp') return effect.type === 'tcp.connect' ? new ConnectionRefusedError() : new SocketError('connection reset by peer', { code: 'ECONNRESET' });
        return family === 'dns' ? null : new CoraxError('ECONNRESET', 'Connection reset by peer');
      case 'nxdomain':
        return family === 'dns' ? new NxdomainError() : null;
      case 'servfail':
        return family === 'dns' ? new ServfailError() : null;
      case 'error':
        return family === 'redis' ? new RedisReplyError('ERR injected failure') : null;
      default:
        return null;
    }
  };

  const kinds = ['timeout', 'refused', 'reset', 'nxdomain', 'servfail', 'error', 'truncated'] as const;

  const handle = (effect: Effect, ctx: EffectContext): HandlerResult<unknown> => {
    const family = familyOf(effect.type);
    const rates = options.faults[family as keyof FaultPlan];
    if (!rates) return inner.handle(effect, ctx);
    // one draw per kind, always in the same order, so a seed replays the same faults
    let chosen: string | null = null;
    for (const kind of kinds) {
      const p = rates[kind] ?? 0;
      if (random() < p && chosen === null) chosen = kind;
    }
    const delay = random() < (rates.latency ?? 0) ? lerp(rates.latencyMs ?? [10, 100], random()) : 0;
    if (delay > 0) note('latency', effect, ctx);

    const run = (): HandlerResult<unknown> => {
      if (chosen === 'truncated' && effect.type === 'http.request') {
        note('truncated', effect, ctx);
        const out = inner.handle(effect, ctx);
        return suspend((resolve, reject) => settle(out, (value) => resolve(truncate(value as HttpResponse)), reject) ?? undefined);
      }
      const err = chosen ? failure(chosen, family, effect) : null;
      if (!err) return inner.handle(effect, ctx);
      note(chosen!, effect, ctx);
      if (chosen === 'timeout') {
        const own = (effect as { timeout?: number }).timeout ?? defaultTimeout[family] ?? 1000;
        return after(own, ctx, () => {
          throw err;
        });
      }
      throw err;
    };
    return delay > 0 ? after(delay, ctx, run) : run();
  };

  return {
    handle,
    clock,
    seed,
    injected,
    describe: () => `fault injection seed ${JSON.stringify(seed)}: ${JSON.stringify(options.faults)}`,
    close: () => inner.close?.() ?? Promise.resolve(),
  };
}

function lerp([min, max]: [number, number], t: number): number {
  return Math.round(min + (max - min) * t);
}

function truncate(res: HttpResponse): HttpResponse {
  const cut = Math.floor(res.body.length / 2);
  const body = res.body.subarray(0, cut);
  return { ...res, body, content: new TextDecoder().decode(body) };
}

/**
 * Delivers a handler's answer (value, promise or suspension) to callbacks;
 * returns its teardown. The live and test interpreters never answer with a
 * bare operation, which is the only form this cannot wrap.
 */
function settle(out: HandlerResult<unknown>, ok: (value: unknown) => void, fail: (error: unknown) => void): (() => void) | null {
  if (isThenable(out)) {
    out.then(ok, fail);
    return null;
  }
  if (isSuspension(out)) return out[SUSPEND]((good, value) => (good ? ok(value) : fail(value)));
  if (typeof out === 'object' && out !== null && typeof (out as Iterator<unknown>).next === 'function') {
    fail(new TypeError('fault injection wraps interpreters whose handlers answer with values, promises or suspensions (the live and test interpreters do)'));
    return null;
  }
  ok(out);
  return null;
}
