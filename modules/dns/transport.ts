import dgram from 'node:dgram';
import net from 'node:net';
import { getRandomValues } from 'node:crypto';
import dnsPacket, { type DecodedPacket as Packet } from 'dns-packet';
import { CanceledError, CoraxError, DnsTimeoutError } from '../../effects/errors.ts';
import { parseIPv4, parseIPv6 } from '../../effects/ip.ts';
import { MalformedAnswerError } from './records.ts';
import type { NameServer } from './resolv-conf.ts';

export interface TransportOptions {
  servers: NameServer[];
  /** Milliseconds per attempt. */
  timeout: number;
  /** Attempts in all (Rspamd's `retransmits`), each with a fresh id, rotating servers. */
  attempts: number;
  /** UDP sockets per server (Rspamd's `dns.sockets`), each replaced after QUERIES_PER_SOCKET queries. */
  sockets: number;
}

const ids = new Uint16Array(512);
let idIndex = ids.length;

/** A random 16-bit query id (drawn in batches: one syscall per 512 queries). */
function randomId(): number {
  if (idIndex >= ids.length) {
    getRandomValues(ids);
    idIndex = 0;
  }
  return ids[idIndex++];
}

function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  const a4 = parseIPv4(a.replace(/^::ffff:/i, ''));
  const b4 = parseIPv4(b.replace(/^::ffff:/i, ''));
  if (a4 && b4) return a4.join('.') === b4.join('.');
  const a6 = parseIPv6(a);
  const b6 = parseIPv6(b);
  return !!a6 && !!b6 && a6.join(':') === b6.join(':');
}

/** Only the answer to our question counts: same name (case-insensitive), type and class. */
function answersQuestion(packet: Packet, name: string, type: string): boolean {
  const q = packet.questions?.[0];
  return !!q && q.name.toLowerCase() === name.toLowerCase() && q.type === type && (q.class ?? 'IN') === 'IN' && packet.type === 'response';
}

/** A cheap cancellation source for the resolver's own queries (no EventTarget per query). */
export class CancelToken {
  canceled = false;
  private readonly fns = new Set<() => void>();

  /** Registers `fn`; returns the function that unregisters it. */
  on(fn: () => void): () => void {
    if (this.canceled) {
      fn();
      return () => {};
    }
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }

  cancel(): void {
    if (this.canceled) return;
    this.canceled = true;
    for (const fn of [...this.fns]) fn();
    this.fns.clear();
  }
}

/**
 * Decides what a datagram from the queried server is: our answer, a malformed
 * answer to our query (an error for this query), or nothing of ours (ignored:
 * another id is stale or spoofed, another question is spoofed). Never throws.
 */
export function acceptAnswer(msg: Buffer, id: number, name: string, type: string): Packet | MalformedAnswerError | null {
  if (msg.length < 12 || msg.readUInt16BE(0) !== id) return null;
  let packet: Packet;
  try {
    packet = dnsPacket.decode(msg);
  } catch (error) {
    return new MalformedAnswerError(error instanceof Error ? error.message : String(error));
  }
  // dns-packet reads past the end of a short buffer instead of failing: a datagram cut mid-record
  if ((dnsPacket.decode as { bytes?: number }).bytes! > msg.length) return new MalformedAnswerError('the answer is cut short');
  return answersQuestion(packet, name, type) ? packet : null;
}

type AttemptResult = { packet: Packet } | { timeout: true } | { error: CoraxError };

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
  /** Takes no more queries (broken or closed). */
  private closed = false;
  private shut = false;

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

  /** The socket broke: every query on it fails, and it takes no more. */
  private fail(error: CoraxError): void {
    this.closed = true;
    for (const attempt of [...this.pending.values()]) attempt.fail(error);
    this.close();
  }

  close(): void {
    if (this.shut) return;
    this.shut = true;
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
class ChannelPool {
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
    if (!channel || channel.full) {
      if (channel && channel.pending.size === 0) channel.close();
      this.channels[i] = channel = new UdpChannel(this.server);
    }
    return channel;
  }

  close(): void {
    for (const channel of this.channels) channel?.close();
    this.channels.fill(null);
  }
}

/** One UDP exchange, on a socket of the server's pool: a class, not closures, because every query makes one. */
class UdpAttempt {
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

/**
 * Our resolver's wire side: UDP with a random id per attempt on a pool of
 * sockets per server whose source ports keep changing, accepting only an
 * answer from the queried server with our id and our question; TCP when the
 * answer is truncated.
 */
export class DnsTransport {
  private readonly live = new Set<{ close(): void }>();
  private readonly pools = new Map<NameServer, ChannelPool>();
  private rotation = 0;

  constructor(private readonly options: TransportOptions) {}

  async query(name: string, type: string, token: CancelToken): Promise<Packet> {
    const { servers, attempts, timeout } = this.options;
    const start = this.rotation++ % servers.length;
    let lastError: CoraxError | null = null;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (token.canceled) throw new CanceledError();
      const server = servers[(start + attempt) % servers.length];
      const r = await this.udp(server, name, type, timeout, token);
      if ('timeout' in r) continue;
      if ('error' in r) {
        if (r.error instanceof CanceledError) throw r.error;
        lastError = r.error;
        continue;
      }
      if (r.packet.flag_tc) {
        const t = await this.tcp(server, name, type, timeout, token);
        if ('packet' in t) return t.packet;
        if ('error' in t) throw t.error;
        continue;
      }
      return r.packet;
    }
    throw lastError ?? new DnsTimeoutError();
  }

  private udp(server: NameServer, name: string, type: string, timeout: number, token: CancelToken): Promise<AttemptResult> {
    let pool = this.pools.get(server);
    if (!pool) this.pools.set(server, (pool = new ChannelPool(server, this.options.sockets)));
    const channel = pool.take();
    return new Promise((resolve) => {
      const attempt = new UdpAttempt(this.live, channel, name, type, resolve);
      attempt.start(timeout, token);
    });
  }

  private tcp(server: NameServer, name: string, type: string, timeout: number, token: CancelToken): Promise<AttemptResult> {
    return new Promise((resolve) => {
      const id = randomId();
      const socket = net.connect({ host: server.host, port: server.port });
      let received = Buffer.alloc(0);
      let done = false;
      const handle = { close: () => finish({ error: new CanceledError() }) };
      const finish = (result: AttemptResult): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.live.delete(handle);
        off();
        socket.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => finish({ timeout: true }), timeout);
      this.live.add(handle);
      const off = token.on(() => finish({ error: new CanceledError() }));
      socket.on('connect', () => {
        const query = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: type as 'A', name, class: 'IN' }] });
        const frame = Buffer.alloc(2 + query.length);
        frame.writeUInt16BE(query.length, 0);
        query.copy(frame, 2);
        socket.write(frame);
      });
      socket.on('data', (chunk) => {
        received = Buffer.concat([received, chunk]);
        if (received.length > 65537) return finish({ error: new MalformedAnswerError('TCP answer longer than 65535 bytes') });
        if (received.length < 2) return;
        const length = received.readUInt16BE(0);
        if (received.length < 2 + length) return;
        const msg = received.subarray(2, 2 + length);
        if (msg.length < 12 || msg.readUInt16BE(0) !== id) return finish({ error: new MalformedAnswerError('TCP answer with another id') });
        const answer = acceptAnswer(msg, id, name, type);
        if (answer instanceof MalformedAnswerError) return finish({ error: answer });
        if (!answer) return finish({ error: new MalformedAnswerError('TCP answer to another question') });
        finish({ packet: answer });
      });
      socket.on('end', () => finish({ error: new MalformedAnswerError('TCP connection closed before a full answer') }));
      socket.on('error', (error) => finish({ error: new CoraxError((error as NodeJS.ErrnoException).code ?? 'EIO', error.message, { cause: error }) }));
    });
  }

  /** Drops every query in flight and closes the sockets. */
  close(): void {
    for (const handle of [...this.live]) handle.close();
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }
}
