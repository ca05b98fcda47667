import { injectFaults } from './inject.ts';
import {
  ConnectionRefusedError,
  CoraxError,
  DnsTimeoutError,
  NodataError,
  NxdomainError,
  ServfailError,
  SocketError,
  TimeoutError,
  TooBigError,
  RedisReplyError,
} from '../effects/errors.ts';

/**
 * The common failures, for test handlers: throw one (or give it as the
 * handler's value) and the rule sees that error.
 *
 * @example
 * createTestInterpreter({ handlers: { 'http.request': () => { throw faults.timeout(); } } });
 */
export const faults = {
  /** ETIMEDOUT, `IO timeout`. */
  timeout: (): CoraxError => new TimeoutError(),
  /** ECONNREFUSED, `Connection refused`. */
  refused: (): CoraxError => new ConnectionRefusedError(),
  /** ECONNRESET, `Socket error detected: connection reset by peer`. */
  reset: (): CoraxError => new SocketError('connection reset by peer', { code: 'ECONNRESET' }),
  /** NXDOMAIN, `no records with this name`. */
  nxdomain: (): CoraxError => new NxdomainError(),
  /** NODATA, `requested record is not found`. */
  nodata: (): CoraxError => new NodataError(),
  /** SERVFAIL, `server fail`. */
  servfail: (): CoraxError => new ServfailError(),
  /** DNS_TIMEOUT, `query timed out`. */
  dnsTimeout: (): CoraxError => new DnsTimeoutError(),
  /** ETOOBIG, `response is too large`. */
  tooBig: (): CoraxError => new TooBigError(),
  /** EREDIS with Redis's own wording. */
  redisError: (message = 'ERR injected failure'): CoraxError => new RedisReplyError(message),
  /** Wraps an interpreter (live or test) to inject faults per family and probability, from a seed. */
  inject: injectFaults,
};
