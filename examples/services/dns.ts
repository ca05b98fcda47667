/** An authoritative DNS server for the example zones: dns-packet over UDP and TCP on one port. */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import { zoneRecords } from './data.ts';
import { chaos } from './chaos.ts';
import type { ServiceFaults } from './index.ts';

export interface ExampleDns {
  host: string;
  port: number;
  close(): Promise<void>;
}

const soa = { type: 'SOA', name: 'corax.test', ttl: 60, data: { mname: 'ns.corax.test', rname: 'hostmaster.corax.test', serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 60 } } as Answer;

/** The answer packet for a query, from the zone. */
export function answer(query: DecodedPacket, zone = zoneRecords()): Buffer {
  const q = query.questions![0];
  const entry = zone[q.name.toLowerCase()];
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED);
  const base = { type: 'response' as const, id: query.id, questions: [q] };
  if (!entry) return dnsPacket.encode({ ...base, flags: flags | 3, authorities: [soa] }); // NXDOMAIN
  const answers = (entry.records[q.type] ?? []).map((data) => ({ type: q.type, name: q.name, ttl: 60, class: 'IN', data }) as Answer);
  return dnsPacket.encode({ ...base, flags, answers, authorities: answers.length ? [] : [soa] });
}

/**
 * DNS over TCP on one connection: reads length-prefixed messages and writes
 * back, framed, what `respond` returns (nothing for a message it cannot use).
 */
export function dnsOverTcp(socket: net.Socket, respond: (msg: Buffer) => Buffer[] | null): void {
  let buffer = Buffer.alloc(0);
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
      const msg = buffer.subarray(2, 2 + buffer.readUInt16BE(0));
      buffer = buffer.subarray(2 + msg.length);
      for (const reply of respond(msg) ?? []) {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(reply.length);
        socket.write(Buffer.concat([length, reply]));
      }
    }
  });
}

/**
 * A UDP socket and a TCP server on one port (DNS serves both). With port 0 the
 * UDP port is picked first and TCP may find it taken: then it tries again.
 */
export async function bindDnsSockets(host: string, port: number): Promise<{ udp: dgram.Socket; tcp: net.Server }> {
  for (let attempt = 0; ; attempt++) {
    const udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => resolve());
    });
    const tcp = net.createServer();
    const listening = await new Promise<boolean>((resolve, reject) => {
      tcp.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' && port === 0 && attempt < 20 ? resolve(false) : reject(error)));
      tcp.listen(udp.address().port, host, () => resolve(true));
    });
    if (listening) return { udp, tcp };
    udp.close();
  }
}

export async function startExampleDns(host = '127.0.0.1', port = 0, faults?: ServiceFaults): Promise<ExampleDns> {
  const zone = zoneRecords();
  const random = faults ? chaos(`dns:${faults.seed}`) : null;
  const { udp, tcp } = await bindDnsSockets(host, port);
  const bound = udp.address().port;
  udp.on('message', (msg, rinfo) => {
    try {
      const query = dnsPacket.decode(msg);
      if (!query.questions?.length) return;
      if (random && random() < faults!.rate) {
        if (random() < 0.5) return; // dropped: the resolver retransmits or times out
        return void udp.send(dnsPacket.encode({ type: 'response', id: query.id, flags: 2, questions: query.questions }), rinfo.port, rinfo.address); // SERVFAIL
      }
      udp.send(answer(query, zone), rinfo.port, rinfo.address);
    } catch {
      // not DNS: drop it
    }
  });
  const sockets = new Set<net.Socket>();
  tcp.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    dnsOverTcp(socket, (msg) => {
      try {
        return [answer(dnsPacket.decode(msg), zone)];
      } catch {
        socket.destroy();
        return null;
      }
    });
  });
  return {
    host,
    port: bound,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}
