import type { CoraxError } from './errors.ts';
import { perform, type Instruction, type Operation, type Result } from './effect.ts';
import { scheduleCallback, type CallbackTask } from './callback.ts';

export interface TcpConnectOptions {
  host: string;
  port: number;
  /** Milliseconds to connect; also the read/write default. */
  timeout?: number;
  /** Milliseconds for each read or write once connected. */
  ioTimeout?: number;
}

export interface TcpConnectEffect extends TcpConnectOptions {
  readonly type: 'tcp.connect';
}

/** A connection is an id inside the data; the live module maps it to a socket. */
export interface TcpHandle {
  id: string;
}

export interface TcpWriteEffect {
  readonly type: 'tcp.write';
  conn: string;
  data: string | Uint8Array;
}

export type TcpReadMode = 'once' | 'until' | 'bytes' | 'eof';

export interface TcpReadEffect {
  readonly type: 'tcp.read';
  conn: string;
  mode: TcpReadMode;
  /** For `until`: the bytes to stop at. */
  pattern?: string;
  /** For `until`: keep the pattern at the end of the data (Rspamd's callback `stop_pattern`). */
  keepPattern?: boolean;
  /** For `bytes`: how many. */
  n?: number;
}

export interface TcpShutdownEffect {
  readonly type: 'tcp.shutdown';
  conn: string;
}

export interface TcpCloseEffect {
  readonly type: 'tcp.close';
  conn: string;
}

function read(conn: string, mode: TcpReadMode, extra?: Partial<TcpReadEffect>): TcpReadEffect {
  return { type: 'tcp.read', conn, mode, ...extra };
}

/** A connection as a rule sees it. Every method is an effect returning a tuple. */
export class TcpConnection {
  constructor(readonly id: string) {}

  write(data: string | Uint8Array): Operation<Result<true>> {
    return perform({ type: 'tcp.write', conn: this.id, data });
  }

  /** Whatever arrives next (at least one byte); EOF is an error. */
  readOnce(): Operation<Result<string>> {
    return perform(read(this.id, 'once'));
  }

  /** The bytes before `pattern`; the pattern is consumed and dropped. */
  readUntil(pattern: string): Operation<Result<string>> {
    return perform(read(this.id, 'until', { pattern }));
  }

  /** Exactly `n` bytes. */
  readBytes(n: number): Operation<Result<string>> {
    return perform(read(this.id, 'bytes', { n }));
  }

  /** Everything up to the end of the stream; EOF is success. */
  readUntilEof(): Operation<Result<string>> {
    return perform(read(this.id, 'eof'));
  }

  /** Half-closes: no more writes, reads go on. */
  shutdown(): Operation<Result<true>> {
    return perform({ type: 'tcp.shutdown', conn: this.id });
  }

  close(): Operation<Result<true>> {
    return perform({ type: 'tcp.close', conn: this.id });
  }
}

function TcpConnect(opts: TcpConnectOptions): TcpConnectEffect {
  if (typeof opts?.host !== 'string' || opts.host === '') throw new TypeError('tcp.connect: `host` must be a non-empty string');
  if (!Number.isInteger(opts.port) || opts.port <= 0 || opts.port > 65535) throw new TypeError(`tcp.connect: \`port\` must be 1-65535, got ${JSON.stringify(opts.port)}`);
  const effect: TcpConnectEffect = { type: 'tcp.connect', host: opts.host, port: opts.port };
  if (opts.timeout !== undefined) effect.timeout = opts.timeout;
  if (opts.ioTimeout !== undefined) effect.ioTimeout = opts.ioTimeout;
  return effect;
}

/**
 * Opens a connection (Rspamd's `lua_tcp_sync.connect`).
 *
 * @example
 * const [err, conn] = yield* tcp.connect({ host: '127.0.0.1', port: 18080, timeout: 20 });
 * if (err) return;
 * yield* conn.write('PING\r\n');
 * const [rerr, line] = yield* conn.readUntil('\r\n');
 */
function* connect(opts: TcpConnectOptions): Generator<Instruction, Result<TcpConnection>, any> {
  const [err, handle] = yield* perform(TcpConnect(opts));
  if (err) return [err, undefined];
  return [null, new TcpConnection(handle.id)];
}

export type TcpCallback = (err: CoraxError | null, data: string | undefined, conn: CallbackConnection | undefined) => void;

export interface TcpRequestOptions extends TcpConnectOptions {
  task: CallbackTask;
  /** Sent in order after connecting. */
  data?: string | Uint8Array | (string | Uint8Array)[];
  /** Read a reply after writing (default true). */
  read?: boolean;
  /** Read until this pattern (kept in the data, as Rspamd does) instead of one chunk. */
  stopPattern?: string;
  /** Half-close after writing. */
  shutdown?: boolean;
  callback: TcpCallback;
}

/** The connection Rspamd's callback API passes to callbacks: more reads and writes, same task. */
export class CallbackConnection {
  constructor(
    private readonly task: CallbackTask,
    private readonly conn: TcpConnection,
  ) {}

  get id(): string {
    return this.conn.id;
  }

  /** Reads once more (or until `pattern`) and calls `callback(err, data, conn)`. */
  addRead(callback: TcpCallback, pattern?: string): boolean {
    const self = this;
    return scheduleCallback(this.task, 'conn.addRead', function* () {
      const [err, data] = pattern === undefined ? yield* self.conn.readOnce() : yield* perform(read(self.conn.id, 'until', { pattern, keepPattern: true }));
      callback(err, data, self);
    });
  }

  /** Writes `data` and calls `callback(err, conn)`. */
  addWrite(callback: (err: CoraxError | null, conn: CallbackConnection) => void, data: string | Uint8Array): boolean {
    const self = this;
    return scheduleCallback(this.task, 'conn.addWrite', function* () {
      const [err] = yield* self.conn.write(data);
      callback(err, self);
    });
  }

  close(): boolean {
    const self = this;
    return scheduleCallback(this.task, 'conn.close', function* () {
      yield* self.conn.close();
    });
  }
}

/**
 * Rspamd's callback-style `rspamd_tcp.request`: connect, write `data`, read a
 * reply, call back. Returns whether the request was scheduled.
 */
function request(opts: TcpRequestOptions): boolean {
  const effect = TcpConnect(opts);
  const chunks = opts.data === undefined ? [] : Array.isArray(opts.data) ? opts.data : [opts.data];
  const { task, callback, stopPattern, shutdown } = opts;
  const wantRead = opts.read ?? true;
  return scheduleCallback(task, 'tcp.request', function* () {
    const [err, handle] = yield* perform(effect);
    if (err) return callback(err, undefined, undefined);
    const conn = new TcpConnection(handle.id);
    const cbConn = new CallbackConnection(task, conn);
    for (const chunk of chunks) {
      const [werr] = yield* conn.write(chunk);
      if (werr) return callback(werr, undefined, cbConn);
    }
    if (shutdown) {
      const [serr] = yield* conn.shutdown();
      if (serr) return callback(serr, undefined, cbConn);
    }
    if (!wantRead) return callback(null, undefined, cbConn);
    const [rerr, data] =
      stopPattern === undefined ? yield* conn.readOnce() : yield* perform(read(conn.id, 'until', { pattern: stopPattern, keepPattern: true }));
    callback(rerr, data, cbConn);
  });
}

/** The TCP effect family. */
export const tcp = { connect, request };
