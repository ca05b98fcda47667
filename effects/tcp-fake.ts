import { suspend, type EffectContext, type Handler } from './handler.ts';
import type { TcpReadEffect } from './tcp.ts';
import { faultErrors } from './faults.ts';
import { closedError, ReadBuffer, shutDownError, streamError } from './tcp-stream.ts';
import type { CoraxError } from './errors.ts';

/** The far end of a fake connection, as the test's peer function sees it. */
export interface FakePeer {
  readonly host: string;
  readonly port: number;
  /** Queues bytes for the rule to read. */
  send(data: string | Uint8Array): void;
  /** Ends the stream after what was sent (the rule's next read past it sees EOF). */
  end(): void;
  /** Resets the connection: the rule's reads and writes fail with `Connection reset by peer`. */
  reset(): void;
}

export interface FakeTcpOptions {
  /** Called with each write; answer with `peer.send`. */
  onData(data: string, peer: FakePeer): void;
  /** Called once the rule connects (a banner goes here). */
  onConnect?(peer: FakePeer): void;
  /** Refuse connections to these ports (or all, with `true`). */
  refuse?: boolean | number[];
}

interface FakeConnection {
  peer: FakePeer;
  buffer: ReadBuffer;
  closed: boolean;
  writeClosed: boolean;
  waiter: { effect: TcpReadEffect; resolve(value: string): void; reject(error: CoraxError): void } | null;
}

const connections = Symbol('corax.fake-tcp');

/** Settles the waiting read if the buffer can settle it now. */
function poke(conn: FakeConnection): void {
  const waiter = conn.waiter;
  if (!waiter) return;
  const out = conn.buffer.settle(waiter.effect);
  if (!out) return;
  conn.waiter = null;
  if ('data' in out) waiter.resolve(out.data.toString('utf8'));
  else waiter.reject(out.error);
}

export type FakeTcpHandlers = {
  'tcp.connect': Handler<'tcp.connect'>;
  'tcp.write': Handler<'tcp.write'>;
  'tcp.read': Handler<'tcp.read'>;
  'tcp.shutdown': Handler<'tcp.shutdown'>;
  'tcp.close': Handler<'tcp.close'>;
};

/**
 * Handlers that play a TCP peer under the test interpreter, with the live
 * module's read semantics and errors (the same framing code). A read that
 * nothing will satisfy waits, and fails when the connection's read timeout
 * fires on the virtual clock, as a real one would.
 *
 * @example
 * createTestInterpreter({ handlers: { ...fakeTcp({ onData: (line, peer) => peer.send('OK\r\n') }) } });
 */
export function fakeTcp(options: FakeTcpOptions): FakeTcpHandlers {
  const table = (ctx: EffectContext): Map<string, FakeConnection> => ctx.task.local(connections, () => new Map());
  const get = (ctx: EffectContext, id: string): FakeConnection => {
    const conn = table(ctx).get(id);
    if (!conn || conn.closed) throw closedError(id);
    return conn;
  };

  return {
    'tcp.connect': (effect, ctx) => {
      const refused = options.refuse === true || (Array.isArray(options.refuse) && options.refuse.includes(effect.port));
      if (refused) throw faultErrors.refused();
      const conns = table(ctx);
      const id = `tcp${conns.size}`;
      const conn: FakeConnection = { buffer: new ReadBuffer(), closed: false, writeClosed: false, waiter: null, peer: null as never };
      conn.peer = {
        host: effect.host,
        port: effect.port,
        send: (data) => {
          if (conn.buffer.ended || conn.closed) return;
          conn.buffer.append(typeof data === 'string' ? Buffer.from(data) : data);
          poke(conn);
        },
        end: () => {
          conn.buffer.ended = true;
          poke(conn);
        },
        reset: () => {
          conn.buffer.fail(streamError('ECONNRESET', 'Connection reset by peer'));
          poke(conn);
        },
      };
      conns.set(id, conn);
      options.onConnect?.(conn.peer);
      return { id };
    },
    'tcp.write': (effect, ctx) => {
      const conn = get(ctx, effect.conn);
      if (conn.buffer.failure) throw conn.buffer.failure;
      if (conn.writeClosed) throw shutDownError();
      options.onData(typeof effect.data === 'string' ? effect.data : Buffer.from(effect.data).toString(), conn.peer);
      return true;
    },
    'tcp.read': (effect, ctx) => {
      const conn = get(ctx, effect.conn);
      const out = conn.buffer.settle(effect);
      if (out) {
        if ('data' in out) return out.data.toString('utf8');
        throw out.error;
      }
      return suspend<string>((resolve, reject) => {
        conn.waiter = { effect, resolve, reject };
        return () => {
          conn.waiter = null;
        };
      });
    },
    'tcp.shutdown': (effect, ctx) => {
      get(ctx, effect.conn).writeClosed = true;
      return true;
    },
    'tcp.close': (effect, ctx) => {
      const conn = table(ctx).get(effect.conn);
      if (conn) conn.closed = true;
      return true;
    },
  };
}
