import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CanceledError,
  ConnectionRefusedError,
  CoraxError,
  DnsTimeoutError,
  ForbiddenError,
  NodataError,
  NxdomainError,
  RedisReplyError,
  ServfailError,
  SocketError,
  TimeoutError,
  TooBigError,
} from '../../index.ts';
import { deserializeError, toCoraxError } from '../../effects/errors.ts';

const Errors = suite('CoraxError subclasses');

const table: [CoraxError, string, string][] = [
  [new TimeoutError(), 'ETIMEDOUT', 'IO timeout'],
  [new ConnectionRefusedError(), 'ECONNREFUSED', 'Connection refused'],
  [new NxdomainError(), 'NXDOMAIN', 'no records with this name'],
  [new NodataError(), 'NODATA', 'requested record is not found'],
  [new DnsTimeoutError(), 'DNS_TIMEOUT', 'query timed out'],
  [new ServfailError(), 'SERVFAIL', 'server fail'],
  [new ForbiddenError(), 'EFORBIDDEN', 'access to local address is forbidden'],
  [new TooBigError(), 'ETOOBIG', 'response is too large'],
  [new CanceledError(), 'ECANCELED', 'operation canceled'],
];

Errors('each has the DESIGN code and message and is a CoraxError', () => {
  for (const [err, code, message] of table) {
    assert.instance(err, CoraxError);
    assert.is(err.code, code);
    assert.is(err.message, message);
    assert.is(err.fatal, false);
  }
});

Errors('TCP errors after connect say "Socket error detected: <reason>"', () => {
  assert.is(new SocketError('connection reset by peer').message, 'Socket error detected: connection reset by peer');
});

Errors('survive a serialization round trip as the same class and code', () => {
  for (const err of [...table.map((t) => t[0]), new SocketError('closed', { code: 'EEOF' }), new RedisReplyError('WRONGTYPE bad', 2), new CoraxError('EWHATEVER', 'custom')]) {
    const back = deserializeError(JSON.parse(JSON.stringify(err)));
    assert.is(back.constructor, err.constructor);
    assert.is(back.code, err.code);
    assert.is(back.message, err.message);
  }
  assert.is((deserializeError(new RedisReplyError('ERR x', 3).toJSON()) as RedisReplyError).index, 3);
});

Errors('toCoraxError keeps the reason and maps refused and timed-out sockets', () => {
  const reset = toCoraxError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
  assert.equal([reset.code, reset.message], ['ECONNRESET', 'read ECONNRESET']);
  assert.instance(toCoraxError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), ConnectionRefusedError);
  assert.is(toCoraxError('weird').code, 'EIO');
});

Errors.run();
