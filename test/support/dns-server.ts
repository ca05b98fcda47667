/**
 * An authoritative DNS server for tests, on dns-packet over UDP and TCP (same
 * port), with records of every type and every misbehaviour the resolver must
 * survive: NXDOMAIN, NODATA, SERVFAIL, truncation, garbage, wrong ids, wrong
 * questions, answers from the wrong port, and silence.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import { bindDnsSockets, dnsOverTcp } from '../../examples/services/dns.ts';

export type Behaviour = 'authenticated' | 'servfail' | 'truncate' | 'cut' | 'malformed' | 'wrong-id' | 'wrong-id-then-right' | 'wrong-question' | 'spoofed-port' | 'silent' | 'slow' | 'refused';

export interface ZoneEntry {
  records?: Partial<Record<string, unknown[]>>;
  behaviour?: Behaviour;
  ttl?: number;
}

export const testZone: Record<string, ZoneEntry> = {
  'a.test': { records: { A: ['192.0.2.1', '192.0.2.2'] } },
  'aaaa.test': { records: { AAAA: ['2001:db8::1'] } },
  'txt.test': { records: { TXT: [['v=spf1 ', 'include:x.test ', '-all'], ['second']] } },
  'mx.test': { records: { MX: [{ preference: 10, exchange: 'mx1.test' }, { preference: 20, exchange: 'mx2.test' }] } },
  '1.2.0.192.in-addr.arpa': { records: { PTR: ['host.test'] } },
  'ns.test': { records: { NS: ['ns1.test', 'ns2.test'] } },
  'soa.test': { records: { SOA: [{ mname: 'ns1.test', rname: 'hostmaster.test', serial: 2026112501, refresh: 3600, retry: 600, expire: 86400, minimum: 300 }] } },
  'cname.test': { records: { CNAME: ['a.test'] } },
  '_sip._tcp.test': { records: { SRV: [{ priority: 10, weight: 5, port: 5060, target: 'sip.test' }] } },
  'nodata.test': { records: { A: ['192.0.2.9'] } },
  'local.test': { records: { A: ['127.0.0.1'] } },
  'private.test': { records: { A: ['10.1.2.3'] } },
  'mapped.test': { records: { AAAA: ['::ffff:127.0.0.1'] } },
  'servfail.test': { behaviour: 'servfail' },
  'refused.test': { behaviour: 'refused' },
  'big.test': { behaviour: 'truncate', records: { A: Array.from({ length: 40 }, (_, i) => `198.51.100.${i + 1}`) } },
  'malformed.test': { behaviour: 'malformed' },
  'cut.test': { behaviour: 'cut', records: { A: ['192.0.2.31', '192.0.2.32'] } },
  'ula.test': { records: { AAAA: ['fd00::1'] } },
  'nat64.test': { records: { AAAA: ['64:ff9b::7f00:1'] } },
  'wrongid.test': { behaviour: 'wrong-id' },
  'wrongid-then-right.test': { behaviour: 'wrong-id-then-right', records: { A: ['192.0.2.77'] } },
  'wrongq.test': { behaviour: 'wrong-question' },
  'spoof.test': { behaviour: 'spoofed-port', records: { A: ['192.0.2.66'] } },
  'silent.test': { behaviour: 'silent' },
  'slow.test': { behaviour: 'slow', records: { A: ['192.0.2.55'] } },
  'ad.test': { behaviour: 'authenticated', records: { A: ['192.0.2.99'] } },
};

export interface DnsTestServer {
  host: string;
  port: number;
  address: string;
  /** How many queries arrived per `TYPE name`. */
  queries: Map<string, number>;
  /** Source ports queries came from, in order. */
  sourcePorts: number[];
  ids: number[];
  zone: Record<string, ZoneEntry>;
  close(): Promise<void>;
}

function answersFor(entry: ZoneEntry | undefined, name: string, type: string): Answer[] {
  const records = entry?.records ?? {};
  const out: Answer[] = [];
  const cname = records.CNAME;
  if (cname && type !== 'CNAME') {
    out.push({ type: 'CNAME', name, ttl: entry?.ttl ?? 60, data: cname[0] } as Answer);
    return out;
  }
  for (const data of records[type] ?? []) out.push({ type, name, ttl: entry?.ttl ?? 60, class: 'IN', data } as Answer);
  return out;
}

/** An exact entry, or a wildcard `*.parent` one. */
function lookupZone(zone: Record<string, ZoneEntry>, name: string): ZoneEntry | undefined {
  const key = name.toLowerCase();
  return zone[key] ?? zone[`*${key.slice(key.indexOf('.'))}`];
}

function respond(zone: Record<string, ZoneEntry>, query: DecodedPacket, overTcp: boolean): Buffer[] | null {
  const q = query.questions![0];
  const entry = lookupZone(zone, q.name);
  const base = { type: 'response' as const, id: query.id, questions: query.questions };
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | (query.flags! & dnsPacket.RECURSION_DESIRED);
  const soa = { type: 'SOA', name: 'test', ttl: 30, data: { mname: 'ns1.test', rname: 'h.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 30 } } as Answer;
  switch (entry?.behaviour) {
    case 'servfail':
      return [dnsPacket.encode({ ...base, flags: flags | 2 })];
    case 'refused':
      return [dnsPacket.encode({ ...base, flags: flags | 5 })];
    case 'malformed': {
      const garbage = Buffer.from('\x00\x00\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x07garbage\xff\xff\xff', 'latin1');
      garbage.writeUInt16BE(query.id!, 0);
      return [garbage];
    }
    case 'wrong-id':
      return [dnsPacket.encode({ ...base, id: (query.id! + 1) & 0xffff, flags, answers: [{ type: 'A', name: q.name, data: '203.0.113.1' } as Answer] })];
    case 'wrong-id-then-right':
      return [
        dnsPacket.encode({ ...base, id: (query.id! + 1) & 0xffff, flags, answers: [{ type: 'A', name: q.name, data: '203.0.113.1' } as Answer] }),
        dnsPacket.encode({ ...base, flags, answers: answersFor(entry, q.name, q.type) }),
      ];
    case 'wrong-question':
      return [dnsPacket.encode({ ...base, flags, questions: [{ type: 'A', name: 'other.test' }], answers: [{ type: 'A', name: 'other.test', data: '203.0.113.2' } as Answer] })];
    case 'silent':
      return null;
    case 'truncate':
      if (!overTcp) return [dnsPacket.encode({ ...base, flags: flags | dnsPacket.TRUNCATED_RESPONSE })];
      break;
    case 'authenticated':
      return [dnsPacket.encode({ ...base, flags: flags | dnsPacket.AUTHENTIC_DATA, answers: answersFor(entry, q.name, q.type) })];
    case 'cut': {
      // a datagram cut short mid-record, with no TC bit to say so
      const whole = dnsPacket.encode({ ...base, flags, answers: answersFor(entry, q.name, q.type) });
      return [whole.subarray(0, whole.length - 3)];
    }
  }
  if (!entry) return [dnsPacket.encode({ ...base, flags: flags | 3, authorities: [soa] })];
  const answers = answersFor(entry, q.name, q.type);
  return [dnsPacket.encode({ ...base, flags, answers, authorities: answers.length ? [] : [soa] })];
}

export async function startDnsServer(zone: Record<string, ZoneEntry> = testZone, host = '127.0.0.1'): Promise<DnsTestServer> {
  const { udp, tcp } = await bindDnsSockets(host, 0);
  const port = udp.address().port;
  const spoofer = dgram.createSocket('udp4');
  await new Promise<void>((r) => spoofer.bind(0, host, r));
  const queries = new Map<string, number>();
  const sourcePorts: number[] = [];
  const ids: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<net.Socket>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const decodeQuery = (msg: Buffer): DecodedPacket | null => {
    try {
      const q = dnsPacket.decode(msg);
      return q.questions?.length ? q : null;
    } catch {
      return null;
    }
  };

  udp.on('message', (msg, rinfo) => {
    const query = decodeQuery(msg);
    if (!query) return;
    const q = query.questions![0];
    const key = `${q.type} ${q.name.toLowerCase()}`;
    queries.set(key, (queries.get(key) ?? 0) + 1);
    sourcePorts.push(rinfo.port);
    ids.push(query.id!);
    const entry = lookupZone(zone, q.name);
    const replies = respond(zone, query, false);
    if (!replies) return;
    if (entry?.behaviour === 'spoofed-port') {
      spoofer.send(replies[0], rinfo.port, rinfo.address);
      later(20, () => udp.send(replies[0], rinfo.port, rinfo.address));
      return;
    }
    if (entry?.behaviour === 'slow') {
      later(60, () => udp.send(replies[0], rinfo.port, rinfo.address));
      return;
    }
    replies.forEach((reply, i) => (i === 0 ? udp.send(reply, rinfo.port, rinfo.address) : later(10 * i, () => udp.send(reply, rinfo.port, rinfo.address))));
  });

  tcp.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    dnsOverTcp(socket, (msg) => {
      const query = decodeQuery(msg);
      if (!query) return null;
      const q = query.questions![0];
      const key = `TCP ${q.type} ${q.name.toLowerCase()}`;
      queries.set(key, (queries.get(key) ?? 0) + 1);
      return respond(zone, query, true);
    });
  });

  return {
    host,
    port,
    address: `${host}:${port}`,
    queries,
    sourcePorts,
    ids,
    zone,
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => spoofer.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}
