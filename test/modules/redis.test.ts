import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Redis } from 'ioredis';
import { createLiveInterpreter, createScanner, defineSymbol, record, redis, type LiveInterpreter, type RecordingEntry, type RedisParams } from '../../index.ts';
import { cleanup, redisUrl, redisServer, requireRedis, testPrefix } from '../support/redis.ts';
import { outcome, perform } from '../support/live.ts';
import { silent } from '../support/logger.ts';
import { freePort } from '../support/net.ts';

const prefix = testPrefix('redis-module');
let raw: Redis;
let io: LiveInterpreter;
let params: RedisParams;


const Commands = suite('redis module: commands and pipelines');
Commands.before(async () => {
  raw = await requireRedis();
  params = { servers: redisServer(), prefix };
  io = createLiveInterpreter({ symbols: [], redis: { servers: redisServer(), prefix, ratelimit: { servers: redisServer(), prefix: `${prefix}rl:`, db: 3 } } });
});
Commands.after(async () => {
  await io.close();
  await cleanup(raw, prefix);
  await raw.select(3);
  await cleanup(raw, prefix);
  await raw.select(0);
  raw.disconnect();
});

Commands('redis.request runs one command; the prefix applies to keys', async () => {
  assert.equal(await outcome(io, () => redis.request(params, ['SET', 'greeting', 'hello'])), [null, 'OK']);
  assert.equal(await outcome(io, () => redis.request(params, ['GET', 'greeting'])), [null, 'hello']);
  assert.is(await raw.get(`${prefix}greeting`), 'hello');
  assert.equal(await outcome(io, () => redis.request(params, ['GET', 'missing'])), [null, null]);
  assert.equal(await outcome(io, () => redis.request(params, ['INCRBY', 'n', 5])), [null, 5]);
});

Commands('redis.params(name) looks up redis[name], falling back to the global section', async () => {
  await outcome(io, () => redis.request(redis.params('ratelimit'), ['SET', 'k', 'v1']));
  await outcome(io, () => redis.request(redis.params('unknown_section'), ['SET', 'k', 'v2']));
  await raw.select(3);
  assert.is(await raw.get(`${prefix}rl:k`), 'v1', 'section: its own db and prefix');
  await raw.select(0);
  assert.is(await raw.get(`${prefix}k`), 'v2', 'fallback: the global section');
});

Commands('connect + addCmd + exec sends one pipeline and returns replies in order', async () => {
  const replies = await perform(io, function* () {
    const [, conn] = yield* redis.connect(params);
    conn!.addCmd('INCR', ['counter']);
    conn!.addCmd('EXPIRE', ['counter', 60]);
    conn!.addCmd('EVAL', ['return "hello from lua on redis"', 0]);
    conn!.addCmd('GET', ['counter']);
    return yield* conn!.exec();
  });
  assert.equal(replies, [null, [[null, 1], [null, 1], [null, 'hello from lua on redis'], [null, '1']]]);
  const ttl = await raw.ttl(`${prefix}counter`);
  assert.ok(ttl > 0 && ttl <= 60);
});

Commands('error replies are EREDIS with Redis wording; in a pipeline one failing command loses no other reply', async () => {
  await raw.lpush(`${prefix}list`, 'x');
  const [code, message] = await outcome(io, () => redis.request(params, ['GET', 'list']));
  assert.is(code, 'EREDIS');
  assert.match(String(message), /^WRONGTYPE/);
  const out = await perform(io, function* () {
    const [, conn] = yield* redis.connect(params);
    conn!.addCmd('SET', ['ok', '1']);
    conn!.addCmd('INCR', ['list']);
    conn!.addCmd('GET', ['ok']);
    const [err, results] = yield* conn!.exec();
    return [err, results!.map(([e, reply]) => (e ? [e.code, (e as unknown as { index: number }).index, e.message.split(' ')[0]] : reply))];
  });
  assert.equal(out, [null, ['OK', ['EREDIS', 1, 'WRONGTYPE'], '1']]);
});

Commands('one client serves many tasks', async () => {
  const S = defineSymbol({
    name: 'S',
    *callback(task) {
      const [, v] = yield* redis.request(redis.params(), ['INCR', 'shared']);
      task.insertResult('S', 1, v!);
    },
  });
  const scanner = createScanner({ symbols: [S], redis: { servers: redisServer(), prefix } }, { io, logger: silent });
  await Promise.all(Array.from({ length: 50 }, () => scanner.scan('')));
  assert.is(await raw.get(`${prefix}shared`), '50');
  assert.is(io.resources.redisClients, 2, 'the global section and the ratelimit section');
});

Commands('callback style: redis.request(params, { task, callback }, command)', async () => {
  await raw.set(`${prefix}test_key`, 'test value');
  const S = defineSymbol({
    name: 'S',
    callback(task) {
      redis.request(params, { task, callback: (err, data) => task.insertResult('S', 1, err ?? data) }, ['GET', 'test_key']);
    },
  });
  const r = await createScanner({ symbols: [S] }, { io, logger: silent }).scan('');
  assert.equal(r.symbols.S.options, ['test value']);
});

Commands('read and write servers are chosen by command', async () => {
  const dead = `127.0.0.1:${await freePort()}`;
  const split = { write_servers: redisServer(), read_servers: dead, prefix };
  assert.equal(await outcome(io, () => redis.request(split, ['SET', 'routed', 'w'])), [null, 'OK']);
  assert.equal(await outcome(io, () => redis.request(split, ['GET', 'routed'])), ['ECONNREFUSED', 'Connection refused']);
});

Commands('servers written as [v6]:port reach the server over IPv6', async () => {
  const port = new URL(redisUrl).port || '6379';
  const v6 = createLiveInterpreter({ symbols: [] });
  try {
    assert.equal(await outcome(v6, () => redis.request({ servers: `[::1]:${port}` }, ['PING'])), [null, 'PONG']);
  } finally {
    await v6.close();
  }
});

const Down = suite('redis module: a dead server');
Down.before(async () => {
  io = createLiveInterpreter({ symbols: [] });
});
Down.after(async () => {
  await io.close();
});

Down('gives ECONNREFUSED every time, without queueing the rule (queued, it would time out instead)', async () => {
  const dead = { servers: `127.0.0.1:${await freePort()}`, timeout: 2000 };
  for (let i = 0; i < 3; i++) assert.equal(await outcome(io, () => redis.request(dead, ['GET', 'x'])), ['ECONNREFUSED', 'Connection refused'], `attempt ${i}`);
});

Down('a command slower than the timeout gives ETIMEDOUT', async () => {
  const slow = { servers: redisServer(), prefix, timeout: 100 };
  assert.equal(await outcome(io, () => redis.request(slow, ['BLPOP', 'never-pushed', 1])), ['ETIMEDOUT', 'Connection timed out']);
});

Down('a timed-out command does not hold up the next one: the connection is dropped, as Rspamd does', async () => {
  const target = { servers: redisServer(), prefix, timeout: 300 };
  // BLPOP blocks its connection for 2 s; the rule gives up at 300 ms
  assert.equal(await outcome(io, () => redis.request(target, ['BLPOP', 'never-pushed', 2])), ['ETIMEDOUT', 'Connection timed out']);
  // a later scan's command, with the same short timeout, gets its answer: it does not queue behind the BLPOP
  assert.equal(await outcome(io, () => redis.request(target, ['PING'])), [null, 'PONG']);
  assert.equal(await outcome(io, () => redis.request(target, ['SET', 'after', 'ok'])), [null, 'OK']);
});

const Scripts = suite('redis module: scripts (lua_redis.add_redis_script / exec_redis_script)');
Scripts.before(async () => {
  raw = await requireRedis();
  io = createLiveInterpreter({ symbols: [] });
});
Scripts.after(async () => {
  await io.close();
  await cleanup(raw, prefix);
  raw.disconnect();
});

Scripts('EVALSHA first; on NOSCRIPT the source is loaded once and the call made again; keys get the prefix, args stay', async () => {
  // a source this run alone has: the server cannot know it yet
  const incr = redis.script(`-- ${prefix} ${Date.now()}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])`);
  const target = { servers: redisServer(), prefix };
  let entries: RecordingEntry[] = [];
  const recorder = record(io, { sink: (e) => (entries = e) });
  const first = await perform(recorder, () => incr.exec(target, ['counter'], [5], { write: true }));
  const second = await perform(recorder, () => incr.exec(target, ['counter'], [2], { write: true }));
  recorder.flush();
  assert.equal([first, second], [[null, 5], [null, 7]]);
  assert.is(await raw.get(`${prefix}counter`), '7');
  const commands = entries.map((e) => (e.effect as { command: string[] }).command.slice(0, 2).join(' '));
  // the first call: EVALSHA, NOSCRIPT, SCRIPT LOAD, EVALSHA; the second: EVALSHA alone
  assert.equal(commands.sort(), [`EVALSHA ${incr.sha}`, `EVALSHA ${incr.sha}`, `EVALSHA ${incr.sha}`, 'SCRIPT LOAD']);
  const noscript = entries.find((e) => 'ok' in e.result && !e.result.ok);
  assert.equal(noscript?.result, { ok: false, error: { index: 0, name: 'RedisReplyError', code: 'EREDIS', message: 'NOSCRIPT No matching script. Please use EVAL.' } });
});

Scripts('write: true goes to the write servers, the default to the read servers', async () => {
  const read = redis.script(`-- ${prefix} read ${Date.now()}\nreturn 'from ' .. ARGV[1]`);
  const split = { read_servers: `127.0.0.1:${await freePort()}`, write_servers: redisServer(), prefix };
  assert.equal(await perform(io, () => read.exec(split, [], ['the write server'], { write: true })), [null, 'from the write server']);
  const [err] = await perform(io, () => read.exec(split, [], ['x']));
  assert.is(err?.code, 'ECONNREFUSED', 'the read server is down');
});

Scripts('the callback form calls back with (err, reply)', async () => {
  const echo = redis.script(`-- ${prefix} cb ${Date.now()}\nreturn ARGV[1]`);
  const seen: unknown[] = [];
  const S = defineSymbol({
    name: 'S',
    callback(task) {
      echo.exec({ servers: redisServer() }, { task, write: true, callback: (err, reply) => seen.push(err, reply) }, [], ['hi']);
    },
  });
  await createScanner({ symbols: [S] }, { io, logger: silent }).scan('');
  assert.equal(seen, [null, 'hi']);
});

Commands.run();
Down.run();
Scripts.run();
