import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as corax from '../../index.ts';
import {
  CanceledError,
  ConnectionRefusedError,
  ConnectionResetError,
  CoraxError,
  DnsRefusedError,
  DnsTimeoutError,
  EndOfStreamError,
  ForbiddenError,
  HostNotFoundError,
  LimitError,
  NodataError,
  NxdomainError,
  RedisReplyError,
  ServfailError,
  SocketError,
  TimeoutError,
  TooBigError,
  ArgumentError,
  ConfigError,
  createScanner,
  createTestInterpreter,
  defineSymbol,
  http,
  record,
  replay,
  type RecordingEntry,
} from '../../index.ts';
import { deserializeError, toCoraxError } from '../../effects/errors.ts';
import { silent } from '../support/logger.ts';

const Errors = suite('CoraxError subclasses');

const table: [CoraxError, string, string][] = [
  [new TimeoutError(), 'ETIMEDOUT', 'IO timeout'],
  [new ConnectionRefusedError(), 'ECONNREFUSED', 'Connection refused'],
  [new ConnectionResetError(), 'ECONNRESET', 'Connection reset by peer'],
  [new EndOfStreamError(), 'EEOF', 'IO read error: connection terminated'],
  [new HostNotFoundError('nowhere.test'), 'ENOTFOUND', 'unable to resolve host: nowhere.test'],
  [new NxdomainError(), 'NXDOMAIN', 'no records with this name'],
  [new NodataError(), 'NODATA', 'requested record is not found'],
  [new DnsTimeoutError(), 'DNS_TIMEOUT', 'query timed out'],
  [new ServfailError(), 'SERVFAIL', 'server fail'],
  [new DnsRefusedError(), 'REFUSED', 'query refused'],
  [new ForbiddenError(), 'EFORBIDDEN', 'access to local address is forbidden'],
  [new TooBigError(1234), 'ETOOBIG', 'Request entity too large: 1234'],
  [new CanceledError(), 'ECANCELED', 'operation canceled'],
];

Errors('each has the DESIGN code and Rspamd message and is a CoraxError', () => {
  for (const [err, code, message] of table) {
    assert.instance(err, CoraxError);
    assert.is(err.code, code);
    assert.is(err.message, message);
    assert.is(err.fatal, false);
  }
});

/** One of every exported error class a rule can see, with its structured fields set. */
function everyRuleError(): CoraxError[] {
  return [
    ...table.map((t) => t[0]),
    new ArgumentError('bad call'),
    new SocketError('IO read error while trying to read data: Broken pipe', { code: 'EPIPE' }),
    new RedisReplyError('WRONGTYPE Operation against a key holding the wrong kind of value', { index: 2 }),
    new LimitError('DNS request limit reached'),
    new ConfigError('invalid config: x'),
    new TimeoutError('Connection timed out'),
    new CoraxError('EWHATEVER', 'custom'),
  ];
}

Errors('every exported error class a rule can see is covered here', () => {
  const covered = new Set(everyRuleError().map((e) => e.constructor));
  const exported = Object.values(corax).filter((v): v is typeof CoraxError => typeof v === 'function' && (v === CoraxError || v.prototype instanceof CoraxError));
  const fatal = new Set<unknown>([corax.UnexpectedEffectError, corax.DivergenceError, corax.StalledClockError]);
  for (const cls of exported) if (!fatal.has(cls)) assert.ok(covered.has(cls), `${cls.name} is not in the round-trip test`);
});

Errors('survive a serialization round trip as the same class, code, message and fields', () => {
  for (const err of everyRuleError()) {
    const back = deserializeError(JSON.parse(JSON.stringify(err)));
    assert.is(back.constructor, err.constructor, err.name);
    assert.instance(back, err.constructor as typeof CoraxError);
    assert.is(back.name, err.name);
    assert.is(back.code, err.code);
    assert.is(back.message, err.message);
    assert.equal(back.toJSON(), err.toJSON());
  }
  assert.is((deserializeError(new RedisReplyError('ERR x', { index: 3 }).toJSON()) as RedisReplyError).index, 3);
  assert.is((deserializeError(new TooBigError(99).toJSON()) as TooBigError).size, 99);
});

Errors('survive a real recording and replay: the rule sees the same class, code and message', async () => {
  for (const err of everyRuleError()) {
    const S = defineSymbol({
      name: 'S',
      *callback(task) {
        const [e] = yield* http.request({ url: 'http://x/' });
        task.insertResult('S', 1, e!.constructor.name, e!.code, e!.message);
      },
    });
    let entries: RecordingEntry[] = [];
    const recorder = record(createTestInterpreter({ handlers: { 'http.request': err } }), { sink: (e) => (entries = e) });
    const live = await createScanner({ symbols: [S] }, { io: recorder, logger: silent }).scan('Subject: x\r\n\r\nbody', { queueId: 'q' });
    await recorder.close();
    const again = await createScanner({ symbols: [S] }, { io: replay({ entries }), logger: silent }).scan('Subject: x\r\n\r\nbody', { queueId: 'q' });
    assert.equal(again.symbols.S.options, live.symbols.S.options, err.name);
    assert.equal(live.symbols.S.options, [err.constructor.name, err.code, err.message]);
  }
});

Errors('toCoraxError keeps the reason and maps refused, reset and timed-out sockets', () => {
  const reset = toCoraxError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
  assert.instance(reset, ConnectionResetError);
  assert.equal([reset.code, reset.message], ['ECONNRESET', 'read ECONNRESET']);
  assert.instance(toCoraxError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), ConnectionRefusedError);
  assert.instance(toCoraxError(Object.assign(new Error('x'), { code: 'ETIMEDOUT' })), TimeoutError);
  assert.equal([toCoraxError(Object.assign(new Error('odd'), { code: 'EODD' })).code, toCoraxError(new Error('odd')).message], ['EODD', 'odd']);
  assert.is(toCoraxError('weird').code, 'EIO');
});

Errors.run();
