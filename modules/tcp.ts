import net from 'node:net';
import tls from 'node:tls';
import { SUSPEND, type EffectContext } from '../effects/handler.ts';
import type { LiveContext, LiveModule } from '../effects/family.ts';
import type { TcpReadEffect, TcpSettings } from '../effects/tcp.ts';
import { CanceledError, CoraxError, HostNotFoundError } from '../effects/errors.ts';
import { closedError, connectError, ReadBuffer, shutDownError, streamError } from '../effects/tcp-stream.ts';
import type { DnsModule } from './dns/index.ts';

type TcpTypes = 'tcp.connect' | 'tcp.write' | 'tcp.read' | 'tcp.shutdown' | 'tcp.close';

export interface TcpModule extends LiveModule<TcpTypes> {
  /** Sockets open across all tasks (for handle checks). */
  readonly open: number;
  close(): void;
}

interface Waiter {
  effect: TcpReadEffect;
  settle(ok: boolean, value: unknown): void;
}

/** One connection: a socket, the shared read buffer, at most one read waiting on it. */
class Connection {
  readonly buffer = new ReadBuffer();
  waiter: Waiter | null = null;
  /** Set when we destroy the socket ourselves: its close is not a failure to report. */
  closing = false;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (!this.buffer.append(chunk)) socket.destroy(); // over the buffer cap: stop reading for good
      this.poke();
    });
    socket.on('end', () => {
      this.buffer.ended = true;
      this.poke();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.buffer.fail(streamError(error.code, error.message, error));
      this.poke();
    });
    socket.on('close', () => {
      if (!this.closing && !this.buffer.ended) {
        this.buffer.fail(streamError('ECONNRESET', 'Connection reset by peer'));
        this.poke();
      }
    });
  }

  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  /** Settles the waiting read if it can be settled now. */
  poke(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    const out = this.buffer.settle(waiter.effect);
    if (!out) return;
    this.waiter = null;
    if ('data' in out) waiter.settle(true, out.data.toString('utf8'));
    else waiter.settle(false, out.error);
  }
}

const connectionsKey = Symbol('corax.tcp.connections');

interface TaskConnections {
  next: number;
  byId: Map<string, Connection>;
  /** Whether the task's end destroys them yet. */
  watched: boolean;
}

const newTable = (): TaskConnections => ({ next: 0, byId: new Map(), watched: false });

/**
 * TCP over node:net (and node:tls for `ssl`). Connections belong to their
 * task: whatever the rule did, they are destroyed when the task ends. Every
 * operation's time limit is the driver's; cancellation tears the operation
 * down (a connect in progress is destroyed, a waiting read withdrawn).
 */
export function createTcpModule(ctx: LiveContext<TcpSettings>): TcpModule {
  const dns = ctx.require<DnsModule>('dns');
  const all = new Set<net.Socket>();

  // no closure per call: this runs for every TCP operation
  const connections = (call: EffectContext): TaskConnections => {
    const table = call.task.local(connectionsKey, newTable);
    if (!table.watched) {
      table.watched = true;
      call.task.onEnd(() => {
        for (const conn of table.byId.values()) conn.destroy();
        table.byId.clear();
      });
    }
    return table;
  };

  const get = (call: EffectContext, id: string): Connection => {
    const conn = connections(call).byId.get(id);
    if (!conn) throw closedError(id);
    return conn;
  };

  const handlers: TcpModule['handlers'] = {
    // connects and reads answer the driver from the socket's events (a suspension): no promise per operation
    'tcp.connect': (effect, call) => ({
      [SUSPEND](settle) {
        const options: net.NetConnectOpts & tls.ConnectionOptions = { host: effect.host, port: effect.port, noDelay: true };
        // addresses connect directly; names go through our resolver (net does not call lookup for an IP)
        if (!net.isIP(effect.host)) options.lookup = dns.netLookup({ onCancel: (fn) => call.onCancel(fn) });
        let socket: net.Socket;
        if (effect.ssl) {
          options.servername = net.isIP(effect.host) ? undefined : effect.host;
          options.rejectUnauthorized = !effect.noSslVerify;
          socket = tls.connect(options);
        } else {
          socket = net.connect(options);
        }
        let settled = false;
        socket.once(effect.ssl ? 'secureConnect' : 'connect', () => {
          if (settled) return;
          settled = true;
          socket.removeAllListeners('error');
          if (call.task.ended) {
            socket.destroy();
            return settle(false, new CanceledError());
          }
          all.add(socket);
          socket.once('close', () => all.delete(socket));
          const table = connections(call);
          const id = `tcp${table.next++}`;
          table.byId.set(id, new Connection(socket));
          settle(true, { id });
        });
        socket.once('error', (error: NodeJS.ErrnoException) => {
          if (settled) return;
          settled = true;
          socket.destroy();
          settle(false, error instanceof HostNotFoundError || error instanceof CoraxError ? error : connectError(error.code, error.message, error));
        });
        return () => {
          if (settled) return;
          settled = true;
          socket.destroy();
        };
      },
    }),

    'tcp.write': (effect, call) => {
      const conn = get(call, effect.conn);
      if (conn.buffer.failure) throw conn.buffer.failure;
      if (conn.socket.writableEnded) throw shutDownError();
      // accepted below the high-water mark: done now (a later failure surfaces on the next operation);
      // otherwise wait for the socket to drain
      if (conn.socket.write(typeof effect.data === 'string' ? effect.data : Buffer.from(effect.data))) return true;
      return new Promise<true>((resolve, reject) => {
        const onDrain = (): void => {
          off();
          resolve(true);
        };
        const onClose = (): void => {
          off();
          reject(conn.buffer.failure ?? streamError('EPIPE', 'Broken pipe'));
        };
        const off = (): void => {
          conn.socket.removeListener('drain', onDrain);
          conn.socket.removeListener('close', onClose);
        };
        conn.socket.once('drain', onDrain);
        conn.socket.once('close', onClose);
        call.onCancel(off);
      });
    },

    'tcp.read': (effect, call) => {
      const conn = get(call, effect.conn);
      if (conn.waiter) throw new CoraxError('EBUSY', 'IO read error: a read is already waiting on this connection');
      const out = conn.buffer.settle(effect);
      if (out) {
        if ('data' in out) return out.data.toString('utf8');
        throw out.error;
      }
      return {
        [SUSPEND](settle) {
          conn.waiter = { effect, settle };
          return () => {
            if (conn.waiter?.effect === effect) conn.waiter = null;
          };
        },
      };
    },

    'tcp.shutdown': (effect, call) => {
      const conn = get(call, effect.conn);
      return new Promise<true>((resolve) => {
        conn.socket.end(() => resolve(true));
      });
    },

    'tcp.close': (effect, call) => {
      const table = connections(call);
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
    resources: () => ({ tcpSockets: all.size }),
    get open() {
      return all.size;
    },
    close() {
      for (const socket of all) socket.destroy();
      all.clear();
    },
  };
}
