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
  /** Attempts in all (Rspamd's `retransmits`), each on a fresh socket with a fresh id, rotating servers. */
  attempts: number;
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

/**
 * One UDP exchange on its own socket: a class, not closures, because every
 * query makes one.
 */
class UdpAttempt {
  private readonly id = randomId();
  private readonly socket: dgram.Socket;
  private done = false;
  private timer: NodeJS.Timeout | null = null;
  private off: (() => void) | null = null;
  /** A malformed datagram with our id: kept as the reason, but the real answer may still come. */
  private malformed: MalformedAnswerError | null = null;

  constructor(
    private readonly live: Set<{ close(): void }>,
    private readonly server: NameServer,
    private readonly name: string,
    private readonly type: string,
    private readonly resolve: (result: AttemptResult) => void,
  ) {
    this.socket = dgram.createSocket(server.family === 6 ? 'udp6' : 'udp4');
  }

  start(timeout: number, token: CancelToken): void {
    const { socket } = this;
    this.live.add(this);
    socket.on('message', (msg, rinfo) => this.message(msg, rinfo));
    socket.on('error', (error) => this.finish({ error: new CoraxError((error as NodeJS.ErrnoException).code ?? 'EIO', error.message, { cause: error }) }));
    this.off = token.on(() => this.finish({ error: new CanceledError() }));
    this.timer = setTimeout(() => this.finish(this.malformed ? { error: this.malformed } : { timeout: true }), timeout);
    const query = dnsPacket.encode({ type: 'query', id: this.id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: this.type as 'A', name: this.name, class: 'IN' }] });
    socket.send(query, this.server.port, this.server.host);
  }

  close(): void {
    this.finish({ error: new CanceledError() });
  }

  private message(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (rinfo.port !== this.server.port || !sameAddress(rinfo.address, this.server.host)) return; // not from the queried server
    const answer = acceptAnswer(msg, this.id, this.name, this.type);
    if (answer instanceof MalformedAnswerError) this.malformed = answer;
    else if (answer) this.finish({ packet: answer });
  }

  private finish(result: AttemptResult): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.live.delete(this);
    this.off?.();
    this.socket.removeAllListeners('message');
    this.socket.on('error', ignore);
    this.socket.close();
    this.resolve(result);
  }
}

function ignore(): void {}

/**
 * Our resolver's wire side: UDP with a fresh source port and a random id per
 * attempt, accepting only an answer from the queried server with our id and
 * our question; TCP when the answer is truncated.
 */
export class DnsTransport {
  private readonly live = new Set<{ close(): void }>();
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
    return new Promise((resolve) => {
      const attempt = new UdpAttempt(this.live, server, name, type, resolve);
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

  /** Drops every query in flight. */
  close(): void {
    for (const handle of [...this.live]) handle.close();
  }
}
