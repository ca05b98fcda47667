import type { Answer, Packet } from 'dns-packet';
import type { DnsRecord, DnsType } from '../../effects/dns.ts';
import { CoraxError, DnsRefusedError, NodataError, NxdomainError, ServfailError } from '../../effects/errors.ts';
import { ipVersion } from '../../effects/ip.ts';

export const wireType: Record<DnsType, string> = {
  a: 'A',
  aaaa: 'AAAA',
  txt: 'TXT',
  mx: 'MX',
  ptr: 'PTR',
  ns: 'NS',
  soa: 'SOA',
  cname: 'CNAME',
  srv: 'SRV',
};

export class MalformedAnswerError extends CoraxError {
  override name = 'MalformedAnswerError';
  constructor(reason: string) {
    super('EMALFORMED', `malformed DNS answer: ${reason}`);
  }
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  throw new MalformedAnswerError('unexpected record data');
}

function record(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new MalformedAnswerError('unexpected record data');
  return value as Record<string, unknown>;
}

function number(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new MalformedAnswerError('unexpected record data');
  return value;
}

function convert(rrtype: DnsType, answer: Answer): DnsRecord {
  const data = (answer as { data: unknown }).data as never;
  switch (rrtype) {
    case 'a':
    case 'aaaa': {
      const address = text(data);
      if (ipVersion(address) !== (rrtype === 'a' ? 4 : 6)) throw new MalformedAnswerError(`not an ${rrtype === 'a' ? 'IPv4' : 'IPv6'} address`);
      return address;
    }
    case 'ptr':
    case 'ns':
    case 'cname':
      return text(data);
    case 'txt':
      return (Array.isArray(data) ? data : [data]).map(text).join('');
    case 'mx': {
      const mx = record(data);
      return { name: text(mx.exchange), priority: number(mx.preference) };
    }
    case 'srv': {
      const srv = record(data);
      return { target: text(srv.target), port: number(srv.port), priority: number(srv.priority), weight: number(srv.weight) };
    }
    case 'soa': {
      const soa = record(data);
      return {
        ns: text(soa.mname),
        contact: text(soa.rname),
        serial: number(soa.serial),
        refresh: number(soa.refresh),
        retry: number(soa.retry),
        expiry: number(soa.expire),
        nx: number(soa.minimum),
      };
    }
  }
}

export interface Outcome {
  records?: DnsRecord[];
  error?: CoraxError;
  /** Seconds to cache the outcome for; 0 = do not cache. */
  ttl: number;
}

/** How long a negative answer may be cached: the SOA's TTL, capped by its minimum. */
function negativeTtl(packet: Packet): number {
  const soa = packet.authorities?.find((a) => a.type === 'SOA') as { ttl?: number; data?: { minimum?: number } } | undefined;
  return soa ? Math.min(soa.ttl ?? 0, soa.data?.minimum ?? 0) : 0;
}

/** Turns an answer packet into records or the DESIGN error for its rcode. */
export function interpret(rrtype: DnsType, packet: Packet): Outcome {
  const rcode = (packet as { rcode?: string }).rcode;
  if (rcode === 'NXDOMAIN') return { error: new NxdomainError(), ttl: negativeTtl(packet) };
  if (rcode === 'SERVFAIL') return { error: new ServfailError(), ttl: 0 };
  if (rcode === 'REFUSED') return { error: new DnsRefusedError(), ttl: 0 };
  if (rcode && rcode !== 'NOERROR') return { error: new CoraxError(rcode, `DNS server answered ${rcode}`), ttl: 0 };
  const type = wireType[rrtype];
  const matching = (packet.answers ?? []).filter((a) => a.type === type);
  if (matching.length === 0) return { error: new NodataError(), ttl: negativeTtl(packet) };
  const records: DnsRecord[] = [];
  let ttl = Infinity;
  try {
    for (const answer of matching) {
      records.push(convert(rrtype, answer));
      ttl = Math.min(ttl, (answer as { ttl?: number }).ttl ?? 0);
    }
  } catch (error) {
    return { error: error instanceof MalformedAnswerError ? error : new MalformedAnswerError('unexpected record data'), ttl: 0 };
  }
  if ((packet as { flag_ad?: boolean }).flag_ad) (records as DnsRecord[] & { authenticated?: boolean }).authenticated = true;
  return { records, ttl };
}
