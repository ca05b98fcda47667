import type { EffectContext } from '../effects/handler.ts';
import type { Instruction } from '../effects/effect.ts';
import type { TcpConnectEffect, TcpReadEffect } from '../effects/tcp.ts';
import { ConnectionRefusedError, SocketError, TimeoutError } from '../effects/errors.ts';
import { time } from '../effects/time.ts';
import type { TestHandlers } from './test-interpreter.ts';

/** The far end of a fake connection, as the test's peer function sees it. */
export interface FakePeer {
  readonly host: string;
  readonly port: number;
  /** Queues bytes for the rule to read. */
  send(data: string): void;
  /** Ends the stream after what was sent. */
  end(): void;
}

export interface FakeTcpOptions {
  /** Called with each write; answer with `peer.send`. */
  onData(data: string, peer: FakePeer): void;
  /** Called once the rule connects (a banner goes here). */
  onConnect?(peer: FakePeer): void;
  /** Refuse connections to these ports (or all, with `true`). */
  refuse?: boolean | number[];
  /** Virtual milliseconds a read waits for data that never comes before ETIMEDOUT (default 5000). */
  readTimeout?: number;
}

interface FakeConnection {
  peer: FakePeer;
  buffer: string;
  ended: boolean;
  closed: boolean;
}

const connections = Symbol('corax.fake-tcp');

/**
 * Handlers that play a TCP peer under the test interpreter: one buffer per
 * connection, the same read semantics as the live module.
 *
 * @example
 * createTestInterpreter({ handlers: { ...fakeTcp({ onData: (line, peer) => peer.send('OK\r\n') }) } });
 */
export function fakeTcp(options: FakeTcpOptions): TestHandlers {
  const readTimeout = options.readTimeout ?? 5000;
  const table = (ctx: EffectContext): Map<string, FakeConnection> => ctx.task.local(connections, () => new Map());
  const get = (ctx: EffectContext, id: string): FakeConnection => {
    const conn = table(ctx).get(id);
    if (!conn || conn.closed) throw new SocketError('connection is closed', { code: 'ECLOSED' });
    return conn;
  };

  function take(conn: FakeConnection, effect: TcpReadEffect): string | null {
    switch (effect.mode) {
      case 'once': {
        if (!conn.buffer) return null;
        const out = conn.buffer;
        conn.buffer = '';
        return out;
      }
      case 'until': {
        const i = conn.buffer.indexOf(effect.pattern!);
        if (i < 0) return null;
        const out = conn.buffer.slice(0, effect.keepPattern ? i + effect.pattern!.length : i);
        conn.buffer = conn.buffer.slice(i + effect.pattern!.length);
        return out;
      }
      case 'bytes': {
        const bytes = Buffer.from(conn.buffer);
        if (bytes.length < effect.n!) return null;
        conn.buffer = bytes.subarray(effect.n!).toString();
        return bytes.subarray(0, effect.n!).toString();
      }
      case 'eof': {
        if (!conn.ended) return null;
        const out = conn.buffer;
        conn.buffer = '';
        return out;
      }
    }
  }

  return {
    'tcp.connect': (effect: TcpConnectEffect, ctx) => {
      const refused = options.refuse === true || (Array.isArray(options.refuse) && options.refuse.includes(effect.port));
      if (refused) throw new ConnectionRefusedError();
      const conns = table(ctx);
      const id = `tcp${conns.size}`;
      const conn: FakeConnection = { buffer: '', ended: false, closed: false, peer: null as never };
      conn.peer = {
        host: effect.host,
        port: effect.port,
        send: (data) => {
          if (!conn.ended) conn.buffer += data;
        },
        end: () => {
          conn.ended = true;
        },
      };
      conns.set(id, conn);
      options.onConnect?.(conn.peer);
      return { id };
    },
    'tcp.write': (effect, ctx) => {
      const conn = get(ctx, effect.conn);
      options.onData(typeof effect.data === 'string' ? effect.data : Buffer.from(effect.data).toString(), conn.peer);
      return true;
    },
    'tcp.read': (effect, ctx) => {
      const conn = get(ctx, effect.conn);
      const out = take(conn, effect);
      if (out !== null) return out;
      if (conn.ended) throw new SocketError('connection closed by peer', { code: 'EEOF' });
      // nothing will ever arrive: the read times out, in virtual time
      return (function* (): Generator<Instruction, never, unknown> {
        yield* time.sleep(readTimeout);
        throw new TimeoutError();
      })();
    },
    'tcp.shutdown': (effect, ctx) => {
      get(ctx, effect.conn);
      return true;
    },
    'tcp.close': (effect, ctx) => {
      const conn = table(ctx).get(effect.conn);
      if (conn) conn.closed = true;
      return true;
    },
  };
}
