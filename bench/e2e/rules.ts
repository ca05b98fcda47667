/**
 * The end-to-end rule set: four symbols, one per protocol. Peers come from
 * the environment (bench/e2e.ts sets it).
 */
import { defineSymbol, dns, http, redis, tcp } from 'corax';

const cache = new Map<string, string>();
/** The environment, read once (process.env is a slow getter), as the hand-written server does. */
export const env = (name: string): string => {
  let value = cache.get(name);
  if (value === undefined) {
    value = process.env[name];
    if (!value) throw new Error(`${name} is not set (bench/e2e.ts sets it)`);
    cache.set(name, value);
  }
  return value;
};

export const HTTP_GET = defineSymbol({
  name: 'HTTP_GET',
  mime: false,
  *callback(task) {
    const [err, res] = yield* http.request({ url: `${env('BENCH_HTTP')}/abc`, timeout: 2000 });
    task.insertResult(err ? 'HTTP_GET_ERROR' : 'HTTP_GET', 1, err ?? String(res.code));
  },
});

export const DNS_A = defineSymbol({
  name: 'DNS_A',
  mime: false,
  *callback(task) {
    const [err, addrs] = yield* dns.request({ type: 'a', name: task.getRequestHeader('x-lookup') ?? 'bench.test' });
    task.insertResult(err ? 'DNS_A_ERROR' : 'DNS_A', 1, err ?? addrs[0]);
  },
});

export const TCP_PING = defineSymbol({
  name: 'TCP_PING',
  mime: false,
  *callback(task) {
    const [cerr, conn] = yield* tcp.connect({ host: '127.0.0.1', port: Number(env('BENCH_TCP_PORT')), timeout: 2000 });
    if (cerr) return task.insertResult('TCP_PING_ERROR', 1, cerr);
    yield* conn.write('PING\r\n');
    const [err, line] = yield* conn.readUntil('\r\n');
    yield* conn.close();
    task.insertResult(err ? 'TCP_PING_ERROR' : 'TCP_PING', 1, err ?? line);
  },
});

export const REDIS_PIPE = defineSymbol({
  name: 'REDIS_PIPE',
  mime: false,
  *callback(task) {
    const [, conn] = yield* redis.connect(redis.params());
    conn!.addCmd('GET', ['bench-key']);
    conn!.addCmd('INCR', ['bench-counter']);
    const [err, replies] = yield* conn!.exec();
    const [getErr, value] = err ? [err] : replies[0];
    task.insertResult(getErr ? 'REDIS_PIPE_ERROR' : 'REDIS_PIPE', 1, getErr ?? String(value));
  },
});
