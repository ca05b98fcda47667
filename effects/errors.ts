/**
 * Errors a rule can see. Every failure has a stable `code`; where Rspamd has a
 * wording for it, `message` uses that wording so ported rules insert the same
 * options. Errors survive a recording round trip as the same class.
 */

export interface CoraxErrorOptions {
  cause?: unknown;
}

/** The base of every error corax hands to a rule. */
export class CoraxError extends Error {
  override name = 'CoraxError';
  readonly code: string;
  /** Test failures (unexpected effect, divergence) abort the scan instead of reaching the rule. */
  readonly fatal: boolean = false;

  constructor(code: string, message: string, options?: CoraxErrorOptions) {
    super(message, options);
    this.code = code;
  }

  toJSON(): SerializedError {
    return { name: this.name, code: this.code, message: this.message };
  }
}

export interface SerializedError {
  name: string;
  code: string;
  message: string;
}

export class TimeoutError extends CoraxError {
  override name = 'TimeoutError';
  constructor(options?: CoraxErrorOptions) {
    super('ETIMEDOUT', 'IO timeout', options);
  }
}

export class ConnectionRefusedError extends CoraxError {
  override name = 'ConnectionRefusedError';
  constructor(options?: CoraxErrorOptions) {
    super('ECONNREFUSED', 'Connection refused', options);
  }
}

export class NxdomainError extends CoraxError {
  override name = 'NxdomainError';
  constructor(options?: CoraxErrorOptions) {
    super('NXDOMAIN', 'no records with this name', options);
  }
}

export class NodataError extends CoraxError {
  override name = 'NodataError';
  constructor(options?: CoraxErrorOptions) {
    super('NODATA', 'requested record is not found', options);
  }
}

export class DnsTimeoutError extends CoraxError {
  override name = 'DnsTimeoutError';
  constructor(options?: CoraxErrorOptions) {
    super('DNS_TIMEOUT', 'query timed out', options);
  }
}

export class ServfailError extends CoraxError {
  override name = 'ServfailError';
  constructor(options?: CoraxErrorOptions) {
    super('SERVFAIL', 'server fail', options);
  }
}

export class ForbiddenError extends CoraxError {
  override name = 'ForbiddenError';
  constructor(options?: CoraxErrorOptions) {
    super('EFORBIDDEN', 'access to local address is forbidden', options);
  }
}

export class TooBigError extends CoraxError {
  override name = 'TooBigError';
  constructor(options?: CoraxErrorOptions) {
    super('ETOOBIG', 'response is too large', options);
  }
}

export class CanceledError extends CoraxError {
  override name = 'CanceledError';
  constructor(options?: CoraxErrorOptions) {
    super('ECANCELED', 'operation canceled', options);
  }
}

/** A malformed call, reported to the rule as a result rather than thrown. */
export class ArgumentError extends CoraxError {
  override name = 'ArgumentError';
  constructor(message: string, options?: CoraxErrorOptions) {
    super('EINVAL', message, options);
  }
}

/** A TCP failure after the connection was made: `Socket error detected: <reason>`. */
export class SocketError extends CoraxError {
  override name = 'SocketError';
  constructor(reason: string, options?: CoraxErrorOptions & { code?: string }) {
    super(options?.code ?? 'ESOCKET', `Socket error detected: ${reason}`, options);
  }
}

/** A Redis error reply (`WRONGTYPE …`, `ERR …`); `index` is the command's place in a pipeline. */
export class RedisReplyError extends CoraxError {
  override name = 'RedisReplyError';
  readonly index: number;
  constructor(message: string, index = 0, options?: CoraxErrorOptions) {
    super('EREDIS', message, options);
    this.index = index;
  }

  override toJSON(): SerializedError & { index: number } {
    return { ...super.toJSON(), index: this.index };
  }
}

/** The test interpreter met an effect no handler answers. Aborts the scan. */
export class UnexpectedEffectError extends CoraxError {
  override name = 'UnexpectedEffectError';
  override readonly fatal = true;
  readonly effect: unknown;
  constructor(effect: { type: string }, handled: readonly string[]) {
    super(
      'EUNEXPECTED',
      `unexpected effect ${describeEffect(effect)}: no handler for '${effect.type}' ` +
        `(handled: ${handled.length ? handled.map((h) => `'${h}'`).join(', ') : 'none'}); ` +
        `add a '${effect.type}' entry to the test interpreter's handlers`,
    );
    this.effect = effect;
  }
}

/** Replay met an effect that is not in the recording, or differs from it. Aborts the scan. */
export class DivergenceError extends CoraxError {
  override name = 'DivergenceError';
  override readonly fatal = true;
  readonly key: string;
  readonly expected: unknown;
  readonly actual: unknown;
  constructor(key: string, expected: unknown, actual: unknown, message: string) {
    super('EDIVERGENCE', message);
    this.key = key;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A short call-like description of an effect, e.g. `http.request(GET http://x/)`. */
export function describeEffect(effect: { type: string } & Record<string, unknown>): string {
  const e = effect as Record<string, unknown>;
  const parts: string[] = [];
  for (const field of ['method', 'url', 'rrtype', 'name', 'host', 'port', 'conn', 'command', 'ms']) {
    const v = e[field];
    if (v === undefined) continue;
    parts.push(Array.isArray(v) ? v.join(' ') : String(v));
  }
  return `${effect.type}(${parts.join(' ')})`;
}

type ErrorFactory = (message: string) => CoraxError;

const byName: Record<string, ErrorFactory> = {
  TimeoutError: () => new TimeoutError(),
  ConnectionRefusedError: () => new ConnectionRefusedError(),
  NxdomainError: () => new NxdomainError(),
  NodataError: () => new NodataError(),
  DnsTimeoutError: () => new DnsTimeoutError(),
  ServfailError: () => new ServfailError(),
  ForbiddenError: () => new ForbiddenError(),
  TooBigError: () => new TooBigError(),
  CanceledError: () => new CanceledError(),
};

/** Rebuilds an error from its serialized form, as the same class and code. */
export function deserializeError(s: SerializedError & { index?: number }): CoraxError {
  const known = byName[s.name];
  if (known) return known(s.message);
  if (s.name === 'SocketError') return new SocketError(s.message.replace(/^Socket error detected: /, ''), { code: s.code });
  if (s.name === 'RedisReplyError') return new RedisReplyError(s.message, s.index ?? 0);
  const err = new CoraxError(s.code, s.message);
  if (s.name !== 'CoraxError') err.name = s.name;
  return err;
}

/** Turns anything thrown by a handler into a CoraxError, keeping the reason. */
export function toCoraxError(error: unknown): CoraxError {
  if (error instanceof CoraxError) return error;
  if (error instanceof Error) {
    const code = typeof (error as NodeJS.ErrnoException).code === 'string' ? (error as NodeJS.ErrnoException).code! : 'EIO';
    if (code === 'ECONNREFUSED') return new ConnectionRefusedError({ cause: error });
    if (code === 'ETIMEDOUT') return new TimeoutError({ cause: error });
    return new CoraxError(code, error.message, { cause: error });
  }
  return new CoraxError('EIO', String(error));
}
