import type { Effect } from '../../effects/effect.ts';
import { isSuspension, isThenable, SUSPEND, suspend, type EffectContext, type HandlerResult, type Interpreter } from '../../effects/handler.ts';
import { deserializeError, DivergenceError, UnexpectedEffectError } from '../../effects/errors.ts';
import { decodeResult, describeEffect } from '../../effects/family.ts';
import { VirtualClock } from '../interpreters/clock.ts';
import { equal } from '../interpreters/replay.ts';
import { redactEffect, type RedactOptions } from '../interpreters/recording.ts';
import { createTestInterpreter, type TestHandlers } from '../interpreters/test.ts';
import type { CapturedEffect } from './corpus.ts';

/** How effects the capture has no answer for are answered: not at all (the scan is not compared), live, or by test handlers. */
export type NewEffects = { mode: 'fail' } | { mode: 'live'; live: Interpreter } | { mode: 'handlers'; handlers: TestHandlers };

/** One captured scan being re-run: its effects, which of them were taken, what it needed that was not there. */
export class CapturedTask {
  readonly used = new Set<CapturedEffect>();
  readonly byKey = new Map<string, CapturedEffect[]>();
  /** Effects the capture had no answer for, by descriptor. */
  readonly fresh: { type: string; symbol: string; what: string }[] = [];

  constructor(readonly effects: readonly CapturedEffect[]) {
    for (const e of effects) {
      const list = this.byKey.get(e.key);
      if (list) list.push(e);
      else this.byKey.set(e.key, [e]);
    }
  }
}

/** A descriptor without its timeout: a rule that changes only a timeout still gets the captured answer, on the captured schedule. */
function withoutTimeout(effect: Effect): unknown {
  if (!('timeout' in effect)) return effect;
  const { timeout: _, ...rest } = effect as Effect & { timeout?: number };
  return rest;
}

const ownedBy = (key: string, symbol: string): boolean => key.startsWith(symbol) && /[#!.]/.test(key.charAt(symbol.length));

/**
 * The interpreter of a what-if run. Each effect is looked up among its
 * captured scan's effects: the same position first, then the same
 * descriptor in the same symbol, then anywhere in the scan, so a rule that
 * gains or loses a lookup still finds the rest. A captured answer comes after
 * its captured time on a virtual clock, so a lowered timeout fires as it
 * would have. An effect the capture never answered (it timed out, or nobody
 * waited) answers nothing until its captured time, then counts as new.
 * `time.*` effects the capture lacks run on the virtual clock; every other
 * new effect follows `newEffects`.
 */
export function whatIfInterpreter(tasks: Map<string, CapturedTask>, newEffects: NewEffects, options: { clock: VirtualClock; redact?: RedactOptions }): Interpreter {
  const { clock } = options;
  const timeOnly = createTestInterpreter({ handlers: {}, clock, trace: false });
  const userIo = newEffects.mode === 'handlers' ? createTestInterpreter({ handlers: newEffects.handlers, clock, trace: false }) : null;

  const find = (task: CapturedTask, actual: Effect, ctx: EffectContext): CapturedEffect | undefined => {
    const wanted = withoutTimeout(actual);
    const fits = (e: CapturedEffect): boolean => !task.used.has(e) && equal(withoutTimeout(e.effect), wanted);
    return task.byKey.get(ctx.key)?.find(fits) ?? task.effects.find((e) => ownedBy(e.key, ctx.symbol) && fits(e)) ?? task.effects.find(fits);
  };

  /** An effect the capture cannot answer. */
  const fresh = (task: CapturedTask, effect: Effect, ctx: EffectContext, why: string): HandlerResult<unknown> => {
    try {
      return timeOnly.handle(effect, ctx);
    } catch (error) {
      if (!(error instanceof UnexpectedEffectError)) throw error;
    }
    const what = describeEffect(redactEffect(effect, options.redact));
    task.fresh.push({ type: effect.type, symbol: ctx.symbol, what });
    if (newEffects.mode === 'handlers') return userIo!.handle(effect, ctx);
    if (newEffects.mode === 'live') return held(newEffects.live.handle(effect, ctx), ctx);
    throw new DivergenceError(`${ctx.task.id}/${ctx.key}`, undefined, effect, `${ctx.symbol} makes ${what}, ${why}; answer new effects with --new-effects live or handlers:FILE`);
  };

  const captured = (task: CapturedTask, e: CapturedEffect, effect: Effect, ctx: EffectContext): HandlerResult<unknown> => {
    const result = e.result;
    return suspend((resolve, reject) =>
      clock.setTimer(e.ms, () => {
        try {
          if ('ok' in result) {
            if (result.ok) resolve(decodeResult(effect.type, result.value));
            else reject(deserializeError(result.error));
            return;
          }
          // captured without an answer, and this rule waits longer: what the peer would have said is unknown
          settleWith(fresh(task, effect, ctx, `which the capture has no answer for (it ${'timeout' in result ? 'timed out' : 'was cancelled'} after ${e.ms} ms)`), resolve, reject);
        } catch (error) {
          reject(error);
        }
      }),
    );
  };

  return {
    handle(effect, ctx) {
      const task = tasks.get(ctx.task.id);
      if (!task) throw new DivergenceError(ctx.task.id, undefined, effect, `what-if: no captured scan ${ctx.task.id}`);
      const actual = redactEffect(effect, options.redact);
      const e = find(task, actual, ctx);
      if (!e) return fresh(task, effect, ctx, 'which is not in the capture');
      task.used.add(e);
      return captured(task, e, effect, ctx);
    },
    clock,
    async close() {
      if (newEffects.mode === 'live') await newEffects.live.close?.();
    },
  };
}

/** A live answer as a promise, so the virtual clock waits for it instead of jumping past. */
function held(out: HandlerResult<unknown>, ctx: EffectContext): HandlerResult<unknown> {
  if (isThenable(out)) return Promise.resolve(out);
  if (!isSuspension(out)) return out;
  return new Promise((resolve, reject) => {
    const teardown = out[SUSPEND]((ok, value) => (ok ? resolve(value) : reject(value)));
    ctx.onCancel(() => {
      teardown();
      resolve(undefined); // nobody waits: let the virtual clock go on (the driver ignores a late value)
    });
  });
}

function settleWith(out: HandlerResult<unknown>, resolve: (v: unknown) => void, reject: (e: unknown) => void): void {
  if (isThenable(out)) return void Promise.resolve(out).then(resolve, reject);
  if (isSuspension(out)) return void out[SUSPEND]((ok, value) => (ok ? resolve(value) : reject(value)));
  if (typeof out === 'object' && out !== null && Symbol.iterator in out) {
    return reject(new TypeError('a what-if handler that is a generator cannot answer an effect the capture left unanswered; return a value or a promise'));
  }
  resolve(out);
}
