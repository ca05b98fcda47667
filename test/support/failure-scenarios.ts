/**
 * The conformance scenarios, failures first: per family success, the effect's
 * own timeout and the config default, refusals, resets and early EOF, DNS
 * errors, Redis error replies and a pipeline with one failing command,
 * cancellation by the task timeout, and all/race with failing and halted
 * members. Each scenario is a rule whose OUT options say what it saw (class,
 * code, message) and whose ELAPSED option says when, on the interpreter's
 * clock. The same peers exist twice: as loopback servers (and the real Redis)
 * and as test-interpreter handlers, so every target must give the same OUT.
 */
import {
  all,
  defineSymbol,
  dns,
  fakeTcp,
  faults,
  http,
  race,
  redis,
  RedisReplyError,
  tcp,
  time,
  type ConfigInput,
  type CoraxError,
  type Instruction,
  type Operation,
  type RedisReply,
  type Result,
  type SymbolDefinition,
  type Task,
  type TestHandlers,
} from '../../index.ts';

/** Where the peers are: real loopback addresses, the same for every target. */
export interface Peers {
  http: string;
  httpPort: number;
  tcpHost: string;
  tcpPort: number;
  /** A loopback port nothing listens on. */
  closedPort: number;
  dns: string;
  redis: string;
  /** A TCP server that accepts and never answers, as a Redis that hangs. */
  silentRedis: string;
  prefix: string;
}

export interface Scenario {
  name: string;
  symbol: SymbolDefinition;
  config?: Omit<ConfigInput, 'symbols'>;
  /** The OUT options every target must give: what Rspamd gives for the same situation. */
  expected: string[];
  /** Whether the scan ends by the task timeout. */
  timedOut?: boolean;
}

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

/** How a rule reports an outcome: `ok <value>` or `<Class> <code> <message>`. */
function show(err: CoraxError | null, value?: unknown): string {
  if (err) return `${err.constructor.name} ${err.code} ${err.message}`;
  return `ok ${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

/** A scenario rule: runs `body`, inserts OUT with what it returned and ELAPSED with how long it took. */
function rule(name: string, body: (task: Task) => Operation<string[]>): SymbolDefinition {
  return defineSymbol({
    name,
    mime: false,
    *callback(task) {
      const t0 = yield* time.now();
      const out = yield* body(task);
      const t1 = yield* time.now();
      task.insertResult('OUT', 1, ...out);
      task.insertResult('ELAPSED', 1, String(t1 - t0));
    },
  });
}

/** One effect's outcome as an OUT option. */
function* one<T>(operation: Operation<Result<T>>, map: (v: T) => unknown = (v) => v): Generator<Instruction, string[], unknown> {
  const [err, value] = yield* operation;
  return [show(err, err ? undefined : map(value as T))];
}

/** An operation from a generator function. */
const op = <T>(fn: () => Generator<Instruction, T, unknown>): Operation<T> => ({ [Symbol.iterator]: fn });

export function scenarios(p: Peers): Scenario[] {
  const url = (path: string, port = p.httpPort): string => `http://127.0.0.1:${port}${path}`;
  const redisAt = { servers: p.redis, prefix: p.prefix, timeout: 1000 };
  const tcpExchange = (line: string, read: 'until' | 'once', extra: { readTimeout?: number } = {}) =>
    op(function* () {
      const [err, conn] = yield* tcp.connect({ host: p.tcpHost, port: p.tcpPort, ...extra });
      if (err) return [show(err)];
      const [werr] = yield* conn.write(`${line}\r\n`);
      if (werr) return [show(werr)];
      const [rerr, data] = read === 'until' ? yield* conn.readUntil('\r\n') : yield* conn.readOnce();
      yield* conn.close();
      return [show(rerr, data)];
    });
  return [
    // ---- HTTP
    { name: 'HTTP_OK', symbol: rule('HTTP_OK', () => op(() => one(http.request({ url: url('/status?code=403') }), (r) => `${r.code} ${r.content}`))), expected: ['ok 403 status 403'] },
    {
      name: 'HTTP_TIMEOUT_OWN',
      symbol: rule('HTTP_TIMEOUT_OWN', () => op(() => one(http.request({ url: url('/stall'), timeout: 200 })))),
      expected: ['TimeoutError ETIMEDOUT IO timeout'],
    },
    {
      name: 'HTTP_TIMEOUT_DEFAULT',
      symbol: rule('HTTP_TIMEOUT_DEFAULT', () => op(() => one(http.request({ url: url('/stall') })))),
      config: { http: { timeout: 250 } },
      expected: ['TimeoutError ETIMEDOUT IO timeout'],
    },
    {
      name: 'HTTP_REFUSED',
      symbol: rule('HTTP_REFUSED', () => op(() => one(http.request({ url: url('/', p.closedPort) })))),
      expected: ['ConnectionRefusedError ECONNREFUSED IO write error: Connection refused'],
    },
    {
      name: 'HTTP_EOF',
      symbol: rule('HTTP_EOF', () => op(() => one(http.request({ url: url('/reset') })))),
      expected: ['EndOfStreamError EEOF IO read error: unexpected EOF'],
    },
    {
      name: 'HTTP_RESET',
      symbol: rule('HTTP_RESET', () => op(() => one(http.request({ url: url('/rst') })))),
      expected: ['ConnectionResetError ECONNRESET IO read error: Connection reset by peer'],
    },
    {
      name: 'HTTP_NOHOST',
      symbol: rule('HTTP_NOHOST', () => op(() => one(http.request({ url: `http://missing.test:${p.httpPort}/` })))),
      expected: ['HostNotFoundError ENOTFOUND unable to resolve host'],
    },
    {
      name: 'HTTP_TOOBIG',
      symbol: rule('HTTP_TOOBIG', () => op(() => one(http.request({ url: url('/huge?bytes=2000'), maxSize: 1000 })))),
      expected: ['TooBigError ETOOBIG Request entity too large: 2000'],
    },
    // ---- DNS
    { name: 'DNS_OK', symbol: rule('DNS_OK', () => op(() => one(dns.request({ type: 'a', name: 'a.test' }), (r) => r.join(',')))), expected: ['ok 192.0.2.1,192.0.2.2'] },
    {
      name: 'DNS_NXDOMAIN',
      symbol: rule('DNS_NXDOMAIN', () => op(() => one(dns.request({ type: 'a', name: 'missing.test' })))),
      expected: ['NxdomainError NXDOMAIN no records with this name'],
    },
    {
      name: 'DNS_NODATA',
      symbol: rule('DNS_NODATA', () => op(() => one(dns.request({ type: 'aaaa', name: 'nodata.test' })))),
      expected: ['NodataError NODATA requested record is not found'],
    },
    { name: 'DNS_SERVFAIL', symbol: rule('DNS_SERVFAIL', () => op(() => one(dns.request({ type: 'a', name: 'servfail.test' })))), expected: ['ServfailError SERVFAIL server fail'] },
    { name: 'DNS_REFUSED', symbol: rule('DNS_REFUSED', () => op(() => one(dns.request({ type: 'a', name: 'refused.test' })))), expected: ['DnsRefusedError REFUSED query refused'] },
    {
      name: 'DNS_TIMEOUT_OWN',
      symbol: rule('DNS_TIMEOUT_OWN', () => op(() => one(dns.request({ type: 'a', name: 'silent.test', timeout: 150 })))),
      expected: ['DnsTimeoutError DNS_TIMEOUT query timed out'],
    },
    {
      name: 'DNS_TIMEOUT_DEFAULT',
      symbol: rule('DNS_TIMEOUT_DEFAULT', () => op(() => one(dns.request({ type: 'a', name: 'silent.test' })))),
      config: { dns: { timeout: 100, retransmits: 2 } },
      expected: ['DnsTimeoutError DNS_TIMEOUT query timed out'],
    },
    // ---- TCP
    { name: 'TCP_OK', symbol: rule('TCP_OK', () => tcpExchange('PING', 'until')), expected: ['ok PONG'] },
    {
      name: 'TCP_REFUSED',
      symbol: rule('TCP_REFUSED', () => op(() => one(tcp.connect({ host: '127.0.0.1', port: p.closedPort }), () => 'connected'))),
      expected: ['ConnectionRefusedError ECONNREFUSED Socket error detected: Connection refused'],
    },
    { name: 'TCP_EOF', symbol: rule('TCP_EOF', () => tcpExchange('CLOSE', 'until')), expected: ['EndOfStreamError EEOF IO read error: connection terminated'] },
    {
      name: 'TCP_RESET',
      symbol: rule('TCP_RESET', () => tcpExchange('RESET', 'once')),
      expected: ['ConnectionResetError ECONNRESET IO read error while trying to read data: Connection reset by peer'],
    },
    {
      name: 'TCP_TIMEOUT_OWN',
      symbol: rule('TCP_TIMEOUT_OWN', () => tcpExchange('SILENT', 'once', { readTimeout: 200 })),
      expected: ['TimeoutError ETIMEDOUT IO timeout'],
    },
    {
      name: 'TCP_TIMEOUT_DEFAULT',
      symbol: rule('TCP_TIMEOUT_DEFAULT', () => tcpExchange('SILENT', 'once')),
      config: { tcp: { timeout: 250 } },
      expected: ['TimeoutError ETIMEDOUT IO timeout'],
    },
    {
      name: 'TCP_NOHOST',
      symbol: rule('TCP_NOHOST', () => op(() => one(tcp.connect({ host: 'missing.test', port: p.tcpPort }), () => 'connected'))),
      expected: ['HostNotFoundError ENOTFOUND unable to resolve host: missing.test'],
    },
    {
      name: 'TCP_CALLBACK',
      symbol: defineSymbol({
        name: 'TCP_CALLBACK',
        callback(task) {
          tcp.request({ task, host: p.tcpHost, port: p.tcpPort, data: 'PING\r\n', stopPattern: '\r\n', callback: (err, data) => task.insertResult('OUT', 1, show(err, data)) });
        },
      }),
      expected: ['ok PONG'],
    },
    // ---- Redis
    {
      name: 'REDIS_OK',
      symbol: rule('REDIS_OK', () =>
        op(function* () {
          yield* redis.request(redisAt, ['SET', 'greeting', 'hello']);
          return yield* one(redis.request(redisAt, ['GET', 'greeting']));
        }),
      ),
      expected: ['ok hello'],
    },
    {
      name: 'REDIS_ERROR_REPLY',
      symbol: rule('REDIS_ERROR_REPLY', () => op(() => one(redis.request(redisAt, ['GET', 'list'])))),
      expected: [`RedisReplyError EREDIS ${WRONGTYPE}`],
    },
    {
      name: 'REDIS_PIPELINE',
      symbol: rule('REDIS_PIPELINE', () =>
        op(function* () {
          const [, conn] = yield* redis.connect(redisAt);
          conn!.addCmd('SET', ['counter', '1']);
          conn!.addCmd('INCR', ['list']);
          conn!.addCmd('GET', ['counter']);
          const [err, results] = yield* conn!.exec();
          if (err) return [show(err)];
          return results.map(([e, reply]) => show(e, reply));
        }),
      ),
      expected: ['ok OK', `RedisReplyError EREDIS ${WRONGTYPE}`, 'ok 1'],
    },
    {
      name: 'REDIS_REFUSED',
      symbol: rule('REDIS_REFUSED', () => op(() => one(redis.request({ servers: `127.0.0.1:${p.closedPort}` }, ['GET', 'k'])))),
      expected: ['ConnectionRefusedError ECONNREFUSED Connection refused'],
    },
    {
      name: 'REDIS_TIMEOUT',
      symbol: rule('REDIS_TIMEOUT', () => op(() => one(redis.request({ servers: p.silentRedis, timeout: 200 }, ['GET', 'k'])))),
      expected: ['TimeoutError ETIMEDOUT Connection timed out'],
    },
    {
      name: 'REDIS_CALLBACK_TIMEOUT',
      symbol: defineSymbol({
        name: 'REDIS_CALLBACK_TIMEOUT',
        callback(task) {
          redis.request({ servers: p.silentRedis, timeout: 200 }, { task, callback: (err, reply) => task.insertResult('OUT', 1, show(err, reply)) }, ['GET', 'k']);
        },
      }),
      expected: ['TimeoutError ETIMEDOUT timeout while connecting the server'],
    },
    // ---- cancellation and concurrency
    {
      name: 'TASK_TIMEOUT',
      symbol: defineSymbol({
        name: 'TASK_TIMEOUT',
        *callback(task) {
          task.insertResult('OUT', 1, 'before the wait');
          const [err] = yield* http.request({ url: url('/stall'), timeout: 60_000 });
          task.insertResult('OUT', 1, `never reached: ${show(err)}`);
        },
      }),
      config: { taskTimeout: 300 },
      expected: ['before the wait'],
      timedOut: true,
    },
    {
      name: 'ALL_WITH_FAILURE',
      symbol: rule('ALL_WITH_FAILURE', () =>
        op(function* () {
          const [[herr, res], [terr]] = yield* all([http.request({ url: url('/status?code=200') }), tcp.connect({ host: '127.0.0.1', port: p.closedPort })]);
          return [show(herr, herr ? undefined : res!.code), show(terr)];
        }),
      ),
      expected: ['ok 200', 'ConnectionRefusedError ECONNREFUSED Socket error detected: Connection refused'],
    },
    {
      name: 'RACE_WITH_FAILURE',
      symbol: rule('RACE_WITH_FAILURE', () =>
        op(function* () {
          const [err, value] = yield* race([http.request({ url: url('/stall'), timeout: 5000 }), dns.request({ type: 'a', name: 'missing.test' })]);
          return [show(err, value)];
        }),
      ),
      expected: ['NxdomainError NXDOMAIN no records with this name'],
    },
    {
      name: 'NESTED_HALTED',
      symbol: rule('NESTED_HALTED', () =>
        op(function* () {
          const winner = yield* race([
            op(function* () {
              yield* all([http.request({ url: url('/stall'), timeout: 5000 }), dns.request({ type: 'a', name: 'silent.test', timeout: 5000 })]);
              return 'the stalled pair';
            }),
            op(function* () {
              yield* time.sleep(100);
              return 'the sleep';
            }),
          ]);
          return [`won: ${winner}`];
        }),
      ),
      expected: ['won: the sleep'],
    },
  ];
}

/** The same peers as test-interpreter handlers: the same answers, the same failures, as each family words them. */
export function peerHandlers(p: Peers): TestHandlers {
  const store = new Map<string, RedisReply | RedisReply[]>([['list', ['x']]]);
  const redisCommand = (command: readonly (string | Uint8Array)[]): RedisReply => {
    const [name, key, value] = command.map(String);
    switch (name.toUpperCase()) {
      case 'SET':
        store.set(key, value);
        return 'OK';
      case 'GET': {
        const v = store.get(key) ?? null;
        if (Array.isArray(v)) throw new RedisReplyError(WRONGTYPE);
        return v;
      }
      case 'INCR': {
        const v = store.get(key);
        if (Array.isArray(v)) throw new RedisReplyError(WRONGTYPE);
        const n = Number(v ?? 0) + 1;
        store.set(key, String(n));
        return n;
      }
      default:
        throw new RedisReplyError(`ERR unknown command '${name}'`);
    }
  };
  const redisTarget = (params: unknown): 'ok' | 'refused' | 'silent' => {
    const servers = (params as { servers?: string }).servers ?? '';
    if (servers === p.silentRedis) return 'silent';
    if (servers.endsWith(`:${p.closedPort}`)) return 'refused';
    return 'ok';
  };
  const zone: Record<string, () => unknown> = {
    'a:a.test': () => ['192.0.2.1', '192.0.2.2'],
    'aaaa:nodata.test': () => faults.nodata(),
    'a:servfail.test': () => faults.servfail(),
    'a:refused.test': () => faults.refused(),
    'a:silent.test': () => faults.timeout(),
  };
  const peer = fakeTcp({
    refuse: [p.closedPort],
    onData: (data, remote) => {
      const line = data.trim();
      if (line === 'PING') remote.send('PONG\r\n');
      else if (line === 'CLOSE') remote.end();
      else if (line === 'RESET') remote.reset();
    },
  });
  return {
    'http.request': (effect) => {
      const target = new URL(effect.url);
      if (target.hostname === 'missing.test') throw faults.nohost(target.hostname);
      if (Number(target.port) === p.closedPort) throw faults.refused();
      switch (target.pathname) {
        case '/status': {
          const code = Number(target.searchParams.get('code') ?? 500);
          return { code, content: `status ${code}` };
        }
        case '/stall':
          throw faults.timeout();
        case '/reset':
          throw faults.eof();
        case '/rst':
          throw faults.reset();
        case '/huge': {
          const size = Number(target.searchParams.get('bytes'));
          if (size > (effect.maxSize ?? Infinity)) throw faults.tooBig(size);
          return { content: 'a'.repeat(size) };
        }
        default:
          return { code: 404, content: 'not found' };
      }
    },
    'dns.request': (effect) => (zone[`${effect.rrtype}:${effect.name}`] ?? (() => faults.nxdomain()))() as never,
    ...peer,
    'tcp.connect': (effect, ctx) => {
      if (effect.host === 'missing.test') throw faults.nohost(effect.host);
      return peer['tcp.connect'](effect, ctx);
    },
    'redis.request': (effect) => {
      const target = redisTarget(effect.params);
      if (target === 'silent') throw faults.timeout();
      if (target === 'refused') throw faults.refused();
      return redisCommand(effect.command);
    },
    'redis.exec': (effect) =>
      effect.commands.map((command) => {
        try {
          return redisCommand(command);
        } catch (error) {
          return error as CoraxError;
        }
      }),
  };
}
