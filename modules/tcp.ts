import net from 'node:net';
import type { EffectContext, Handler } from '../effects/handler.ts';
import type { TcpReadEffect } from '../effects/tcp.ts';
import { CanceledError, ConnectionRefusedError, CoraxError, SocketError, TimeoutError } from '../effects/errors.ts';
import type { Config } from '../runtime/config.ts';
import type { DnsModule } from './dns/index.ts';

export interface TcpModule {
  handlers: {
    'tcp.connect': Handler<'tcp.connect'>;
    'tcp.write': Handler<'tcp.write'>;
    'tcp.read': Handler<'tcp.read'>;
    'tcp.shutdown': Handler<'tcp.shutdown'>;
    'tcp.close': Handler<'tcp.close'>;
  };
  /** Sockets open across all tasks (for handle checks). */
  readonly open: number;
  close(): void;
}

/** Unread bytes a connection may hold before the read is failed. */
const maxBuffered = 16 * 1024 * 1024;

interface Waiter {
  effect: TcpReadEffect;
  resolve(value: string): void;
  reject(error: CoraxError): void;
}

/** One connection: a socket, one buffer, at most one read waiting on it. */
class Connection {
  buffer: Buffer = Buffer.alloc(0);
  ended = false;
  failure: CoraxError | null = null;
  waiter: Waiter | null = null;
  /** Set when we destroy the socket ourselves: its close is not a failure to report. */
  closing = false;

  constructor(
    readonly socket: net.Socket,
    readonly ioTimeout: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      if (this.buffer.length > maxBuffered) this.fail(new SocketError(`more than ${maxBuffered} unread bytes`, { code: 'ETOOBIG' }));
      else this.poke();
    });
    socket.on('end', () => {
      this.ended = true;
      this.poke();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => this.fail(socketError(error)));
    socket.on('close', () => {
      if (!this.closing && !this.ended && !this.failure) this.fail(new SocketError('connection closed', { code: 'ECLOSED' }));
    });
  }

  fail(error: CoraxError): void {
    this.failure ??= error;
    this.poke();
  }

  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  /** Bytes for the read, if the buffer can satisfy it; `null` to keep waiting. */
  take(effect: TcpReadEffect): Buffer | null {
    const buffer = this.buffer;
    switch (effect.mode) {
      case 'once':
        if (buffer.length === 0) return null;
        this.buffer = Buffer.alloc(0);
        return buffer;
      case 'until': {
        const pattern = patternBytes(effect.pattern ?? '');
        const at = buffer.indexOf(pattern);
        if (at < 0) return null;
        this.buffer = buffer.subarray(at + pattern.length);
        return buffer.subarray(0, effect.keepPattern ? at + pattern.length : at);
      }
      case 'bytes': {
        const n = effect.n ?? 0;
        if (buffer.length < n) return null;
        this.buffer = buffer.subarray(n);
        return buffer.subarray(0, n);
      }
      case 'eof':
        if (!this.ended) return null;
        this.buffer = Buffer.alloc(0);
        return buffer;
    }
  }

  /** Settles the waiting read if it can be settled now. */
  poke(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    const data = this.take(waiter.effect);
    if (data) {
      this.waiter = null;
      waiter.resolve(data.toString('utf8'));
    } else if (this.failure) {
      this.waiter = null;
      waiter.reject(this.failure);
    } else if (this.ended) {
      this.waiter = null;
      waiter.reject(new SocketError('connection closed by peer before the expected data', { code: 'EEOF' }));
    }
  }
}

function connectError(error: NodeJS.ErrnoException): CoraxError {
  if (error.code === 'ECONNREFUSED') return new ConnectionRefusedError({ cause: error });
  return error instanceof CoraxError ? error : new CoraxError(error.code ?? 'EIO', error.message, { cause: error });
}

/** Patterns are searched for as bytes; most rules use the same few. */
const patterns = new Map<string, Buffer>();
function patternBytes(pattern: string): Buffer {
  let bytes = patterns.get(pattern);
  if (!bytes) {
    bytes = Buffer.from(pattern);
    if (patterns.size < 256) patterns.set(pattern, bytes);
  }
  return bytes;
}

function socketError(error: NodeJS.ErrnoException): CoraxError {
  if (error.code === 'ECONNRESET') return new SocketError('connection reset by peer', { code: 'ECONNRESET', cause: error });
  if (error.code === 'EPIPE') return new SocketError('broken pipe', { code: 'EPIPE', cause: error });
  return new SocketError(error.message, { code: error.code ?? 'ESOCKET', cause: error });
}

/** One bounded wait: settles once, then clears its timer and runs its cleanup. */
class Bounded<T> {
  done = false;
  timer: NodeJS.Timeout | null = null;
  cleanup: (() => void) | null = null;

  constructor(
    private readonly resolve: (v: T) => void,
    private readonly reject: (e: CoraxError) => void,
  ) {}

  finish(ok: boolean, value: unknown): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.cleanup?.();
    if (ok) this.resolve(value as T);
    else this.reject(value as CoraxError);
  }
}

const connectionsKey = Symbol('corax.tcp.connections');

interface TaskConnections {
  next: number;
  byId: Map<string, Connection>;
}

/**
 * TCP over node:net. Connections belong to their task: whatever the rule
 * did, they are destroyed when the task ends.
 */
export function createTcpModule(config: Config, dns: DnsModule): TcpModule {
  const all = new Set<net.Socket>();

  const connections = (ctx: EffectContext): TaskConnections =>
    ctx.task.local(connectionsKey, () => {
      const table: TaskConnections = { next: 0, byId: new Map() };
      ctx.task.onEnd(() => {
        for (const conn of table.byId.values()) conn.destroy();
        table.byId.clear();
      });
      return table;
    });

  const get = (ctx: EffectContext, id: string): Connection => {
    const conn = connections(ctx).byId.get(id);
    if (!conn) throw new SocketError(`no open connection ${id}`, { code: 'ECLOSED' });
    return conn;
  };

  /** Waits for an operation with a timeout and the effect's cancellation. */
  function bounded<T>(ctx: EffectContext, ms: number, start: (resolve: (v: T) => void, reject: (e: CoraxError) => void) => () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const op = new Bounded<T>(resolve, reject);
      op.timer = setTimeout(() => op.finish(false, new TimeoutError()), ms);
      ctx.onCancel(() => op.finish(false, new CanceledError()));
      op.cleanup = start(
        (v) => op.finish(true, v),
        (e) => op.finish(false, e),
      );
    });
  }

  const handlers: TcpModule['handlers'] = {
    'tcp.connect': (effect, ctx) => {
      const timeout = effect.timeout ?? config.tcp.timeout;
      return bounded<net.Socket>(ctx, timeout, (resolve, reject) => {
        const options: net.NetConnectOpts = { host: effect.host, port: effect.port, noDelay: true };
        // addresses connect directly; names go through our resolver (net does not call lookup for an IP)
        if (!net.isIP(effect.host)) options.lookup = dns.netLookup({ onCancel: (fn) => ctx.onCancel(fn) });
        const socket = net.connect(options);
        socket.once('connect', () => resolve(socket));
        socket.once('error', (error: NodeJS.ErrnoException) => reject(connectError(error)));
        return () => {
          if (socket.connecting) socket.destroy(); // timed out or cancelled while connecting
        };
      }).then((socket) => {
        if (ctx.task.ended) {
          socket.destroy();
          throw new CanceledError();
        }
        all.add(socket);
        socket.once('close', () => all.delete(socket));
        const table = connections(ctx);
        const id = `tcp${table.next++}`;
        table.byId.set(id, new Connection(socket, effect.ioTimeout ?? timeout));
        return { id };
      });
    },

    'tcp.write': (effect, ctx) => {
      const conn = get(ctx, effect.conn);
      if (conn.failure) throw conn.failure;
      if (conn.socket.writableEnded) throw new SocketError('the connection was shut down for writing', { code: 'EPIPE' });
      // accepted below the high-water mark: done now (a later failure surfaces on the next operation);
      // otherwise wait for the socket to drain, within the I/O timeout
      if (conn.socket.write(typeof effect.data === 'string' ? effect.data : Buffer.from(effect.data))) return true;
      return bounded<true>(ctx, conn.ioTimeout, (resolve, reject) => {
        const onDrain = (): void => resolve(true);
        const onError = (): void => reject(conn.failure ?? new SocketError('write failed', { code: 'EPIPE' }));
        conn.socket.once('drain', onDrain);
        conn.socket.once('close', onError);
        return () => {
          conn.socket.removeListener('drain', onDrain);
          conn.socket.removeListener('close', onError);
        };
      });
    },

    'tcp.read': (effect, ctx) => {
      const conn = get(ctx, effect.conn);
      if (conn.waiter) throw new SocketError('a read is already waiting on this connection', { code: 'EBUSY' });
      const data = conn.take(effect);
      if (data) return data.toString('utf8');
      if (conn.failure) throw conn.failure;
      if (conn.ended) throw new SocketError('connection closed by peer before the expected data', { code: 'EEOF' });
      return bounded<string>(ctx, conn.ioTimeout, (resolve, reject) => {
        conn.waiter = { effect, resolve, reject };
        return () => {
          conn.waiter = null;
        };
      });
    },

    'tcp.shutdown': (effect, ctx) => {
      const conn = get(ctx, effect.conn);
      return bounded<true>(ctx, conn.ioTimeout, (resolve) => {
        conn.socket.end(() => resolve(true));
        return () => {};
      });
    },

    'tcp.close': (effect, ctx) => {
      const table = connections(ctx);
      const conn = table.byId.get(effect.conn);
      if (conn) {
        conn.destroy();
        table.byId.delete(effect.conn);
      }
      return true;
    },
  };

  return {
    handlers,
    get open() {
      return all.size;
    },
    close() {
      for (const socket of all) socket.destroy();
      all.clear();
    },
  };
}
