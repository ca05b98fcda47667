import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  all,
  createScanner,
  createTestInterpreter,
  defineSymbol,
  DivergenceError,
  dns,
  faults,
  http,
  NxdomainError,
  record,
  redis,
  replay,
  TimeoutError,
  time,
  type Interpreter,
  type SymbolDefinition,
  type TestHandlers,
} from '../../../index.ts';
import { callbackStyle, syncStyle } from '../../../examples/rspamd-guide/index.ts';
import { guideHandlers, guideTask, optionsOf } from '../../support/guide.ts';
import { silent } from '../../support/logger.ts';

const dir = mkdtempSync(join(tmpdir(), 'corax-replay-'));
let n = 0;
const file = (): string => join(dir, `rec-${++n}.jsonl`);

async function scanWith(io: Interpreter, symbols: readonly SymbolDefinition[], queueId = 'T1', extra: Record<string, unknown> = {}) {
  const { message, ...envelope } = guideTask;
  return createScanner({ symbols, ...extra }, { io, logger: silent }).scan(message, { ...envelope, queueId });
}

const Format = suite('record: the file');

Format('a versioned header, then one entry per effect in a stable order; text readable', async () => {
  const path = file();
  const io = record(createTestInterpreter({ handlers: guideHandlers(), seed: 5 }), { path });
  await scanWith(io, [...syncStyle]);
  await io.close();
  const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(Object.keys(lines[0]), ['corax-recording', 'corax', 'created']);
  assert.is(lines[0]['corax-recording'], 2);
  const keys = lines.slice(1).map((e) => `${e.task}/${e.key}`);
  assert.equal(keys, [...keys].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
  const httpEntry = lines.find((e) => e.effect?.type === 'http.request');
  assert.equal(Object.keys(httpEntry), ['task', 'key', 'effect', 'result', 'ms']);
  assert.equal(httpEntry.result, { ok: true, value: { code: 200, headers: {}, content: 'hello from /abc' } });
});

Format('re-recording an unchanged scenario leaves the file byte for byte the same', async () => {
  const path = file();
  let first = '';
  for (const seed of [1, 2, 3]) {
    // different seeds: effects complete in different orders, with other durations
    const io = record(createTestInterpreter({ handlers: guideHandlers(), seed }), { path });
    await scanWith(io, [...syncStyle, ...callbackStyle.slice(1)]);
    await io.close();
    const text = readFileSync(path, 'utf8');
    if (seed === 1) first = text;
    else assert.is(text, first);
  }
});

Format('binary bodies are base64; errors keep name, code and message', async () => {
  const S = defineSymbol({
    name: 'S',
    *callback(task) {
      const [, bin] = yield* http.request({ url: 'http://bin/' });
      const [err] = yield* dns.request({ type: 'a', name: 'missing.test' });
      task.insertResult('S', 1, bin!.body.length, err!.code);
    },
  });
  const path = file();
  const handlers: TestHandlers = { 'http.request': { body: new Uint8Array([0, 255, 1, 254]) }, 'dns.request': faults.nxdomain() };
  const io = record(createTestInterpreter({ handlers }), { path });
  await scanWith(io, [S]);
  await io.close();
  const text = readFileSync(path, 'utf8');
  assert.match(text, /"body":\{"\$bytes":"AP8B\/g=="\}/);
  assert.match(text, /"error":\{"name":"NxdomainError","code":"NXDOMAIN","message":"no records with this name"\}/);
});

const Replay = suite('replay');

Replay('gives the recorded results without a handler in sight, for both guide styles', async () => {
  for (const symbols of [callbackStyle, syncStyle]) {
    const path = file();
    const live = record(createTestInterpreter({ handlers: guideHandlers() }), { path });
    const recorded = await scanWith(live, symbols);
    await live.close();
    const replayed = await scanWith(replay({ path }), symbols);
    assert.equal(optionsOf(replayed), optionsOf(recorded));
    assert.is(replayed.score, recorded.score);
  }
});

Replay('errors replay as the same class and code', async () => {
  const S = defineSymbol({
    name: 'S',
    *callback(task) {
      const [e1] = yield* http.request({ url: 'http://slow/' });
      const [e2] = yield* dns.request({ type: 'a', name: 'x.test' });
      task.insertResult('S', 1, e1 instanceof TimeoutError, e2 instanceof NxdomainError, e1!.code, e2!.message);
    },
  });
  const path = file();
  const io = record(createTestInterpreter({ handlers: { 'http.request': faults.timeout(), 'dns.request': faults.nxdomain() } }), { path });
  const a = await scanWith(io, [S]);
  await io.close();
  const b = await scanWith(replay({ path }), [S]);
  assert.equal(b.symbols.S.options, ['true', 'ETIMEDOUT', 'no records with this name']);
  assert.equal(optionsOf(a), optionsOf(b));
});

Replay('three concurrent symbols, completion order from two seeds: each recording replays', async () => {
  const mk = (name: string) =>
    defineSymbol({
      name,
      *callback(task) {
        const [[, a], [, b]] = yield* all([http.request({ url: `http://${name}/1` }), dns.request({ type: 'a', name: `${name}.test` })]);
        yield* time.sleep(name.length);
        const [, c] = yield* redis.request(redis.params(), ['INCR', name]);
        task.insertResult(name, 1, a!.content, b![0], String(c));
      },
    });
  const symbols = [mk('ALPHA'), mk('BETA'), mk('GAMMA')];
  const handlers: TestHandlers = {
    'http.request': (e) => ({ content: e.url }),
    'dns.request': (e) => [e.name],
    'redis.request': (e) => `reply-${e.command[1]}`,
  };
  const orders: string[] = [];
  for (const seed of [11, 12]) {
    const path = file();
    const inner = createTestInterpreter({ handlers, seed });
    const io = record(inner, { path });
    const recorded = await scanWith(io, symbols);
    await io.close();
    orders.push(inner.trace.map((t) => t.key).join(','));
    const replayed = await scanWith(replay({ path }), symbols);
    assert.equal(optionsOf(replayed), optionsOf(recorded));
    const seededReplay = await scanWith(replay({ path, timing: 'recorded' }), symbols);
    assert.equal(optionsOf(seededReplay), optionsOf(recorded));
  }
  assert.is.not(orders[0], orders[1], 'the two seeds completed effects in different orders');
});

Replay('timings can replay as recorded, on the virtual clock', async () => {
  const S = defineSymbol({ name: 'S', *callback() { yield* http.request({ url: 'http://a/' }); } });
  const path = file();
  const io = record(createTestInterpreter({ handlers: { 'http.request': function* () { yield* time.sleep(120); return { content: 'x' }; } } }), { path });
  const recorded = await scanWith(io, [S]);
  await io.close();
  assert.is(recorded.timeReal, 0.12);
  assert.is((await scanWith(replay({ path }), [S])).timeReal, 0.12, 'recorded timing is the default');
  assert.is((await scanWith(replay({ path, timing: 'instant' }), [S])).timeReal, 0);
});

const Divergence = suite('replay: divergence');

async function recorded(symbols: SymbolDefinition[], handlers: TestHandlers): Promise<string> {
  const path = file();
  const io = record(createTestInterpreter({ handlers }), { path });
  await scanWith(io, symbols);
  await io.close();
  return path;
}

async function divergence(path: string, symbols: SymbolDefinition[], opts: Parameters<typeof replay>[0] = {}): Promise<DivergenceError> {
  try {
    await scanWith(replay({ path, ...opts }), symbols);
  } catch (error) {
    assert.instance(error, DivergenceError);
    return error as DivergenceError;
  }
  throw new Error('expected a DivergenceError');
}

Divergence('a different URL: the message names the field, with recorded and actual side by side', async () => {
  const mk = (url: string) => defineSymbol({ name: 'S', *callback() { yield* http.request({ url }); } });
  const path = await recorded([mk('http://api.test/v1/score')], { 'http.request': {} });
  const err = await divergence(path, [mk('http://api.test/v2/score')]);
  assert.is(err.key, 'T1/S#0');
  assert.match(err.message, /effect T1\/S#0 diverges from the recording \(url\):/);
  assert.match(err.message, /url\s+"http:\/\/api\.test\/v1\/score"\s+"http:\/\/api\.test\/v2\/score"/);
});

Divergence('an extra command in a pipeline, and an effect the recording lacks', async () => {
  const mk = (extra: boolean) =>
    defineSymbol({
      name: 'S',
      *callback() {
        const [, conn] = yield* redis.connect(redis.params());
        conn!.addCmd('INCR', ['k']);
        if (extra) conn!.addCmd('EXPIRE', ['k', 60]);
        yield* conn!.exec();
        if (extra) yield* dns.request({ type: 'a', name: 'more.test' });
      },
    });
  const path = await recorded([mk(false)], { 'redis.exec': (e) => e.commands.map(() => 1) });
  const err = await divergence(path, [mk(true)]);
  assert.match(err.message, /commands\[1\]\[0\]\s+\(none\)\s+"EXPIRE"/);
  const missing = await divergence(path, [
    defineSymbol({
      name: 'S',
      *callback() {
        const [, conn] = yield* redis.connect(redis.params());
        conn!.addCmd('INCR', ['k']);
        yield* conn!.exec();
        yield* dns.request({ type: 'a', name: 'more.test' });
      },
    }),
  ]);
  assert.match(missing.message, /no recorded effect at T1\/S#1: the rule now makes dns\.request\(a more\.test\)/);
});

Divergence("onMissing: 'live' performs what is missing and adds it to the recording", async () => {
  const path = await recorded([defineSymbol({ name: 'S', *callback() { yield* http.request({ url: 'http://a/' }); } })], { 'http.request': { content: 'one' } });
  const grown = defineSymbol({
    name: 'S',
    *callback(task) {
      const [, a] = yield* http.request({ url: 'http://a/' });
      const [, b] = yield* http.request({ url: 'http://b/' });
      task.insertResult('S', 1, a!.content, b!.content);
    },
  });
  const io = replay({ path, onMissing: 'live', live: createTestInterpreter({ handlers: { 'http.request': { content: 'two' } } }) });
  const r = await scanWith(io, [grown]);
  await io.close();
  assert.equal(r.symbols.S.options, ['one', 'two']);
  const r2 = await scanWith(replay({ path }), [grown]);
  assert.equal(r2.symbols.S.options, ['one', 'two'], 'the recording now has both');
});

Divergence('matching options: ignored headers and a normalised URL do not count', async () => {
  const mk = (stamp: string) =>
    defineSymbol({ name: 'S', *callback() { yield* http.request({ url: `http://api.test/check?ts=${stamp}&q=1`, headers: { 'x-request-time': stamp } }); } });
  const path = await recorded([mk('1000')], { 'http.request': {} });
  await divergence(path, [mk('2000')]);
  const match = { ignoreHeaders: ['X-Request-Time'], url: (u: string) => u.replace(/ts=\d+&?/, '') };
  const r = await scanWith(replay({ path, match }), [mk('2000')]);
  assert.is(r.action, 'no action');
});

const Redaction = suite('record: redaction');

Redaction('no secret reaches the file, and the redacted recording still replays', async () => {
  const secrets = ['hunter2', 's3cr3t-token', 'session=abc123', 'redispass', 'alice-user', 'urlpass'];
  const S = defineSymbol({
    name: 'S',
    *callback() {
      yield* http.request({ url: 'http://bob:urlpass@api.test/', headers: { Authorization: 'Bearer s3cr3t-token', Cookie: 'session=abc123' }, user: 'alice-user', password: 'hunter2' });
      yield* redis.request({ servers: 'redis://:redispass@127.0.0.1:6379', password: 'redispass' }, ['AUTH', 'redispass']);
      yield* redis.request(redis.params(), ['HELLO', '3', 'AUTH', 'default', 'redispass']);
      yield* http.request({ url: 'http://api.test/private', headers: { 'x-api-key': 'hunter2' } });
    },
  });
  const handlers: TestHandlers = { 'http.request': { content: 'ok', headers: { 'set-cookie': 'session=abc123' } }, 'redis.request': 'OK' };
  const path = file();
  const io = record(createTestInterpreter({ handlers }), { path, redact: { fields: ['x-api-key'] } });
  await scanWith(io, [S]);
  await io.close();
  const text = readFileSync(path, 'utf8');
  for (const secret of secrets) assert.not.ok(text.includes(secret), `${secret} leaked:\n${text}`);
  assert.match(text, /\[redacted\]/);
  const r = await scanWith(replay({ path, redact: { fields: ['x-api-key'] } }), [S]);
  assert.is(r.action, 'no action');
});

Redaction('a function can redact more', async () => {
  const S = defineSymbol({ name: 'S', *callback() { yield* dns.request({ type: 'txt', name: 'token-abc.test' }); } });
  const path = file();
  const io = record(createTestInterpreter({ handlers: { 'dns.request': ['v'] } }), {
    path,
    redact: { fn: (e) => ({ ...e, effect: { ...e.effect, name: 'TOKEN.test' } as typeof e.effect }) },
  });
  await scanWith(io, [S]);
  await io.close();
  assert.not.ok(readFileSync(path, 'utf8').includes('token-abc'));
});

const Bad = suite('replay: bad recordings');

Bad('an unknown format version or broken line is refused with a clear error', () => {
  const path = file();
  writeFileSync(path, '{"corax-recording":99}\n');
  assert.throws(() => replay({ path }), /recording format 99, this corax reads format 2/);
  writeFileSync(path, '{"corax-recording":2}\nnot json\n');
  assert.throws(() => replay({ path }), new RegExp(`${path}:2: not valid JSON`));
});

Format.run();
Replay.run();
Divergence.run();
Redaction.run();
Bad.run();
