import { HostNotFoundError, TimeoutError, type CoraxError } from './errors.ts';
import { perform, type Instruction, type Operation, type Result } from './effect.ts';
import { scheduleCallback, type CallbackTask } from './callback.ts';
import { defineFamily } from './family.ts';
import { onlyKeys, positive, section } from './config-check.ts';
import { connectError, streamError } from './tcp-stream.ts';

export interface TcpConnectOptions {
  host: string;
  port: number;
  /** Milliseconds for the connect and, unless given separately, each read and write (default `tcp.timeout`). */
  timeout?: number;
  /** Milliseconds to connect (Rspamd's `connect_timeout`). */
  connectTimeout?: number;
  /** Milliseconds for each read (Rspamd's `read_timeout`). */
  readTimeout?: number;
  /** Milliseconds for each write (Rspamd's `write_timeout`). */
  writeTimeout?: number;
  /** TLS (Rspamd's `ssl`). */
  ssl?: boolean;
  /** TLS without verifying the server's certificate (Rspamd's `ssl_noverify`). */
  noSslVerify?: boolean;
}

export interface TcpConnectEffect {
  readonly type: 'tcp.connect';
  host: string;
  port: number;
  timeout?: number;
  ssl?: boolean;
  noSslVerify?: boolean;
}

/** A connection is an id inside the data; the live module maps it to a socket. */
export interface TcpHandle {
  id: string;
}

export interface TcpWriteEffect {
  readonly type: 'tcp.write';
  conn: string;
  data: string | Uint8Array;
  timeout?: number;
}

export type TcpReadMode = 'once' | 'until' | 'bytes' | 'eof';

export interface TcpReadEffect {
  readonly type: 'tcp.read';
  conn: string;
  mode: TcpReadMode;
  /** For `until`: the bytes to stop at (consumed, not returned). */
  pattern?: string;
  /** For `bytes`: how many. */
  n?: number;
  timeout?: number;
}

export interface TcpShutdownEffect {
  readonly type: 'tcp.shutdown';
  conn: string;
  timeout?: number;
}

export interface TcpCloseEffect {
  readonly type: 'tcp.close';
  conn: string;
}

/** The `tcp` config section. */
export interface TcpConfig {
  /** Default connect, read and write timeout in ms (default 5000). */
  timeout?: number;
}

export interface TcpSettings {
  readonly timeout: number;
}

declare module './effect.ts' {
  interface EffectDescriptors {
    'tcp.connect': TcpConnectEffect;
    'tcp.write': TcpWriteEffect;
    'tcp.read': TcpReadEffect;
    'tcp.shutdown': TcpShutdownEffect;
    'tcp.close': TcpCloseEffect;
  }
  interface EffectResults {
    'tcp.connect': TcpHandle;
    'tcp.write': true;
    'tcp.read': string;
    'tcp.shutdown': true;
    'tcp.close': true;
  }
}

declare module './family.ts' {
  interface FamilyConfigs {
    tcp: [TcpConfig, TcpSettings];
  }
  interface TestValues {
    'tcp.connect': Partial<TcpHandle> | void;
    'tcp.write': true | void;
    'tcp.shutdown': true | void;
    'tcp.close': true | void;
  }
}

function read(conn: TcpConnection, mode: TcpReadMode, extra?: { pattern?: string; n?: number }): TcpReadEffect {
  const effect: TcpReadEffect = { type: 'tcp.read', conn: conn.id, mode, ...extra };
  if (conn.readTimeout !== undefined) effect.timeout = conn.readTimeout;
  return effect;
}

/** A connection as a rule sees it. Every I/O method is an effect returning a tuple. */
export class TcpConnection {
  private eofSeen = false;

  constructor(
    readonly id: string,
    readonly readTimeout?: number,
    readonly writeTimeout?: number,
  ) {}

  write(data: string | Uint8Array): Operation<Result<true>> {
    const effect: TcpWriteEffect = { type: 'tcp.write', conn: this.id, data };
    if (this.writeTimeout !== undefined) effect.timeout = this.writeTimeout;
    return perform(effect);
  }

  /** Whatever arrives next (at least one byte); EOF is an error. */
  readOnce(): Operation<Result<string>> {
    return this.watch(perform(read(this, 'once')));
  }

  /** The bytes before `pattern`; the pattern is consumed and dropped. */
  readUntil(pattern: string): Operation<Result<string>> {
    if (typeof pattern !== 'string' || pattern === '') throw new TypeError('conn.readUntil: `pattern` must be a non-empty string');
    return this.watch(perform(read(this, 'until', { pattern })));
  }

  /** Exactly `n` bytes. */
  readBytes(n: number): Operation<Result<string>> {
    if (!Number.isInteger(n) || n < 0) throw new TypeError('conn.readBytes: `n` must be an integer >= 0');
    return this.watch(perform(read(this, 'bytes', { n })));
  }

  /** Everything up to the end of the stream; EOF is success. */
  readUntilEof(): Operation<Result<string>> {
    const op = perform(read(this, 'eof'));
    const self = this;
    return {
      *[Symbol.iterator]() {
        const r = yield* op;
        if (!r[0]) self.eofSeen = true;
        return r;
      },
    };
  }

  /** Whether the peer has ended the stream, as far as the rule's reads have seen (Rspamd's `conn:eof()`). */
  eof(): boolean {
    return this.eofSeen;
  }

  /** Half-closes: no more writes, reads go on. */
  shutdown(): Operation<Result<true>> {
    const effect: TcpShutdownEffect = { type: 'tcp.shutdown', conn: this.id };
    if (this.writeTimeout !== undefined) effect.timeout = this.writeTimeout;
    return perform(effect);
  }

  close(): Operation<Result<true>> {
    return perform({ type: 'tcp.close', conn: this.id });
  }

  private watch(op: Operation<Result<string>>): Operation<Result<string>> {
    const self = this;
    return {
      *[Symbol.iterator]() {
        const r = yield* op;
        if (r[0]?.code === 'EEOF') self.eofSeen = true;
        return r;
      },
    };
  }
}

function TcpConnect(opts: TcpConnectOptions): TcpConnectEffect {
  if (typeof opts?.host !== 'string' || opts.host === '') throw new TypeError('tcp.connect: `host` must be a non-empty string');
  if (!Number.isInteger(opts.port) || opts.port <= 0 || opts.port > 65535) throw new TypeError(`tcp.connect: \`port\` must be 1-65535, got ${JSON.stringify(opts.port)}`);
  const effect: TcpConnectEffect = { type: 'tcp.connect', host: opts.host, port: opts.port };
  const timeout = opts.connectTimeout ?? opts.timeout;
  if (timeout !== undefined) effect.timeout = timeout;
  if (opts.ssl !== undefined) effect.ssl = opts.ssl;
  if (opts.noSslVerify !== undefined) effect.noSslVerify = opts.noSslVerify;
  return effect;
}

function connectionFor(handle: TcpHandle, opts: TcpConnectOptions): TcpConnection {
  return new TcpConnection(handle.id, opts.readTimeout ?? opts.timeout, opts.writeTimeout ?? opts.timeout);
}

/**
 * Opens a connection (Rspamd's `rspamd_tcp.connect_sync`).
 *
 * @example
 * const [err, conn] = yield* tcp.connect({ host: '127.0.0.1', port: 18080, timeout: 20 });
 * if (err) return;
 * yield* conn.write('PING\r\n');
 * const [rerr, line] = yield* conn.readUntil('\r\n');
 */
function connect(opts: TcpConnectOptions): Operation<Result<TcpConnection>> {
  const op = perform(TcpConnect(opts));
  return {
    *[Symbol.iterator](): Generator<Instruction, Result<TcpConnection>, unknown> {
      const [err, handle] = yield* op;
      if (err) return [err, undefined];
      return [null, connectionFor(handle, opts)];
    },
  };
}

export type TcpCallback = (err: CoraxError | null, data: string | undefined, conn: CallbackConnection | undefined) => void;

interface TcpRequestBase extends TcpConnectOptions {
  task: CallbackTask;
  /** Sent in order after connecting. */
  data?: string | Uint8Array | (string | Uint8Array)[];
  /** Read until this pattern (consumed, not returned, as in Rspamd) instead of one chunk. */
  stopPattern?: string;
  /** Call back for every chunk as it arrives, then once more with the error at EOF (Rspamd's `partial`). */
  partial?: boolean;
  /** Half-close after writing. */
  shutdown?: boolean;
  /** Called once connected, before anything is written (Rspamd's `on_connect`). */
  onConnect?(conn: CallbackConnection): void;
}

/**
 * Rspamd's `rspamd_tcp.request` options. With `read: false` nothing is read
 * and `callback(err, conn)` runs once the data is written (Rspamd's two
 * arguments); otherwise `callback(err, data, conn)` gets the reply.
 */
export type TcpRequestOptions =
  | (TcpRequestBase & { read?: true; callback: TcpCallback })
  | (TcpRequestBase & { read: false; callback: (err: CoraxError | null, conn: CallbackConnection | undefined) => void });

/** The connection Rspamd's callback API passes to callbacks: more reads and writes, same task. */
export class CallbackConnection {
  constructor(
    private readonly task: CallbackTask,
    readonly conn: TcpConnection,
  ) {}

  get id(): string {
    return this.conn.id;
  }

  /** Reads once more (or until `pattern`, which is consumed) and calls `callback(err, data, conn)`. */
  addRead(callback: TcpCallback, pattern?: string): boolean {
    const op = pattern === undefined ? this.conn.readOnce() : this.conn.readUntil(pattern);
    return scheduleCallback(this.task, 'conn.addRead', () => settle(op, (err, data) => callback(err, data, this)));
  }

  /** Writes `data` and calls `callback(err, conn)`. */
  addWrite(callback: (err: CoraxError | null, conn: CallbackConnection) => void, data: string | Uint8Array): boolean {
    const op = this.conn.write(data);
    return scheduleCallback(this.task, 'conn.addWrite', () => settle(op, (err) => callback(err, this)));
  }

  /** Whether the peer ended the stream (Rspamd's `conn:eof()`). */
  eof(): boolean {
    return this.conn.eof();
  }

  close(): boolean {
    const op = this.conn.close();
    return scheduleCallback(this.task, 'conn.close', () => settle(op, () => {}));
  }
}

function* settle<T>(op: Operation<Result<T>>, then: (err: CoraxError | null, value: T | undefined) => void): Generator<Instruction, void, unknown> {
  const [err, value] = yield* op;
  then(err, value);
}

/**
 * Rspamd's callback-style `rspamd_tcp.request`: connect, write `data`, read a
 * reply, call back. Returns whether the request was scheduled.
 */
function request(opts: TcpRequestOptions): boolean {
  const effect = TcpConnect(opts);
  const chunks = opts.data === undefined ? [] : Array.isArray(opts.data) ? opts.data : [opts.data];
  const { task, stopPattern, shutdown, partial, onConnect } = opts;
  const callback = opts.callback as (...args: unknown[]) => void;
  const wantRead = opts.read ?? true;
  const connectOp = perform(effect);
  return scheduleCallback(task, 'tcp.request', function* () {
    const [err, handle] = yield* connectOp;
    if (err) return wantRead ? callback(err, undefined, undefined) : callback(err, undefined);
    const conn = connectionFor(handle, opts);
    const cbConn = new CallbackConnection(task, conn);
    onConnect?.(cbConn);
    for (const chunk of chunks) {
      const [werr] = yield* conn.write(chunk);
      if (werr) return wantRead ? callback(werr, undefined, cbConn) : callback(werr, cbConn);
    }
    if (shutdown) {
      const [serr] = yield* conn.shutdown();
      if (serr) return wantRead ? callback(serr, undefined, cbConn) : callback(serr, cbConn);
    }
    // with nothing to write and nothing to read Rspamd has no handler to call: neither do we
    if (!wantRead) return chunks.length || shutdown ? callback(null, cbConn) : undefined;
    if (partial) {
      for (;;) {
        const [rerr, data] = yield* conn.readOnce();
        if (rerr) return callback(rerr, undefined, cbConn); // EOF too: Rspamd's last call is the error
        callback(null, data, cbConn);
      }
    }
    const [rerr, data] = stopPattern === undefined ? yield* conn.readOnce() : yield* conn.readUntil(stopPattern);
    callback(rerr, data, cbConn);
  });
}

/** The TCP effect family. */
export const tcp = { connect, request };

const ioTimeout = (e: { timeout?: number }, s: TcpSettings | undefined): number => e.timeout ?? s?.timeout ?? 5000;
const timeoutError = (): CoraxError => new TimeoutError();
const ids = Symbol('corax.test.tcp-ids');

export const tcpFamily = defineFamily<'tcp.connect' | 'tcp.write' | 'tcp.read' | 'tcp.shutdown' | 'tcp.close', TcpSettings>({
  name: 'tcp',
  config: {
    key: 'tcp',
    resolve(input) {
      const tcp = section('tcp', input);
      onlyKeys('tcp', tcp, ['timeout']);
      return Object.freeze({ timeout: positive('tcp.timeout', tcp.timeout, 5000) });
    },
  },
  effects: {
    'tcp.connect': {
      timeout: ioTimeout,
      timeoutError,
      describe: (e) => `${e.host} ${e.port}${e.ssl ? ' ssl' : ''}`,
      faults: {
        refused: () => connectError('ECONNREFUSED', 'Connection refused'),
        reset: () => connectError('ECONNRESET', 'Connection reset by peer'),
        nohost: (e) => new HostNotFoundError(e.host),
      },
      testValue(value, ctx) {
        const handle = (value ?? {}) as Partial<TcpHandle>;
        if (handle.id) return { id: handle.id };
        const counter = ctx.task.local(ids, () => ({ next: 0 }));
        return { id: `tcp${counter.next++}` };
      },
    },
    'tcp.write': {
      timeout: ioTimeout,
      timeoutError,
      describe: (e) => `${e.conn} ${typeof e.data === 'string' ? JSON.stringify(e.data.slice(0, 40)) : `${e.data.length} bytes`}`,
      faults: { reset: () => streamError('ECONNRESET', 'Connection reset by peer') },
      testValue: () => true,
    },
    'tcp.read': {
      timeout: ioTimeout,
      timeoutError,
      describe: (e) => `${e.conn} ${e.mode}${e.pattern !== undefined ? ` ${JSON.stringify(e.pattern)}` : ''}${e.n !== undefined ? ` ${e.n}` : ''}`,
      faults: { reset: () => streamError('ECONNRESET', 'Connection reset by peer') },
    },
    'tcp.shutdown': { timeout: ioTimeout, timeoutError, testValue: () => true },
    'tcp.close': { testValue: () => true },
  },
});
