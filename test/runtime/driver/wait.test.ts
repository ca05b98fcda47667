// The one answer path (runtime/driver/wait.ts): effect timeouts on the interpreter's clock, real work holding virtual time, scans that always settle.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createScanner,
  createTestInterpreter,
  defineSymbol,
  dns,
  faults,
  fakeTcp,
  http,
  redis,
  replay,
  tcp,
  time,
  use,
  DivergenceError,
  UnexpectedEffectError,
  StalledClockError,
  type ConfigInput,
  type Middleware,
  type Operation,
  type SymbolDefinition,
  type TestHandlers,
} from '../../../index.ts';
import { silent } from '../../support/logger.ts';

/** Runs one symbol under the test interpreter and returns its options. */
async function optionsOf(symbol: SymbolDefinition, handlers: TestHandlers, config: Omit<ConfigInput, 'symbols'> = {}, seed?: number): Promise<string[]> {
  const io = createTestInterpreter({ handlers, seed });
  const result = await createScanner({ taskTimeout: 600_000, ...config, symbols: [symbol] }, { io, logger: silent }).scan('');
  return result.symbols.OUT?.options ?? [];
}

/** A rule that performs `op`, then inserts OUT with what it got and when (virtual ms). */
function timed<T>(op: () => Operation<readonly [Error | null, T | undefined]>): SymbolDefinition {
  return defineSymbol({
    name: 'TIMED',
    *callback(task) {
      const t0 = yield* time.now();
      const [err] = yield* op();
      const t1 = yield* time.now();
      task.insertResult('OUT', 1, `${t1 - t0}`, err ? `${err.constructor.name} ${err.message}` : 'ok');
    },
  });
}

/** A handler that answers after a minute of virtual time: far past any timeout. */
const slow = (value: unknown) =>
  function* () {
    yield* time.sleep(60_000);
    return value as never;
  };

const Timeouts = suite('effect timeouts under the test interpreter');

Timeouts("each family's own timeout fires at that moment, with the family's error", async () => {
  const cases: [SymbolDefinition, TestHandlers, string[]][] = [
    [timed(() => http.request({ url: 'http://x/', timeout: 1000 })), { 'http.request': slow({}) }, ['1000', 'TimeoutError IO timeout']],
    [timed(() => dns.request({ type: 'a', name: 'x.test', timeout: 200 })), { 'dns.request': slow([]) }, ['200', 'DnsTimeoutError query timed out']],
    [timed(() => tcp.connect({ host: 'x.test', port: 25, timeout: 300 })), { 'tcp.connect': slow({}) }, ['300', 'TimeoutError IO timeout']],
    [timed(() => redis.request({ servers: '127.0.0.1:6379', timeout: 400 }, ['GET', 'k'])), { 'redis.request': slow('v') }, ['400', 'TimeoutError Connection timed out']],
  ];
  for (const [symbol, handlers, expected] of cases) assert.equal(await optionsOf(symbol, handlers), expected, symbol.name);
});

Timeouts('a pipeline times out as a whole, with Rspamd\'s exec wording', async () => {
  const S = timed(function* () {
    const [, conn] = yield* redis.connect({ servers: '127.0.0.1:6379', timeout: 250 });
    conn!.addCmd('GET', ['k']);
    return yield* conn!.exec();
  });
  assert.equal(await optionsOf(S, { 'redis.exec': slow([]) }), ['250', 'TimeoutError Connection timed out']);
});

Timeouts("without a timeout of its own, an effect gets its family's config default", async () => {
  const config: Omit<ConfigInput, 'symbols'> = { http: { timeout: 700 }, dns: { timeout: 100, retransmits: 3 }, tcp: { timeout: 450 }, redis: { timeout: 350 } };
  const cases: [SymbolDefinition, TestHandlers, string[]][] = [
    [timed(() => http.request({ url: 'http://x/' })), { 'http.request': slow({}) }, ['700', 'TimeoutError IO timeout']],
    // dns.timeout is per attempt and dns.retransmits counts attempts: the query gives up after 100 × 3
    [timed(() => dns.request({ type: 'a', name: 'x.test' })), { 'dns.request': slow([]) }, ['300', 'DnsTimeoutError query timed out']],
    [timed(() => tcp.connect({ host: 'x.test', port: 25 })), { 'tcp.connect': slow({}) }, ['450', 'TimeoutError IO timeout']],
    [timed(() => redis.request(redis.params(), ['GET', 'k'])), { 'redis.request': slow('v') }, ['350', 'TimeoutError Connection timed out']],
  ];
  for (const [symbol, handlers, expected] of cases) assert.equal(await optionsOf(symbol, handlers, config), expected, symbol.name);
});

Timeouts('an answer inside the timeout is the result, at the moment it came', async () => {
  const early = (value: unknown) =>
    function* () {
      yield* time.sleep(90);
      return value as never;
    };
  assert.equal(await optionsOf(timed(() => http.request({ url: 'http://x/', timeout: 100 })), { 'http.request': early({}) }), ['90', 'ok']);
});

Timeouts('faults.timeout() is a peer that never answers: the effect fails when its timeout fires', async () => {
  const handlers: TestHandlers = { 'http.request': () => { throw faults.timeout(); }, 'dns.request': faults.timeout() };
  assert.equal(await optionsOf(timed(() => http.request({ url: 'http://x/', timeout: 1500 })), handlers), ['1500', 'TimeoutError IO timeout']);
  assert.equal(await optionsOf(timed(() => dns.request({ type: 'a', name: 'x.test' })), handlers, { dns: { timeout: 200, retransmits: 2 } }), [
    '400',
    'DnsTimeoutError query timed out',
  ]);
});

Timeouts("fakeTcp reads time out after the connection's read timeout, or tcp.timeout", async () => {
  const silentPeer = fakeTcp({ onData: () => {} });
  const read = (opts: { readTimeout?: number }) =>
    timed(function* () {
      const [, conn] = yield* tcp.connect({ host: 'peer.test', port: 25, ...opts });
      yield* conn!.write('HELLO\r\n');
      return yield* conn!.readUntil('\r\n');
    });
  assert.equal(await optionsOf(read({ readTimeout: 250 }), silentPeer), ['250', 'TimeoutError IO timeout']);
  assert.equal(await optionsOf(read({}), silentPeer, { tcp: { timeout: 800 } }), ['800', 'TimeoutError IO timeout']);
});

Timeouts('the callback forms time out the same way, with their own wording', async () => {
  const seen: string[] = [];
  const S = defineSymbol({
    name: 'CALLBACKS',
    callback(task) {
      http.request({ task, url: 'http://x/', timeout: 100, callback: (err) => seen.push(`http ${err?.message}`) });
      dns.request({ task, type: 'a', name: 'x.test', timeout: 200, callback: (err) => seen.push(`dns ${err?.message}`) });
      redis.request({ servers: '127.0.0.1:6379', timeout: 300 }, { task, callback: (err) => seen.push(`redis ${err?.message}`) }, ['GET', 'k']);
      tcp.request({ task, host: 'x.test', port: 25, timeout: 400, data: 'x', callback: (err: Error | null) => seen.push(`tcp ${err?.message}`) });
    },
  });
  const handlers: TestHandlers = { 'http.request': slow({}), 'dns.request': slow([]), 'redis.request': slow('v'), 'tcp.connect': slow({}) };
  await optionsOf(S, handlers);
  assert.equal(seen, ['http IO timeout', 'dns query timed out', 'redis timeout while connecting the server', 'tcp IO timeout']);
});

Timeouts('seeded or not, the timeout fires at the same virtual moment', async () => {
  const S = timed(() => http.request({ url: 'http://x/', timeout: 1000 }));
  for (const seed of [undefined, 1, 2, 3]) assert.equal(await optionsOf(S, { 'http.request': slow({}) }, {}, seed), ['1000', 'TimeoutError IO timeout']);
});

const Clock = suite('real work holds the virtual clock');

Clock('middleware that awaits real work does not let virtual time jump past it', async () => {
  const realWork: Middleware = (next) => async (effect, ctx) => {
    await new Promise((r) => setTimeout(r, 5));
    return next(effect, ctx);
  };
  const io = use(createTestInterpreter({ handlers: { 'http.request': { content: 'ok' } } }), realWork);
  const S = timed(() => http.request({ url: 'http://x/', timeout: 1000 }));
  const result = await createScanner({ symbols: [S] }, { io, logger: silent }).scan('');
  assert.is(result.timedOut, undefined);
  assert.equal(result.symbols.OUT.options, ['0', 'ok']);
});

const Settles = suite('a scan always settles');

Settles('a handler promise that never settles fails the scan with StalledClockError, instead of stopping virtual time for ever', async () => {
  const S = timed(() => http.request({ url: 'http://x/', timeout: 1000 }));
  const io = createTestInterpreter({ handlers: { 'http.request': () => new Promise<never>(() => {}) }, stallLimit: 50 });
  try {
    await createScanner({ symbols: [S] }, { io, logger: silent }).scan('');
    assert.unreachable('the scan should fail');
  } catch (error) {
    assert.instance(error, StalledClockError);
    assert.match((error as Error).message, /faults\.timeout\(\)/);
  }
});

Settles('a callback-style call with no handler rejects the scan with UnexpectedEffectError', async () => {
  const PLAIN = defineSymbol({
    name: 'PLAIN',
    callback(task) {
      http.request({ task, url: 'http://nobody/', callback: () => task.insertResult('NEVER') });
    },
  });
  const scan = createScanner({ symbols: [PLAIN] }, { io: createTestInterpreter({ handlers: {} }), logger: silent }).scan('');
  const outcome = await Promise.race([scan.then(() => 'resolved', (e) => e), new Promise((r) => setTimeout(() => r('hung'), 2000))]);
  assert.instance(outcome, UnexpectedEffectError);
});

Settles('the same under replay: a callback-style call with no recorded entry rejects with DivergenceError', async () => {
  const PLAIN = defineSymbol({
    name: 'PLAIN',
    callback(task) {
      dns.request({ task, type: 'a', name: 'x.test', callback: () => task.insertResult('NEVER') });
    },
  });
  const scan = createScanner({ symbols: [PLAIN] }, { io: replay({ entries: [] }), logger: silent }).scan('');
  const outcome = await Promise.race([scan.then(() => 'resolved', (e) => e), new Promise((r) => setTimeout(() => r('hung'), 2000))]);
  assert.instance(outcome, DivergenceError);
});

const Reuse = suite('operations run more than once');

Reuse('the same operation yielded twice gives its result both times', async () => {
  const S = defineSymbol({
    name: 'TWICE',
    *callback(task) {
      const op = http.request({ url: 'http://x/' });
      const [e1, a] = yield* op;
      const [e2, b] = yield* op;
      task.insertResult('OUT', 1, e1 ? 'error' : a.content, e2 ? 'error' : b.content, typeof b);
    },
  });
  let n = 0;
  assert.equal(await optionsOf(S, { 'http.request': () => ({ content: `answer ${++n}` }) }), ['answer 1', 'answer 2', 'object']);
});

for (const s of [Timeouts, Clock, Settles, Reuse]) s.run();
