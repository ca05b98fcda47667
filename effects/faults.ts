import {
  ConnectionRefusedError,
  ConnectionResetError,
  CoraxError,
  DnsTimeoutError,
  EndOfStreamError,
  HostNotFoundError,
  NodataError,
  NxdomainError,
  RedisReplyError,
  ServfailError,
  TimeoutError,
  TooBigError,
} from './errors.ts';

/**
 * The kinds of failure a test or a fault injector can ask for. Each family
 * says what a kind means for its effects (its error class and Rspamd wording);
 * a `timeout` means the peer never answers, so the effect's own timeout fires.
 */
export type FaultKind = 'timeout' | 'refused' | 'reset' | 'eof' | 'nohost' | 'nxdomain' | 'nodata' | 'servfail' | 'tooBig' | 'error';

function fault<E extends CoraxError>(kind: FaultKind, error: E): E {
  error.fault = kind;
  return error;
}

/**
 * The common failures, for test handlers: throw one (or give it as the
 * handler's value) and the rule sees that failure as the effect's family
 * reports it, e.g. `faults.refused()` is `IO write error: Connection refused`
 * for HTTP and `Socket error detected: Connection refused` for TCP.
 */
export const faultErrors = {
  /** The peer never answers: the effect fails when its own timeout (or the config default) fires. */
  timeout: (): CoraxError => fault('timeout', new TimeoutError()),
  /** ECONNREFUSED. */
  refused: (): CoraxError => fault('refused', new ConnectionRefusedError()),
  /** ECONNRESET. */
  reset: (): CoraxError => fault('reset', new ConnectionResetError()),
  /** EEOF: the peer closed before the expected data. */
  eof: (): CoraxError => fault('eof', new EndOfStreamError()),
  /** ENOTFOUND: the host of an HTTP URL or a TCP peer does not resolve (`unable to resolve host`). */
  nohost: (host = ''): CoraxError => fault('nohost', new HostNotFoundError(host)),
  /** NXDOMAIN, `no records with this name`. */
  nxdomain: (): CoraxError => fault('nxdomain', new NxdomainError()),
  /** NODATA, `requested record is not found`. */
  nodata: (): CoraxError => fault('nodata', new NodataError()),
  /** SERVFAIL, `server fail`. */
  servfail: (): CoraxError => fault('servfail', new ServfailError()),
  /** DNS_TIMEOUT, `query timed out`, once the query's time (retransmits included) is over. */
  dnsTimeout: (): CoraxError => fault('timeout', new DnsTimeoutError()),
  /** ETOOBIG, `Request entity too large: N`. */
  tooBig: (size = 0): CoraxError => fault('tooBig', new TooBigError(size)),
  /** EREDIS with Redis's own wording. */
  redisError: (message = 'ERR injected failure'): CoraxError => new RedisReplyError(message),
};
