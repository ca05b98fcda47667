import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Coroutine, type Host } from '../../../runtime/driver/coroutine.ts';
import { http, time, all, race, suspend, CanceledError, TimeoutError, type Effect, type EffectContext, type HandlerResult, type Operation } from '../../../index.ts';
import { TaskRun } from '../../../runtime/scan/task-run.ts';
import { silent } from '../../support/logger.ts';

/** A host whose handler is given by the test; it records what happens. */
function host(handler: (effect: Effect, ctx: EffectContext) => HandlerResult<unknown>) {
  const events: string[] = [];
  let pending = 0;
  const h: Host & { events: string[]; readonly pendingCount: number; failures: unknown[] } = {
    scope: new TaskRun('t1', () => 'key', silent),
    symbol: 'SYM',
    // a clock whose timers never fire: these tests are about the driver, not about timeouts
    io: { handle: handler, base: handler, clock: { now: () => 0, setTimer: () => () => {} }, config: {} },
    failures: [],
    fail(error) {
      h.failures.push(error);
    },
    pending(d) {
      pending += d;
    },
    report(error) {
      events.push(`report ${(error as Error).message}`);
    },
    events,
    get pendingCount() {
      return pending;
    },
  };
  return h;
}

function run(h: Host, op: Operation<unknown>): { co: Coroutine; exit: { ok?: boolean; value?: unknown } } {
  const exit: { ok?: boolean; value?: unknown } = {};
  const co = new Coroutine(h, 'SYM', op, (ok, value) => {
    exit.ok = ok;
    exit.value = value;
  });
  co.start();
  return { co, exit };
}

const Driver = suite('Coroutine');

Driver('resumes with [null, value] when the handler answers at once', () => {
  const h = host(() => ({ code: 200, content: 'x', headers: {}, body: new Uint8Array() }));
  const { exit } = run(h, (function* () {
    const [err, res] = yield* http.request({ url: 'http://a/' });
    return [err, res!.code];
  })());
  assert.equal(exit, { ok: true, value: [null, 200] });
});

Driver('a handler that throws gives the rule [error, undefined]', () => {
  const h = host(() => {
    throw new TimeoutError();
  });
  const { exit } = run(h, (function* () {
    const [err, res] = yield* http.request({ url: 'http://a/' });
    return [err?.code, err?.message, res];
  })());
  assert.equal(exit.value, ['ETIMEDOUT', 'IO timeout', undefined]);
});

Driver('a plain Error from a handler keeps its reason and code', () => {
  const h = host(() => {
    throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  });
  const { exit } = run(h, (function* () {
    const [err] = yield* http.request({ url: 'http://a/' });
    return [err?.code, err?.message];
  })());
  assert.equal(exit.value, ['ECONNRESET', 'socket hang up']);
});

Driver('waits on a promise and resumes when it settles', async () => {
  const h = host(() => Promise.resolve({ code: 201 }));
  const { exit } = run(h, (function* () {
    const [, res] = yield* http.request({ url: 'http://a/' });
    return res!.code;
  })());
  assert.equal(exit.ok, undefined);
  assert.is(h.pendingCount, 1);
  await new Promise((r) => setImmediate(r));
  assert.equal(exit, { ok: true, value: 201 });
  assert.is(h.pendingCount, 0);
});

Driver('thousands of synchronous answers do not grow the stack', () => {
  const h = host(() => 1);
  const { exit } = run(h, (function* () {
    let n = 0;
    for (let i = 0; i < 20_000; i++) {
      const [[, a]] = yield* all([time.now()].map(() => http.request({ url: 'http://a/' })));
      n += a ? 1 : 0;
    }
    return n;
  })());
  assert.equal(exit, { ok: true, value: 20_000 });
});

Driver('halt tears down the pending effect, runs finally, and never resumes', async () => {
  let aborted = false;
  let resolveLater: (v: unknown) => void = () => {};
  const h = host((_effect, ctx) => {
    ctx.signal.addEventListener('abort', () => (aborted = true));
    return new Promise((resolve) => (resolveLater = resolve));
  });
  const { co, exit } = run(h, (function* () {
    try {
      yield* http.request({ url: 'http://a/' });
      h.events.push('resumed');
    } finally {
      h.events.push('finally');
    }
  })());
  co.halt();
  assert.ok(aborted, 'signal aborted');
  assert.equal(h.events, ['finally']);
  assert.is(h.pendingCount, 0);
  resolveLater({ code: 200 });
  await new Promise((r) => setImmediate(r));
  assert.equal(h.events, ['finally'], 'a late answer does not resume a halted generator');
  assert.equal(exit, {}, 'a halted coroutine does not exit normally');
});

Driver('effects yielded in finally while halting get ECANCELED at once', () => {
  const h = host(() => new Promise(() => {}));
  const seen: unknown[] = [];
  const { co } = run(h, (function* () {
    try {
      yield* http.request({ url: 'http://a/' });
    } finally {
      const [err] = yield* http.request({ url: 'http://cleanup/' });
      seen.push(err?.code);
    }
  })());
  co.halt();
  assert.equal(seen, ['ECANCELED']);
});

Driver('a suspension settles the wait; its teardown runs on halt', () => {
  let settle: (v: unknown) => void = () => {};
  let tornDown = false;
  const h = host(() =>
    suspend((resolve) => {
      settle = resolve;
      return () => (tornDown = true);
    }),
  );
  const first = run(h, (function* () {
    const [, v] = yield* http.request({ url: 'http://a/' });
    return v;
  })());
  settle('value');
  assert.equal(first.exit, { ok: true, value: 'value' });
  const second = run(h, http.request({ url: 'http://a/' }));
  second.co.halt();
  assert.ok(tornDown);
});

Driver('a handler may answer with an operation of its own', () => {
  const h = host((effect) => {
    if (effect.type === 'time.now') return 7;
    return (function* () {
      const t = yield* time.now();
      return { code: t };
    })();
  });
  const { exit } = run(h, (function* () {
    const [, r] = yield* http.request({ url: 'http://a/' });
    return r!.code;
  })());
  assert.equal(exit, { ok: true, value: 7 });
});

Driver('all returns each tuple in order; race returns the first and halts the rest', async () => {
  const order: string[] = [];
  const h = host((effect) => {
    const url = (effect as { url: string }).url;
    const delay = url.endsWith('slow') ? 20 : 1;
    return new Promise((resolve) => setTimeout(() => (order.push(url), resolve({ code: delay })), delay));
  });
  const both = run(h, (function* () {
    const [[, a], [, b]] = yield* all([http.request({ url: 'http://slow' }), http.request({ url: 'http://fast' })]);
    return [a!.code, b!.code];
  })());
  const first = run(h, (function* () {
    const [, r] = yield* race([http.request({ url: 'http://r-slow' }), http.request({ url: 'http://r-fast' })]);
    return r!.code;
  })());
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(both.exit.value, [20, 1]);
  assert.equal(first.exit.value, 1);
  assert.is(h.pendingCount, 0, 'the race loser was torn down');
});

Driver('an exception in one branch of all halts its siblings and reaches the rule', () => {
  let halted = false;
  const h = host(() => suspend(() => () => (halted = true)));
  const { exit } = run(h, (function* () {
    try {
      yield* all([
        http.request({ url: 'http://a/' }),
        (function* () {
          throw new Error('branch failed');
        })(),
      ]);
    } catch (error) {
      return (error as Error).message;
    }
  })());
  assert.equal(exit.value, 'branch failed');
  assert.ok(halted);
});

Driver('yielding an effect without * gives the rule a TypeError that says so', () => {
  const h = host(() => 1);
  const { exit } = run(h, (function* (): Generator<any, unknown, any> {
    try {
      yield http.request({ url: 'http://a/' });
    } catch (error) {
      return (error as Error).message;
    }
  })());
  assert.match(String(exit.value), /missing `\*` after yield/);
});

Driver('a fatal error from a handler aborts through the host, not the rule', () => {
  const h = host(() => {
    const err = new CanceledError();
    Object.defineProperty(err, 'fatal', { value: true });
    throw err;
  });
  const { exit } = run(h, http.request({ url: 'http://a/' }));
  assert.is(h.failures.length, 1);
  assert.equal(exit, {});
});

Driver.run();
