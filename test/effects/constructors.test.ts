import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dns, http, redis, tcp, time, type Effect } from '../../index.ts';
import { SCHEDULE } from '../../effects/callback.ts';

/** The descriptor an operation yields first. */
function first(op: { [Symbol.iterator](): Iterator<unknown> }): Effect {
  return op[Symbol.iterator]().next().value as Effect;
}

const Descriptors = suite('effect descriptors');

Descriptors('http.request: plain data, method defaulted from the body', () => {
  assert.equal(first(http.request({ url: 'http://a/' })), { type: 'http.request', url: 'http://a/', method: 'GET' });
  assert.equal(first(http.request({ url: 'http://a/', body: 'x', timeout: 5 })), { type: 'http.request', url: 'http://a/', method: 'POST', body: 'x', timeout: 5 });
  assert.equal(first(http.request({ url: 'http://a/', method: 'post' })).type, 'http.request');
  const e = first(http.request({ url: 'http://a/', method: 'put', headers: { a: '1' } }));
  assert.equal(JSON.parse(JSON.stringify(e)), e, 'JSON-serialisable');
  assert.throws(() => http.request({ url: '' }), /`url` must be a non-empty string/);
});

Descriptors('dns.request: the type is kept as rrtype; ptr of an IP becomes the reverse name', () => {
  assert.equal(first(dns.request({ type: 'txt', name: 'example.com.' })), { type: 'dns.request', rrtype: 'txt', name: 'example.com' });
  assert.equal(first(dns.request({ type: 'ptr', name: '192.0.2.5' })), { type: 'dns.request', rrtype: 'ptr', name: '5.2.0.192.in-addr.arpa' });
  assert.throws(() => dns.request({ type: 'any' as never, name: 'x' }), /`type` must be one of a, aaaa, txt, mx, ptr, ns, soa, cname, srv/);
});

Descriptors('tcp connection operations carry the connection id', () => {
  const connect = tcp.connect({ host: '127.0.0.1', port: 25, timeout: 100 })[Symbol.iterator]();
  assert.equal(connect.next().value, { type: 'tcp.connect', host: '127.0.0.1', port: 25, timeout: 100 });
  const done = connect.next([null, { id: 'tcp0' }]);
  assert.ok(done.done);
  const [, conn] = done.value as [null, ReturnType<typeof Object>];
  const c = conn as unknown as import('../../index.ts').TcpConnection;
  // the connect's timeout bounds each read and write too, and travels in their descriptors
  assert.equal(first(c.write('x')), { type: 'tcp.write', conn: 'tcp0', data: 'x', timeout: 100 });
  assert.equal(first(c.readUntil('\r\n')), { type: 'tcp.read', conn: 'tcp0', mode: 'until', pattern: '\r\n', timeout: 100 });
  assert.equal(first(c.readBytes(4)), { type: 'tcp.read', conn: 'tcp0', mode: 'bytes', n: 4, timeout: 100 });
  assert.equal(first(c.readOnce()), { type: 'tcp.read', conn: 'tcp0', mode: 'once', timeout: 100 });
  assert.equal(first(c.readUntilEof()), { type: 'tcp.read', conn: 'tcp0', mode: 'eof', timeout: 100 });
  assert.equal(first(c.close()), { type: 'tcp.close', conn: 'tcp0' });
  assert.throws(() => tcp.connect({ host: 'x', port: 70000 })[Symbol.iterator]().next(), /`port` must be 1-65535/);
});

Descriptors('redis: params by reference, numbers as strings, pipelines queued without I/O', () => {
  assert.equal(first(redis.request(redis.params('rl'), ['INCR', 'k'])), { type: 'redis.request', params: { section: 'rl' }, command: ['INCR', 'k'] });
  const connect = redis.connect(redis.params())[Symbol.iterator]().next();
  assert.ok(connect.done, 'connect performs no effect');
  const [, conn] = connect.value as [null, import('../../index.ts').RedisConnection];
  assert.equal(conn.addCmd('INCR', ['k']), [null, true]);
  assert.equal(conn.addCmd('EXPIRE', ['k', 60]), [null, true]);
  const [err] = conn.addCmd('' as never, []);
  assert.is(err!.code, 'EINVAL');
  assert.equal(first(conn.exec()), { type: 'redis.exec', params: { section: null }, commands: [['INCR', 'k'], ['EXPIRE', 'k', '60']] });
  assert.throws(() => redis.request(redis.params(), []), /a command is a non-empty array/);
});

Descriptors('time: sleep and now', () => {
  assert.equal(first(time.sleep(5)), { type: 'time.sleep', ms: 5 });
  assert.equal(first(time.now()), { type: 'time.now' });
  assert.throws(() => time.sleep(-1), /`ms` must be a number >= 0/);
});

const Callback = suite('callback forms');

Callback('schedule through the task and return its answer; need a task', () => {
  const scheduled: unknown[] = [];
  const task = { [SCHEDULE]: (body: () => unknown) => (scheduled.push(body), true) };
  assert.is(http.request({ task, url: 'http://a/', callback() {} }), true);
  assert.is(dns.request({ task, type: 'a', name: 'x', callback() {} }), true);
  assert.is(redis.request(redis.params(), { task, callback() {} }, ['GET', 'k']), true);
  assert.is(tcp.request({ task, host: 'h', port: 1, callback() {} }), true);
  assert.is(scheduled.length, 4);
  const refusing = { [SCHEDULE]: () => false };
  assert.is(http.request({ task: refusing, url: 'http://a/', callback() {} }), false);
  assert.throws(() => http.request({ task: undefined as never, url: 'http://a/', callback() {} }), /needs the symbol's `task`/);
});

Descriptors.run();
Callback.run();
