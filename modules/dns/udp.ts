import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { CanceledError, CoraxError } from '../../effects/errors.ts';
import { MalformedAnswerError } from './records.ts';
import type { NameServer } from './resolv-conf.ts';
import { acceptAnswer, randomId, sameAddress, type AttemptResult, type CancelToken } from './wire.ts';

/** How many queries a socket carries before it is replaced by one on a new source port. */
export const QUERIES_PER_SOCKET = 100;

/**
 * One UDP socket to one server, shared by the queries in flight (Rspamd's
 * `dns.sockets` per server): each query has its own random id, unique on the
 * socket; a datagram goes to the query with its id, if it comes from the
 * server. After QUERIES_PER_SOCKET queries the socket takes no more and
 * closes once its last query is done, so source ports keep changing.
 */
class UdpChannel {
  readonly socket: dgram.Socket;
  readonly pending = new Map<number, UdpAttempt>();
  uses = 0;
  private closed = false;

  constructor(private readonly server: NameServer) {
    this.socket = dgram.createSocket(server.family === 6 ? 'udp6' : 'udp4');
    // an idle socket of the pool does not keep the process alive (a query in flight has its timer)
    this.socket.unref();
    this.socket.on('message', (msg, rinfo) => this.message(msg, rinfo));
    this.socket.on('error', (error) => this.fail(new CoraxError((error as NodeJS.ErrnoException).code ?? 'EIO', error.message, { cause: error })));
  }

  get full(): boolean {
    return this.closed || this.uses >= QUERIES_PER_SOCKET;
  }

  /** A random id no query in flight on this socket has. */
  freshId(): number {
    for (;;) {
      const id = randomId();
      if (!this.pending.has(id)) return id;
    }
  }

  send(attempt: UdpAttempt, id: number, query: Buffer): void {
    this.uses++;
    this.pending.set(id, attempt);
    this.socket.send(query, this.server.port, this.server.host);
  }

  release(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0 && this.full) this.close();
  }

  private message(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (rinfo.port !== this.server.port || !sameAddress(rinfo.address, this.server.host)) return; // not from the queried server
    if (msg.length < 12) return;
    this.pending.get(msg.readUInt16BE(0))?.message(msg);
  }

  /** The socket broke: it takes no more queries, and every query on it fails. */
  private fail(error: CoraxError): void {
    this.close();
    for (const attempt of [...this.pending.values()]) attempt.fail(error);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.removeAllListeners('message');
    this.socket.removeAllListeners('error');
    this.socket.on('error', ignore);
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

/** The sockets to one server: up to `size`, used in turn, each replaced when full. */
export class ChannelPool {
  private readonly channels: (UdpChannel | null)[];
  private next = 0;

  constructor(
    private readonly server: NameServer,
    size: number,
  ) {
    this.channels = new Array(size).fill(null);
  }

  take(): UdpChannel {
    const i = this.next;
    this.next = (i + 1) % this.channels.length;
    let channel = this.channels[i];
    // a full socket closes itself when its last query is done
    if (!channel || channel.full) this.channels[i] = channel = new UdpChannel(this.server);
    return channel;
  }

  close(): void {
    for (const channel of this.channels) channel?.close();
    this.channels.fill(null);
  }
}

/** One UDP exchange, on a socket of the server's pool: a class, not closures, because every query makes one. */
export class UdpAttempt {
  private readonly id: number;
  private done = false;
  private timer: NodeJS.Timeout | null = null;
  private off: (() => void) | null = null;
  /** A malformed datagram with our id: kept as the reason, but the real answer may still come. */
  private malformed: MalformedAnswerError | null = null;

  constructor(
    private readonly live: Set<{ close(): void }>,
    private readonly channel: UdpChannel,
    private readonly name: string,
    private readonly type: string,
    private readonly resolve: (result: AttemptResult) => void,
  ) {
    this.id = channel.freshId();
  }

  start(timeout: number, token: CancelToken): void {
    this.live.add(this);
    this.off = token.on(() => this.finish({ error: new CanceledError() }));
    this.timer = setTimeout(() => this.finish(this.malformed ? { error: this.malformed } : { timeout: true }), timeout);
    const query = dnsPacket.encode({ type: 'query', id: this.id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: this.type as 'A', name: this.name, class: 'IN' }] });
    this.channel.send(this, this.id, query);
  }

  close(): void {
    this.finish({ error: new CanceledError() });
  }

  /** A datagram from the server with our id. */
  message(msg: Buffer): void {
    const answer = acceptAnswer(msg, this.id, this.name, this.type);
    if (answer instanceof MalformedAnswerError) this.malformed = answer;
    else if (answer) this.finish({ packet: answer });
  }

  fail(error: CoraxError): void {
    this.finish({ error });
  }

  private finish(result: AttemptResult): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.live.delete(this);
    this.off?.();
    this.channel.release(this.id);
    this.resolve(result);
  }
}

function ignore(): void {}
