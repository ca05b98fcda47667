import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createScanner,
  createTestInterpreter,
  defineSymbol,
  dns,
  http,
  redis,
  tcp,
  time,
  faults,
  UnexpectedEffectError,
  type Operation,
  type Result,
  type ScanResult,
  type TaskReport,
  type TestHandlers,
} from '../../../index.ts';
import { capture, silent } from '../../support/logger.ts';

const ok = { 'http.request': { code: 200, content: 'ok' } } satisfies TestHandlers;

function scanner(symbols: Parameters<typeof createScanner>[0]['symbols'], extra: Record<string, unknown> = {}, handlers: TestHandlers = ok) {
  const reports: TaskReport[] = [];
  const io = createTestInterpreter({ handlers });
  const s = createScanner({ symbols, ...extra }, { io, logger: silent, onTaskEnd: (r) => reports.push(r) });
  return { s, io, reports };
}

const Scores = suite('scores and actions');

Scores('a result scores weight × configured score; config scores win; a name with no score scores 0 and is logged once', async () => {
  const A = defineSymbol({
    name: 'A',
    score: 2,
    results: { VIRTUAL: 3 },
    callback(task) {
      task.insertResult('A', 0.5);
      task.insertResult('OVERRIDDEN', 3);
      task.insertResult('VIRTUAL', 1);
      task.insertResult('UNKNOWN', 1.5);
    },
  });
  const { logger, lines } = capture();
  const s = createScanner({ symbols: [A], scores: { OVERRIDDEN: -1 } }, { io: createTestInterpreter({ handlers: {} }), logger });
  const r = await s.scan('');
  await s.scan('');
  assert.equal(r.symbols.A, { name: 'A', score: 1, metricScore: 2 });
  assert.equal(r.symbols.OVERRIDDEN, { name: 'OVERRIDDEN', score: -3, metricScore: -1 });
  assert.equal(r.symbols.VIRTUAL, { name: 'VIRTUAL', score: 3, metricScore: 3 }, "a symbol declares the scores of the other names it inserts (Rspamd's virtual symbols)");
  assert.equal(r.symbols.UNKNOWN, { name: 'UNKNOWN', score: 0, metricScore: 0 }, 'reported, not scored, as in Rspamd');
  assert.is(r.score, 1 - 3 + 3);
  const logged = lines.filter((l) => /result UNKNOWN has no configured score/.test(String(l.msg)));
  assert.is(logged.length, 1, 'logged once per name, not per scan');
});

Scores('inserting the same name again adds its score again, up to nshots; options stay deduplicated', async () => {
  const A = defineSymbol({
    name: 'A',
    score: 2,
    callback(task) {
      task.insertResult('A', 1, 'x', 'y');
      task.insertResult('A', 1, 'y', 'z', new Error('boom'), 42);
    },
  });
  const r = await scanner([A]).s.scan('');
  // Rspamd 3.4: a symbol of score 2.0 inserted twice scores 4.0 (nshots defaults to 100)
  assert.equal(r.symbols.A, { name: 'A', score: 4, metricScore: 2, options: ['x', 'y', 'z', 'boom', '42'] });
});

Scores('past nshots only a larger score of the same sign replaces the last; one-shot names score once', async () => {
  const A = defineSymbol({
    name: 'A',
    score: 1,
    nshots: 2,
    results: { ONCE: { score: 2, oneShot: true } },
    callback(task) {
      for (const w of [1, 1, 1, 5, -10]) task.insertResult('A', w);
      for (const w of [1, 1, 0.5, 3]) task.insertResult('ONCE', w);
    },
  });
  const r = await scanner([A]).s.scan('');
  assert.is(r.symbols.A.score, 5, '1 + 1, then the third adds nothing, the 5 replaces, the -10 (other sign) does not');
  assert.is(r.symbols.ONCE.score, 6, 'the first counts; later ones only replace it when larger: 2, then 3 × 2');
});

Scores("options: at most 100 per result and 4096 bytes in all, then '...'; control characters become U+FFFD", async () => {
  const A = defineSymbol({
    name: 'A',
    score: 1,
    callback(task) {
      for (let i = 0; i < 150; i++) task.insertResult('A', 0, `o${i}`);
      task.insertResult('BIG', 0, 'x'.repeat(4000), 'y'.repeat(200), 'after');
      task.insertResult('CTRL', 0, 'a\u0001b\u0007c');
    },
  });
  const r = await scanner([A]).s.scan('');
  assert.is(r.symbols.A.options!.length, 100);
  assert.equal(r.symbols.BIG.options, ['x'.repeat(4000), '...']);
  assert.equal(r.symbols.CTRL.options, ['a\ufffdb\ufffdc']);
});

Scores('adjustResult sets an absolute score; removeResult removes; getSymbols, getAction and getMetricScore see the scan so far', async () => {
  const seen: unknown[] = [];
  const A = defineSymbol({ name: 'A', score: 3, callback: (task) => task.insertResult('A', 1, 'a') });
  const B = defineSymbol({ name: 'B', score: 4, callback: (task) => task.insertResult('B') });
  const POST = defineSymbol({
    name: 'POST',
    type: 'postfilter',
    callback(task) {
      seen.push(task.getSymbols().map((s) => `${s.name}=${s.score}`), task.getAction(), task.getMetricScore());
      task.adjustResult('A', 12, 'adjusted');
      seen.push(task.getMetricScore(), task.getAction());
      seen.push(task.removeResult('B'), task.removeResult('B'), task.getScore());
      try {
        task.adjustResult('NO_SUCH_SYMBOL', 1);
      } catch (error) {
        seen.push((error as Error).message);
      }
    },
  });
  const r = await scanner([A, B, POST]).s.scan('');
  assert.equal(seen, [['A=3', 'B=4'], 'add header', [7, 15], [16, 15], 'reject', true, false, 12, 'symbol not found: NO_SUCH_SYMBOL']);
  assert.equal(Object.keys(r.symbols), ['A']);
  assert.equal(r.symbols.A.options, ['a', 'adjusted']);
  assert.is(r.action, 'add header');
});

Scores('the action is the one with the highest threshold at or below the score', async () => {
  const cases: [number, string][] = [
    [0, 'no action'],
    [3.99, 'no action'],
    [4, 'greylist'],
    [5.9, 'greylist'],
    [6, 'add header'],
    [14.9, 'add header'],
    [15, 'reject'],
    [100, 'reject'],
  ];
  for (const [score, action] of cases) {
    const S = defineSymbol({ name: 'S', score, callback: (task) => task.insertResult('S') });
    const r = await scanner([S]).s.scan('');
    assert.is(r.action, action, `score ${score}`);
    assert.is(r.requiredScore, 15);
    assert.equal(r.thresholds, { reject: 15, 'add header': 6, greylist: 4 });
  }
});

Scores('actions can be moved and disabled', async () => {
  const S = defineSymbol({ name: 'S', score: 5, callback: (task) => task.insertResult('S') });
  const r = await scanner([S], { actions: { greylist: null, add_header: 5, reject: 10 } }).s.scan('');
  assert.is(r.action, 'add header');
  assert.equal(r.thresholds, { reject: 10, 'add header': 5 });
  assert.is(r.requiredScore, 10);
});

const Stages = suite('stages, deps and priority');

function logSymbol(name: string, log: string[], opts: { type?: 'prefilter' | 'normal' | 'postfilter'; priority?: number; deps?: string[]; sleep?: number } = {}) {
  return defineSymbol({
    name,
    type: opts.type,
    priority: opts.priority,
    deps: opts.deps,
    *callback(task) {
      log.push(`${name}:start`);
      if (opts.sleep) yield* time.sleep(opts.sleep);
      task.insertResult(name);
      log.push(`${name}:end`);
    },
  });
}

Stages('prefilters, then normal symbols, then postfilters', async () => {
  const log: string[] = [];
  const { s } = scanner([
    logSymbol('POST', log, { type: 'postfilter' }),
    logSymbol('NORMAL', log),
    logSymbol('PRE', log, { type: 'prefilter', sleep: 50 }),
  ]);
  await s.scan('');
  assert.equal(log, ['PRE:start', 'PRE:end', 'NORMAL:start', 'NORMAL:end', 'POST:start', 'POST:end']);
});

Stages('prefilter priorities run one group after another, highest first', async () => {
  const log: string[] = [];
  const { s } = scanner([
    logSymbol('LOW', log, { type: 'prefilter', priority: 1 }),
    logSymbol('HIGH_SLOW', log, { type: 'prefilter', priority: 10, sleep: 30 }),
    logSymbol('HIGH', log, { type: 'prefilter', priority: 10 }),
  ]);
  await s.scan('');
  assert.equal(log, ['HIGH_SLOW:start', 'HIGH:start', 'HIGH:end', 'HIGH_SLOW:end', 'LOW:start', 'LOW:end']);
});

Stages('normal symbols start together in priority order and wait for their deps', async () => {
  const log: string[] = [];
  const { s } = scanner([
    logSymbol('C', log, { deps: ['A', 'B'] }),
    logSymbol('A', log, { sleep: 20 }),
    logSymbol('B', log, { sleep: 10, priority: 5 }),
    logSymbol('D', log),
  ]);
  await s.scan('');
  assert.equal(log, ['B:start', 'A:start', 'D:start', 'D:end', 'B:end', 'A:end', 'C:start', 'C:end']);
});

Stages('a prefilter pre-result skips the rest and forces the action', async () => {
  const log: string[] = [];
  const PRE = defineSymbol({
    name: 'PRE',
    type: 'prefilter',
    score: 1,
    callback(task) {
      task.insertResult('PRE', 0.1);
      task.setPreResult('reject', 'go away');
    },
  });
  const { s, reports } = scanner([PRE, logSymbol('NORMAL', log), logSymbol('POST', log, { type: 'postfilter' })]);
  const r = await s.scan('');
  assert.equal(log, []);
  assert.is(r.action, 'reject');
  assert.is(r.isSkipped, true);
  assert.equal(r.messages, { smtp_message: 'go away' });
  assert.is(r.score, 0.1);
  assert.equal(reports[0].outcomes, { PRE: 'ok', NORMAL: 'not run', POST: 'not run' });
});

Stages('a pre-result set by a normal symbol forces the action without skipping', async () => {
  const log: string[] = [];
  const N = defineSymbol({ name: 'N', callback: (task) => task.setPreResult('add_header') });
  const r = await scanner([N, logSymbol('POST', log, { type: 'postfilter' })]).s.scan('');
  assert.is(r.action, 'add header');
  assert.is(r.isSkipped, false);
  assert.equal(log, ['POST:start', 'POST:end']);
});

const Timeouts = suite('timeouts');

Timeouts('a symbol timeout halts that symbol only; its effect is torn down, finally runs', async () => {
  const log: string[] = [];
  let aborted = false;
  const SLOW = defineSymbol({
    name: 'SLOW',
    timeout: 100,
    *callback(task) {
      try {
        task.insertResult('SLOW_BEFORE');
        yield* http.request({ url: 'http://slow/' });
        log.push('resumed');
        task.insertResult('SLOW_AFTER');
      } finally {
        log.push('finally');
      }
    },
  });
  const FAST = defineSymbol({
    name: 'FAST',
    *callback(task) {
      yield* time.sleep(500);
      task.insertResult('FAST');
    },
  });
  const handlers: TestHandlers = {
    'http.request': (_e, ctx) => {
      ctx.signal.addEventListener('abort', () => (aborted = true));
      return (function* () {
        yield* time.sleep(10_000);
        return { code: 200 };
      })();
    },
  };
  const { s, reports } = scanner([SLOW, FAST], {}, handlers);
  const r = await s.scan('');
  assert.equal(Object.keys(r.symbols).sort(), ['FAST', 'SLOW_BEFORE']);
  assert.equal(log, ['finally']);
  assert.ok(aborted);
  assert.is(reports[0].outcomes.SLOW, 'timeout');
  assert.is(reports[0].outcomes.FAST, 'ok');
  assert.is(r.timedOut, undefined);
});

Timeouts('the task timeout ends the scan: partial results kept, nothing resumed, no late results', async () => {
  const log: string[] = [];
  let aborts = 0;
  const WAITER = defineSymbol({
    name: 'WAITER',
    *callback(task) {
      task.insertResult('WAITER_START');
      try {
        yield* http.request({ url: 'http://never/' });
        log.push('WAITER resumed');
      } finally {
        task.insertResult('WAITER_FINALLY'); // the task is over: ignored
        log.push('WAITER finally');
      }
    },
  });
  const CALLBACKS = defineSymbol({
    name: 'CALLBACKS',
    callback(task) {
      http.request({
        task,
        url: 'http://never/',
        callback() {
          log.push('callback ran');
          task.insertResult('LATE');
        },
      });
    },
  });
  const handlers: TestHandlers = {
    'http.request': (_e, ctx) => {
      ctx.signal.addEventListener('abort', () => aborts++);
      return (function* () {
        yield* time.sleep(60_000);
        return { code: 200 };
      })();
    },
  };
  const { s, io, reports } = scanner([WAITER, CALLBACKS], { taskTimeout: 1000 }, handlers);
  const started = Date.now();
  const r = await s.scan('');
  assert.ok(Date.now() - started < 1000, 'virtual time: no real waiting');
  assert.is(r.timedOut, true);
  assert.equal(Object.keys(r.symbols), ['WAITER_START']);
  assert.is(r.timeReal, 1);
  assert.equal(log, ['WAITER finally']);
  assert.is(aborts, 2, 'both pending effects torn down');
  assert.is(reports[0].pendingEffects, 0);
  // let virtual time run past the effects' own completion: nothing may resume
  io.clock.advance(120_000);
  await new Promise((r) => setImmediate(r));
  assert.equal(log, ['WAITER finally']);
});

const Callbacks = suite('callback-style symbols');

Callbacks('a callback symbol finishes when its callbacks and the requests they start are done', async () => {
  const log: string[] = [];
  const CB = defineSymbol({
    name: 'CB',
    callback(task) {
      const scheduled = http.request({
        task,
        url: 'http://first/',
        callback(err, res) {
          log.push(`first ${res?.content}`);
          dns.request({
            task,
            type: 'a',
            name: 'example.com',
            callback(derr, addrs) {
              log.push(`second ${addrs?.[0]}`);
              task.insertResult('CB', 1, addrs![0]);
            },
          });
        },
      });
      log.push(`scheduled ${scheduled}`);
    },
  });
  const AFTER = defineSymbol({ name: 'AFTER', deps: ['CB'], callback: () => void log.push('after') });
  const handlers: TestHandlers = {
    'http.request': () => (function* () {
      yield* time.sleep(5);
      return { content: 'one' };
    })(),
    'dns.request': () => (function* () {
      yield* time.sleep(5);
      return ['192.0.2.1'];
    })(),
  };
  const r = await scanner([CB, AFTER], {}, handlers).s.scan('');
  assert.equal(log, ['scheduled true', 'first one', 'second 192.0.2.1', 'after']);
  assert.equal(r.symbols.CB.options, ['192.0.2.1']);
});

Callbacks('a callback-style call from outside a running symbol is refused with false', async () => {
  let later: () => boolean = () => true;
  const CB = defineSymbol({
    name: 'CB',
    callback(task) {
      later = () => http.request({ task, url: 'http://x/', callback() {} });
    },
  });
  const { logger, lines } = capture();
  const io = createTestInterpreter({ handlers: ok });
  await createScanner({ symbols: [CB] }, { io, logger }).scan('');
  assert.is(later(), false);
  assert.not.ok(lines.some((l) => /outside a running symbol/.test(String(l.msg))), 'a finished task refuses quietly');
  // during the scan but outside any coroutine: refused with a warning
  let duringScan: boolean | undefined;
  const EARLY = defineSymbol({
    name: 'EARLY',
    *callback(task) {
      Promise.resolve().then(() => (duringScan = http.request({ task, url: 'http://x/', callback() {} })));
      yield* time.sleep(10);
    },
  });
  await createScanner({ symbols: [EARLY] }, { io: createTestInterpreter({ handlers: ok }), logger }).scan('');
  assert.is(duringScan, false);
  assert.ok(lines.some((l) => /outside a running symbol of this task/.test(String(l.msg))));
});

const Isolation = suite('rule errors');

Isolation('a throwing rule keeps what it inserted, is logged by name, and others go on', async () => {
  const BAD = defineSymbol({
    name: 'BAD',
    *callback(task) {
      task.insertResult('BAD_BEFORE');
      yield* http.request({ url: 'http://x/' });
      throw new Error('rule bug');
    },
  });
  const GOOD = defineSymbol({
    name: 'GOOD',
    *callback(task) {
      yield* http.request({ url: 'http://x/' });
      task.insertResult('GOOD');
    },
  });
  const { logger, lines } = capture();
  const io = createTestInterpreter({ handlers: ok });
  const r = await createScanner({ symbols: [BAD, GOOD] }, { io, logger }).scan('');
  assert.equal(Object.keys(r.symbols).sort(), ['BAD_BEFORE', 'GOOD']);
  const line = lines.find((l) => l.symbol === 'BAD' && /failed/.test(String(l.msg)));
  assert.ok(line, 'logged with the symbol name');
  assert.match(String(line!.msg), /symbol BAD failed: rule bug/);
});

Isolation('an async callback is refused with a message that says what to write instead', async () => {
  // @ts-expect-error an async callback does not type-check; plain JavaScript gets the message at run time
  const ASYNC = defineSymbol({ name: 'ASYNC', callback: async () => {} });
  const { logger, lines } = capture();
  await createScanner({ symbols: [ASYNC] }, { io: createTestInterpreter({ handlers: {} }), logger }).scan('');
  assert.ok(lines.some((l) => /async callbacks are not supported; write `\*callback\(task\)`/.test(String(l.msg))));
});

Isolation('an unexpected effect rejects scan() instead of reaching the rule', async () => {
  const A = defineSymbol({
    name: 'A',
    *callback(task) {
      const [err] = yield* dns.request({ type: 'a', name: 'x.test' });
      task.insertResult('SAW_ERROR', 1, err!);
    },
  });
  const { s, reports } = scanner([A], {}, ok);
  try {
    await s.scan('');
    assert.unreachable('scan should reject');
  } catch (error) {
    assert.instance(error, UnexpectedEffectError);
    assert.match((error as Error).message, /dns\.request\(a x\.test\).*handled: 'http\.request'/);
  }
  assert.is(reports[0].error?.code, 'EUNEXPECTED');
});

const Mime = suite('MIME');

const message = [
  'From: Alice <alice@example.com>',
  'To: bob@example.org',
  'Subject: =?UTF-8?B?SGVsbG8gd29ybGQ=?=',
  'Message-ID: <abc@example.com>',
  'Content-Type: multipart/alternative; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Visit http://example.com/x today.',
  '--b1',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Or <a href="https://evil.test/path?q=1">here</a></p>',
  '--b1--',
  '',
].join('\r\n');

Mime('body accessors work in symbols that read the body; the body is parsed once', async () => {
  const seen: unknown[] = [];
  const mk = (name: string) =>
    defineSymbol({
      name,
      callback(task) {
        seen.push([task.getText().trim(), task.getUrls().map((u) => u.host), task.getSubject(), task.getMessageId()]);
      },
    });
  const r = await scanner([mk('A'), mk('B')]).s.scan(message);
  assert.equal(seen[0], [
    'Visit http://example.com/x today.',
    ['example.com', 'evil.test'],
    'Hello world',
    'abc@example.com',
  ]);
  assert.equal(seen[1], seen[0]);
  assert.is(r.messageId, 'abc@example.com');
});

Mime('a mime: false symbol does not wait for the body and gets a clear error if it reads it', async () => {
  const order: string[] = [];
  const HEADERS = defineSymbol({
    name: 'HEADERS',
    mime: false,
    callback(task) {
      order.push(`headers ${task.getHeader('subject')}`);
      task.getText();
    },
  });
  const { logger, lines } = capture();
  await createScanner({ symbols: [HEADERS] }, { io: createTestInterpreter({ handlers: {} }), logger }).scan(message);
  assert.equal(order, ['headers Hello world']);
  assert.ok(lines.some((l) => /task\.getText\(\) reads the message body, but this symbol is declared with `mime: false`/.test(String(l.msg))));
});

const Faults = suite('faults in handlers');

Faults("faults.* reach the rule as each family words them (Rspamd's wording)", async () => {
  const results: Record<string, string> = {};
  const dnsRequest = (): Operation<Result<unknown>> => dns.request({ type: 'a', name: 'x.test' });
  const httpRequest = (): Operation<Result<unknown>> => http.request({ url: 'http://x.test/' });
  const tcpConnect = (): Operation<Result<unknown>> => tcp.connect({ host: 'x.test', port: 25 });
  const redisGet = (): Operation<Result<unknown>> => redis.request({ servers: '127.0.0.1:6379' }, ['GET', 'k']);
  const table: [string, () => Operation<Result<unknown>>, string, () => Error][] = [
    ['dns timeout', dnsRequest, 'dns.request', faults.timeout],
    ['dns refused', dnsRequest, 'dns.request', faults.refused],
    ['dns nxdomain', dnsRequest, 'dns.request', faults.nxdomain],
    ['dns nodata', dnsRequest, 'dns.request', faults.nodata],
    ['dns servfail', dnsRequest, 'dns.request', faults.servfail],
    ['http timeout', httpRequest, 'http.request', faults.timeout],
    ['http refused', httpRequest, 'http.request', faults.refused],
    ['http eof', httpRequest, 'http.request', faults.eof],
    ['tcp refused', tcpConnect, 'tcp.connect', faults.refused],
    ['redis refused', redisGet, 'redis.request', faults.refused],
    ['redis timeout', redisGet, 'redis.request', faults.timeout],
  ];
  for (const [name, op, type, make] of table) {
    const S = defineSymbol({
      name: 'S',
      *callback(task) {
        const [err] = yield* op();
        task.insertResult('E', 1, err!);
      },
    });
    const r: ScanResult = await scanner([S], {}, { [type]: () => { throw make(); } }).s.scan('');
    results[name] = r.symbols.E.options![0];
  }
  assert.equal(results, {
    'dns timeout': 'query timed out',
    'dns refused': 'query refused',
    'dns nxdomain': 'no records with this name',
    'dns nodata': 'requested record is not found',
    'dns servfail': 'server fail',
    'http timeout': 'IO timeout',
    'http refused': 'IO write error: Connection refused',
    'http eof': 'IO read error: unexpected EOF',
    'tcp refused': 'Socket error detected: Connection refused',
    'redis refused': 'Connection refused',
    'redis timeout': 'Connection timed out',
  });
});

for (const s of [Scores, Stages, Timeouts, Callbacks, Isolation, Mime, Faults]) s.run();
