import net from 'node:net';
import dnsPacket, { type DecodedPacket as Packet } from 'dns-packet';
import { CanceledError, CoraxError, DnsTimeoutError } from '../../effects/errors.ts';
import { MalformedAnswerError } from './records.ts';
import type { NameServer } from './resolv-conf.ts';
import { ChannelPool, UdpAttempt } from './udp.ts';
import { acceptAnswer, randomId, type AttemptResult, type CancelToken } from './wire.ts';

export interface TransportOptions {
  servers: NameServer[];
  /** Milliseconds per attempt. */
  timeout: number;
  /** Attempts in all (Rspamd's `retransmits`), each with a fresh id, rotating servers. */
  attempts: number;
  /** UDP sockets per server (Rspamd's `dns.sockets`), each replaced after QUERIES_PER_SOCKET queries. */
  sockets: number;
}

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
