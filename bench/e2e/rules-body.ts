/**
 * The end-to-end rule set reading the message: the four rules of rules.ts,
 * each also reading the URLs, text and subject, as real rules do.
 */
import { defineSymbol, dns, http, redis, tcp, type Task } from 'corax';
import { env } from './rules.ts';

/** What a rule that reads the message touches: its URLs, text and subject (the parse is shared by the four rules). */
const body = (task: Task): string => `urls=${task.getUrls().length} text=${task.getText().length} subject=${(task.getSubject() ?? '').length}`;

export const HTTP_GET = defineSymbol({
  name: 'HTTP_GET',
  *callback(task) {
    const [err, res] = yield* http.request({ url: `${env('BENCH_HTTP')}/abc`, timeout: 2000 });
    task.insertResult(err ? 'HTTP_GET_ERROR' : 'HTTP_GET', 1, err ?? String(res.code), body(task));
  },
});

export const DNS_A = defineSymbol({
  name: 'DNS_A',
  *callback(task) {
    const [err, addrs] = yield* dns.request({ type: 'a', name: task.getRequestHeader('x-lookup') ?? 'bench.test' });
    task.insertResult(err ? 'DNS_A_ERROR' : 'DNS_A', 1, err ?? addrs[0], body(task));
  },
});

export const TCP_PING = defineSymbol({
  name: 'TCP_PING',
  *callback(task) {
    const [cerr, conn] = yield* tcp.connect({ host: '127.0.0.1', port: Number(env('BENCH_TCP_PORT')), timeout: 2000 });
    if (cerr) return task.insertResult('TCP_PING_ERROR', 1, cerr, body(task));
    yield* conn.write('PING\r\n');
    const [err, line] = yield* conn.readUntil('\r\n');
    yield* conn.close();
    task.insertResult(err ? 'TCP_PING_ERROR' : 'TCP_PING', 1, err ?? line, body(task));
  },
});

export const REDIS_PIPE = defineSymbol({
  name: 'REDIS_PIPE',
  *callback(task) {
    const [, conn] = yield* redis.connect(redis.params());
    conn!.addCmd('GET', ['bench-key']);
    conn!.addCmd('INCR', ['bench-counter']);
    const [err, replies] = yield* conn!.exec();
    const [getErr, value] = err ? [err] : replies[0];
    task.insertResult(getErr ? 'REDIS_PIPE_ERROR' : 'REDIS_PIPE', 1, getErr ?? String(value), body(task));
  },
});
