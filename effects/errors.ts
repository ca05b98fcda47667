/**
 * Errors a rule can see. Every failure has a stable `code`; where Rspamd has a
 * wording for it, `message` uses that wording so ported rules insert the same
 * options. Every class here (and every class a family registers) survives a
 * recording round trip as the same class, code, message and fields.
 */

export interface CoraxErrorOptions {
  cause?: unknown;
}

export interface SerializedError {
  name: string;
  code: string;
  message: string;
  /** Structured fields of the subclass (a pipeline index, a size, a host). */
  [field: string]: unknown;
}

/** The base of every error corax hands to a rule. */
export class CoraxError extends Error {
  override name = 'CoraxError';
  readonly code: string;
  /** Test failures (unexpected effect, divergence) abort the scan instead of reaching the rule. */
  readonly fatal: boolean = false;
  /**
   * Set on the generic errors `faults.*` builds for test handlers: the kind of
   * failure, which each family turns into its own error (its Rspamd wording).
   */
  fault?: string;

  constructor(code: string, message: string, options?: CoraxErrorOptions) {
    super(message, options);
    this.code = code;
  }

  /** The structured fields a subclass adds; they are written to recordings. */
  protected fields(): Record<string, unknown> {
    return {};
  }

  toJSON(): SerializedError {
    return { ...this.fields(), name: this.name, code: this.code, message: this.message };
  }
}

/** An HTTP, TCP or Redis operation that did not finish within its timeout. */
export class TimeoutError extends CoraxError {
  override name = 'TimeoutError';
  constructor(message = 'IO timeout', options?: CoraxErrorOptions) {
    super('ETIMEDOUT', message, options);
  }
}

/** The peer refused the connection; the message is the family's Rspamd wording. */
export class ConnectionRefusedError extends CoraxError {
  override name = 'ConnectionRefusedError';
  constructor(message = 'Connection refused', options?: CoraxErrorOptions) {
    super('ECONNREFUSED', message, options);
  }
}

/** The peer reset the connection. */
export class ConnectionResetError extends CoraxError {
  override name = 'ConnectionResetError';
  constructor(message = 'Connection reset by peer', options?: CoraxErrorOptions) {
    super('ECONNRESET', message, options);
  }
}

/** The peer closed the stream before the data the rule waits for. */
export class EndOfStreamError extends CoraxError {
  override name = 'EndOfStreamError';
  constructor(message = 'IO read error: connection terminated', options?: CoraxErrorOptions) {
    super('EEOF', message, options);
  }
}

/** A host name (of an HTTP URL or a TCP peer) that does not resolve. */
export class HostNotFoundError extends CoraxError {
  override name = 'HostNotFoundError';
  readonly host: string;
  constructor(host: string, options?: CoraxErrorOptions & { message?: string }) {
    super('ENOTFOUND', options?.message ?? `unable to resolve host: ${host}`, options);
    this.host = host;
  }
  protected override fields(): Record<string, unknown> {
    return { host: this.host };
  }
}

export class NxdomainError extends CoraxError {
  override name = 'NxdomainError';
  constructor(message = 'no records with this name', options?: CoraxErrorOptions) {
    super('NXDOMAIN', message, options);
  }
}

export class NodataError extends CoraxError {
  override name = 'NodataError';
  constructor(message = 'requested record is not found', options?: CoraxErrorOptions) {
    super('NODATA', message, options);
  }
}

export class DnsTimeoutError extends CoraxError {
  override name = 'DnsTimeoutError';
  constructor(message = 'query timed out', options?: CoraxErrorOptions) {
    super('DNS_TIMEOUT', message, options);
  }
}

export class ServfailError extends CoraxError {
  override name = 'ServfailError';
  constructor(message = 'server fail', options?: CoraxErrorOptions) {
    super('SERVFAIL', message, options);
  }
}

/** The DNS server refused the query (rcode REFUSED). */
export class DnsRefusedError extends CoraxError {
  override name = 'DnsRefusedError';
  constructor(message = 'query refused', options?: CoraxErrorOptions) {
    super('REFUSED', message, options);
  }
}

export class ForbiddenError extends CoraxError {
  override name = 'ForbiddenError';
  constructor(message = 'access to local address is forbidden', options?: CoraxErrorOptions) {
    super('EFORBIDDEN', message, options);
  }
}

/** A body over `maxSize`; `size` is the size seen (declared or read so far). */
export class TooBigError extends CoraxError {
  override name = 'TooBigError';
  readonly size: number;
  constructor(size: number, options?: CoraxErrorOptions & { message?: string }) {
    super('ETOOBIG', options?.message ?? `Request entity too large: ${size}`, options);
    this.size = size;
  }
  protected override fields(): Record<string, unknown> {
    return { size: this.size };
  }
}

export class CanceledError extends CoraxError {
  override name = 'CanceledError';
  constructor(message = 'operation canceled', options?: CoraxErrorOptions) {
    super('ECANCELED', message, options);
  }
}

/** A malformed call, reported to the rule as a result rather than thrown. */
export class ArgumentError extends CoraxError {
  override name = 'ArgumentError';
  constructor(message: string, options?: CoraxErrorOptions) {
    super('EINVAL', message, options);
  }
}

/** A TCP failure after the connection was made, with Rspamd's wording; the code says which. */
export class SocketError extends CoraxError {
  override name = 'SocketError';
  constructor(message: string, options?: CoraxErrorOptions & { code?: string }) {
    super(options?.code ?? 'ESOCKET', message, options);
  }
}

/** A Redis error reply (`WRONGTYPE …`, `ERR …`); `index` is the command's place in a pipeline. */
export class RedisReplyError extends CoraxError {
  override name = 'RedisReplyError';
  readonly index: number;
  constructor(message: string, options?: CoraxErrorOptions & { index?: number }) {
    super('EREDIS', message, options);
    this.index = options?.index ?? 0;
  }
  protected override fields(): Record<string, unknown> {
    return { index: this.index };
  }
}

/** A per-task limit was reached (DNS requests per task). */
export class LimitError extends CoraxError {
  override name = 'LimitError';
  constructor(message: string, options?: CoraxErrorOptions) {
    super('ELIMIT', message, options);
  }
}

/** A bad configuration: names the option, the value given (secrets hidden) and what is allowed. */
export class ConfigError extends CoraxError {
  override name = 'ConfigError';
  constructor(message: string, options?: CoraxErrorOptions) {
    super('ECONFIG', message, options);
  }
}

/** The test interpreter met an effect no handler answers. Aborts the scan. */
export class UnexpectedEffectError extends CoraxError {
  override name = 'UnexpectedEffectError';
  override readonly fatal = true;
  readonly effect: unknown;
  constructor(effect: { type: string }, handled: readonly string[], description = `${effect.type}(…)`) {
    super(
      'EUNEXPECTED',
      `unexpected effect ${description}: no handler for '${effect.type}' ` +
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

/**
 * The test interpreter's clock stood still too long: virtual time cannot move
 * while a handler's real promise is pending, and this one did not settle.
 * Aborts the scan.
 */
export class StalledClockError extends CoraxError {
  override name = 'StalledClockError';
  override readonly fatal = true;
  constructor(limit: number) {
    super(
      'ESTALLED',
      `virtual time stopped: a handler's promise has not settled after ${limit} ms of real time, and time cannot move while it is pending; ` +
        'for a peer that never answers, answer with faults.timeout() (the effect then times out on the virtual clock)',
    );
  }
}

/** A constructor of a CoraxError subclass, as the registry keeps it. */
export type ErrorClass = abstract new (...args: never[]) => CoraxError;

const errorClasses = new Map<string, ErrorClass>();

/** Makes error classes known to `deserializeError` by their `name`. */
export function registerErrors(...classes: ErrorClass[]): void {
  for (const cls of classes) errorClasses.set(cls.name, cls);
}

registerErrors(
  CoraxError,
  TimeoutError,
  ConnectionRefusedError,
  ConnectionResetError,
  EndOfStreamError,
  HostNotFoundError,
  NxdomainError,
  NodataError,
  DnsTimeoutError,
  ServfailError,
  DnsRefusedError,
  ForbiddenError,
  TooBigError,
  CanceledError,
  ArgumentError,
  SocketError,
  RedisReplyError,
  LimitError,
  ConfigError,
);

/**
 * Rebuilds an error from its serialized form as the same class, code, message
 * and fields. The constructor is not called (each class has its own
 * signature); the prototype is the class's, so `instanceof` holds.
 */
export function deserializeError(s: SerializedError): CoraxError {
  const cls = errorClasses.get(s.name) ?? CoraxError;
  const err = Object.create(cls.prototype) as CoraxError & Record<string, unknown>;
  const { name, code, message, ...fields } = s;
  Object.defineProperty(err, 'message', { value: String(message), writable: true, configurable: true });
  Object.defineProperty(err, 'stack', { value: `${name}: ${message}\n    (from a recording)`, writable: true, configurable: true });
  err.name = name;
  (err as { code: string }).code = String(code);
  (err as { fatal: boolean }).fatal = false;
  for (const [k, v] of Object.entries(fields)) err[k] = v;
  return err;
}

/** Turns anything thrown by a handler into a CoraxError, keeping the reason. */
export function toCoraxError(error: unknown): CoraxError {
  if (error instanceof CoraxError) return error;
  if (error instanceof Error) {
    const code = typeof (error as NodeJS.ErrnoException).code === 'string' ? (error as NodeJS.ErrnoException).code! : 'EIO';
    if (code === 'ECONNREFUSED') return new ConnectionRefusedError(undefined, { cause: error });
    if (code === 'ETIMEDOUT') return new TimeoutError(undefined, { cause: error });
    if (code === 'ECONNRESET') return new ConnectionResetError(error.message, { cause: error });
    return new CoraxError(code, error.message, { cause: error });
  }
  return new CoraxError('EIO', String(error));
}
