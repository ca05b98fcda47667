import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  all,
  createTestInterpreter,
  defineSymbol,
  dns,
  faults,
  http,
  race,
  redis,
  runSymbol,
  tcp,
  time,
  UnexpectedEffectError,
  type TestHandlers,
} from '../../../index.ts';
import { silent } from '../../support/logger.ts';

const Handlers = suite('createTestInterpreter: handlers');

Handlers('answers from a value, filling in what an HTTP response leaves out', async () => {
  const S = defineSymbol({
    name: 'S',
    *callback(task) {
      const [, res] = yield* http.request({ url: 'http://x/' });
      task.insertResult('S', 1, res!.code, res!.content, new TextDecoder().decode(res!.body), JSON.stringify(res!.headers));
    },
  });
  const r = await runSymbol(S, { io: createTestInterpreter({ handlers: { 'http.request': { content: 'hi' } } }), logger: silent });
  assert.equal(r.symbols.S.options, ['200', 'hi', '{}']);
});

Handlers('answers from a function of the effect', async () => {
  const S = defineSymbol({
    name: 'S',
    *callback(task) {
      const [, a] = yield* dns.request({ type: 'a', name: 'one.test' });
      const [, mx] = yield* dns.request({ type: 'mx', name: 'two.test' });
      task.insertResult('S', 1, a![0], mx![0].name);
    },
  });
  const handlers: TestHandlers = {
    'dns.request': (e) => (e.rrtype === 'a' ? [`addr-of-${e.name}`] : [{ name: `mx.${e.name}`, priority: 10 }]),
  };
  const r = await runSymbol(S, { io: createTestInterpreter({ handlers }), logger: silent });
  assert.equal(r.symbols.S.options, ['addr-of-one.test', 'mx.two.test']);
});

Handlers('an error as the value, or thrown, is what the rule gets', async () => {
  const S = defineSymbol({
    name: 'S',
    *callback(task) {
      const [e1] = yield* http.request({ url: 'http://x/' });
      const [e2] = yield* redis.request({ servers: 'x' }, ['GET', 'k']);
      task.insertResult('S', 1, e1!.code, e2!.code);
    },
  });
  const handlers: TestHandlers = { 'http.request': faults.refused(), 'redis.request': () => { throw faults.timeout(); } };
  const r = await runSymbol(S, { io: createTestInterpreter({ handlers }), logger: silent });
  assert.equal(r.symbols.S.options, ['ECONNREFUSED', 'ETIMEDOUT']);
});

Handlers('an effect with no handler fails closed, naming it and what is handled', async () => {
  const S = defineSymbol({ name: 'S', *callback() { yield* tcp.connect({ host: '127.0.0.1', port: 25 }); } });
  try {
    await runSymbol(S, { io: createTestInterpreter({ handlers: { 'http.request': {}, 'dns.request': [] } }), logger: silent });
    assert.unreachable();
  } catch (error) {
    assert.instance(error, UnexpectedEffectError);
    assert.is(
      (error as Error).message,
      "unexpected effect tcp.connect(127.0.0.1 25): no handler for 'tcp.connect' (handled: 'http.request', 'dns.request'); add a 'tcp.connect' entry to the test interpreter's handlers",
    );
  }
});

Handlers('time needs no handler and costs no real time', async () => {
  const S = defineSymbol({
    name: 'S',
    *callback(task) {
      const t0 = yield* time.now();
      yield* time.sleep(10 * 60_000);
      const t1 = yield* time.now();
      task.insertResult('S', 1, t1 - t0);
    },
  });
  const started = Date.now();
  const r = await runSymbol(S, { io: createTestInterpreter({ handlers: {}, clock: 1_700_000_000_000 }), logger: silent, config: { taskTimeout: 3_600_000 } });
  assert.equal(r.symbols.S.options, ['600000']);
  assert.ok(Date.now() - started < 1000);
});

Handlers("inside a handler, yield* time.sleep makes the effect take virtual time, and the effect's own timeout still holds", async () => {
  const S = defineSymbol({
    name: 'S',
    *callback(task) {
      const t0 = yield* time.now();
      const [err] = yield* http.request({ url: 'http://slow/', timeout: 100 });
      const t1 = yield* time.now();
      const [late, res] = yield* http.request({ url: 'http://slow/', timeout: 300 });
      const t2 = yield* time.now();
      task.insertResult('S', 1, t1 - t0, err ? err.message : 'ok', t2 - t1, late ? late.message : res.content);
    },
  });
  const handlers: TestHandlers = {
    'http.request': function* () {
      yield* time.sleep(250);
      return { content: 'in time' };
    },
  };
  const r = await runSymbol(S, { io: createTestInterpreter({ handlers }), logger: silent });
  // 250 ms against a 100 ms timeout: IO timeout at 100, as live; against 300 ms: the answer at 250
  assert.equal(r.symbols.S.options, ['100', 'IO timeout', '250', 'in time']);
  assert.is(r.timeReal, 0.35);
});

Handlers('keeps a trace of every effect and its result, keyed by position', async () => {
  const S = defineSymbol({
    name: 'S',
    *callback() {
      yield* http.request({ url: 'http://a/' });
      yield* all([dns.request({ type: 'a', name: 'b.test' }), http.request({ url: 'http://c/' })]);
    },
  });
  const io = createTestInterpreter({ handlers: { 'http.request': {}, 'dns.request': faults.nxdomain() } });
  const r = await runSymbol(S, { io, logger: silent });
  assert.equal(io.trace.map((t) => [t.key, t.effect.type, t.ok, t.error?.code]), [
    ['S#0', 'http.request', true, undefined],
    ['S#1.0#0', 'dns.request', false, 'NXDOMAIN'],
    ['S#1.1#0', 'http.request', true, undefined],
  ]);
  assert.equal(r.trace.map((t) => t.key), io.trace.map((t) => t.key));
});

const Seeds = suite('createTestInterpreter: seeds');

function racy() {
  return defineSymbol({
    name: 'RACY',
    *callback(task) {
      const [, winner] = yield* race([
        http.request({ url: 'http://a/' }),
        http.request({ url: 'http://b/' }),
        http.request({ url: 'http://c/' }),
      ]);
      task.insertResult('WINNER', 1, winner!.content);
      yield* all([dns.request({ type: 'a', name: 'x.test' }), dns.request({ type: 'a', name: 'y.test' }), time.sleep(5), time.sleep(5)]);
    },
  });
}

const racyHandlers: TestHandlers = {
  'http.request': (e) => ({ content: e.url }),
  'dns.request': (e) => [e.name],
};

async function traceFor(seed: number | string) {
  const io = createTestInterpreter({ handlers: racyHandlers, seed });
  const r = await runSymbol(racy(), { io, logger: silent });
  return { winner: r.symbols.WINNER.options![0], order: io.trace.map((t) => t.key).join(' ') };
}

Seeds('the same seed gives the same trace', async () => {
  for (const seed of [1, 7, 'abc']) {
    assert.equal(await traceFor(seed), await traceFor(seed));
  }
});

Seeds('different seeds give different completion orders on a racy rule', async () => {
  const winners = new Set<string>();
  const orders = new Set<string>();
  for (let seed = 0; seed < 12; seed++) {
    const t = await traceFor(seed);
    winners.add(t.winner);
    orders.add(t.order);
  }
  assert.ok(winners.size >= 2, `winners: ${[...winners]}`);
  assert.ok(orders.size >= 3, `orders: ${orders.size}`);
});

Seeds('without a seed, answers come in the order effects were made', async () => {
  const io = createTestInterpreter({ handlers: racyHandlers });
  const r = await runSymbol(racy(), { io, logger: silent });
  assert.equal(r.symbols.WINNER.options, ['http://a/']);
});

Handlers.run();
Seeds.run();
