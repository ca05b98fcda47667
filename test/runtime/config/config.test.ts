import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, defineConfig, defineSymbol } from '../../../index.ts';

const A = defineSymbol({ name: 'A', callback() {} });

const Config = suite('defineConfig');

Config('fills in the documented defaults', () => {
  const c = defineConfig({ symbols: [A] });
  assert.is(c.taskTimeout, 8000);
  assert.equal(c.actions, { reject: 15, 'add header': 6, greylist: 4 });
  assert.is(c.redis.servers, 'redis://127.0.0.1:6379');
  assert.is(c.server.bind, '127.0.0.1:11333');
  assert.is(c.server.maxBodySize, 50 * 1024 * 1024);
  assert.is(c.dns.servers, undefined, 'system resolvers, read when the DNS module starts');
  assert.is(c.dns.maxRequests, 64);
});

function rejects(input: unknown, pattern: RegExp): void {
  try {
    defineConfig(input as never);
    assert.unreachable('should throw');
  } catch (error) {
    assert.instance(error, ConfigError);
    assert.match((error as Error).message, pattern);
  }
}

Config('names the option, the bad value and what is allowed', () => {
  rejects({ symbols: [A], taskTimeout: 'soon' }, /taskTimeout is "soon"; expected a positive number/);
  rejects({ symbols: [A], dns: { servers: ['not an ip'] } }, /dns\.servers\[0\] is "not an ip"; expected "ip" or "ip:port"/);
  rejects({ symbols: [A], dns: { retries: 3 } }, /unknown option dns\.retries; known options are servers, timeout, retransmits, maxRequests, sockets, cache/);
  rejects({ symbols: [A], actions: { discard: 3 } }, /unknown action actions\.discard/);
  rejects({ symbols: [A], server: { bind: 'localhost' } }, /server\.bind is "localhost"; expected "host:port"/);
  rejects({ symbols: [A], redis: { db: -1 } }, /redis\.db is -1; expected an integer >= 0/);
  rejects({ symbols: [A], colour: 'blue' }, /unknown option config\.colour/);
  rejects({ symbols: [{ name: 'X' }] }, /symbols\[0\] is .*expected a symbol made by defineSymbol/);
  rejects({ symbols: 'A' }, /symbols is "A"; expected an array/);
});

Config('a bad value never shows a secret: neither a password option nor the credentials of a URL inside another value', () => {
  rejects({ symbols: [A], redis: { password: 123 } }, /redis\.password is \(hidden\); expected a string/);
  try {
    defineConfig({ symbols: [A], redis: { servers: ['redis://:pw1@127.0.0.1:6379', 'redis://u:pw2@127.0.0.1:6380'] } } as never);
    assert.unreachable('should throw');
  } catch (error) {
    const message = (error as Error).message;
    assert.match(message, /redis\.servers is \["redis:\/\/\(hidden\)@127\.0\.0\.1:6379","redis:\/\/\(hidden\)@127\.0\.0\.1:6380"\]; expected a string/);
    assert.not.match(message, /pw1|pw2/);
  }
});

Config('server timeouts and connection caps have their documented defaults', () => {
  const c = defineConfig({ symbols: [A], taskTimeout: 5000, server: { maxConnections: 100 } });
  assert.is(c.server.headersTimeout, 30_000);
  assert.is(c.server.requestTimeout, 35_000);
  assert.is(c.server.maxConnectionsPerAddress, 100, 'no separate cap unless set');
});

Config('checks symbol names and deps', () => {
  rejects({ symbols: [A, A] }, /repeats the name "A"/);
  const B = defineSymbol({ name: 'B', deps: ['MISSING'], callback() {} });
  rejects({ symbols: [B] }, /symbol B depends on MISSING, which is not among the configured symbols/);
  const C = defineSymbol({ name: 'C', deps: ['D'], callback() {} });
  const D = defineSymbol({ name: 'D', deps: ['C'], callback() {} });
  rejects({ symbols: [C, D] }, /dependency cycle C -> D -> C/);
  const PRE = defineSymbol({ name: 'PRE', type: 'prefilter', deps: ['N'], callback() {} });
  const N = defineSymbol({ name: 'N', callback() {} });
  rejects({ symbols: [PRE, N] }, /PRE \(prefilter\) depends on N, a later normal/);
});

Config('named Redis sections sit beside the global one', () => {
  const c = defineConfig({ symbols: [], redis: { servers: '10.0.0.1:6379', ratelimit: { servers: '10.0.0.2:6379', db: 2 } } });
  assert.is(c.redis.servers, '10.0.0.1:6379');
  assert.equal(c.redis.ratelimit, { servers: '10.0.0.2:6379', db: 2 });
  rejects({ symbols: [], redis: { bogus: 3 } }, /unknown option redis\.bogus/);
});

Config('a config is validated once; defining it again returns it', () => {
  const c = defineConfig({ symbols: [A] });
  assert.is(defineConfig(c), c);
});

const Symbols = suite('defineSymbol');

Symbols('rejects bad options with the symbol name', () => {
  assert.throws(() => defineSymbol({ name: 'bad name', callback() {} }), /`name` must be a non-empty string/);
  assert.throws(() => defineSymbol({ name: 'X', callback: 3 as never }), /defineSymbol\("X"\): `callback` must be a function/);
  assert.throws(() => defineSymbol({ name: 'X', type: 'middle' as never, callback() {} }), /`type` must be one of prefilter, normal, postfilter/);
  assert.throws(() => defineSymbol({ name: 'X', timeout: 0, callback() {} }), /`timeout` must be a positive number/);
});

Symbols('defaults: normal, priority 0, no deps, reads the body', () => {
  const s = defineSymbol({ name: 'X', callback() {} });
  assert.equal([s.type, s.priority, s.deps, s.mime, s.score], ['normal', 0, [], true, undefined]);
});

Config.run();
Symbols.run();
