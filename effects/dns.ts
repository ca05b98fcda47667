import { DnsRefusedError, DnsTimeoutError, LimitError, NodataError, NxdomainError, ServfailError, type CoraxError } from './errors.ts';
import { perform, type Operation, type Result } from './effect.ts';
import { scheduleCallback, type CallbackTask } from './callback.ts';
import { defineFamily } from './family.ts';
import { count, invalid, onlyKeys, positive, section } from './config-check.ts';
import { reverseName } from './ip.ts';
import { parseHostPort } from './host-port.ts';

export type DnsType = 'a' | 'aaaa' | 'txt' | 'mx' | 'ptr' | 'ns' | 'soa' | 'cname' | 'srv';

export const dnsTypes: readonly DnsType[] = ['a', 'aaaa', 'txt', 'mx', 'ptr', 'ns', 'soa', 'cname', 'srv'];

export interface MxRecord {
  name: string;
  priority: number;
}

/** An SOA record with Rspamd's field names. */
export interface SoaRecord {
  /** The primary name server (MNAME). */
  ns: string;
  /** The responsible mailbox (RNAME). */
  contact: string;
  serial: number;
  refresh: number;
  retry: number;
  expiry: number;
  /** The negative-caching TTL (MINIMUM). */
  nx: number;
}

export interface SrvRecord {
  target: string;
  port: number;
  priority: number;
  weight: number;
}

/** The record a query of each type answers with. TXT strings of one record are joined. */
export interface DnsAnswers {
  a: string;
  aaaa: string;
  txt: string;
  mx: MxRecord;
  ptr: string;
  ns: string;
  soa: SoaRecord;
  cname: string;
  srv: SrvRecord;
}

export type DnsRecord = DnsAnswers[DnsType];

export interface DnsRequestOptions<T extends DnsType = DnsType> {
  type: T;
  name: string;
  /** Milliseconds for the whole query, retransmits included (default `dns.timeout` × `dns.retransmits`). */
  timeout?: number;
  /** Not counted against the per-task cap (Rspamd's `forced`). */
  forced?: boolean;
}

export interface DnsRequestEffect {
  readonly type: 'dns.request';
  rrtype: DnsType;
  name: string;
  timeout?: number;
  forced?: boolean;
}

/**
 * The records of an answer, and whether the resolver said they are
 * authenticated (the AD flag; Rspamd's `results.authenticated`).
 */
export type DnsRecords<T extends DnsType = DnsType> = DnsAnswers[T][] & { authenticated?: boolean };

export interface DnsCallbackOptions<T extends DnsType = DnsType> extends DnsRequestOptions<T> {
  task: CallbackTask;
  callback(err: CoraxError | null, records: DnsRecords<T> | undefined): void;
}

/** The `dns` config section. */
export interface DnsConfig {
  /** `ip` or `ip:port` (IPv6 as `[::1]:53`); default: the nameservers of /etc/resolv.conf. */
  servers?: string[];
  /** Milliseconds per attempt (Rspamd's `dns.timeout`, default 1000). */
  timeout?: number;
  /** Attempts per query, rotating servers (Rspamd's `dns.retransmits`, default 5): a dead server fails after timeout × retransmits. */
  retransmits?: number;
  /** DNS requests one task may make (Rspamd's `dns_max_requests`, default 64). */
  maxRequests?: number;
  /**
   * UDP sockets per server (Rspamd's `dns.sockets`, default 16): queries in
   * flight share them, each with its own random id, and a socket is replaced
   * by one on a new source port after 100 queries.
   */
  sockets?: number;
  /** Cache answers for their TTL (default off). */
  cache?: boolean | { maxEntries?: number };
}

export interface DnsSettings {
  readonly servers?: readonly string[];
  readonly timeout: number;
  readonly retransmits: number;
  readonly maxRequests: number;
  readonly sockets: number;
  readonly cache: { readonly maxEntries: number } | null;
}

declare module './effect.ts' {
  interface EffectDescriptors {
    'dns.request': DnsRequestEffect;
  }
  interface EffectResults {
    'dns.request': DnsRecords;
  }
}

declare module './family.ts' {
  interface FamilyConfigs {
    dns: [DnsConfig, DnsSettings];
  }
}

function DnsRequest(opts: DnsRequestOptions): DnsRequestEffect {
  if (!dnsTypes.includes(opts?.type)) throw new TypeError(`dns.request: \`type\` must be one of ${dnsTypes.join(', ')}, got ${JSON.stringify(opts?.type)}`);
  if (typeof opts.name !== 'string' || opts.name === '') throw new TypeError('dns.request: `name` must be a non-empty string');
  let name = opts.name.endsWith('.') ? opts.name.slice(0, -1) : opts.name;
  if (opts.type === 'ptr') name = reverseName(name);
  const effect: DnsRequestEffect = { type: 'dns.request', rrtype: opts.type, name };
  if (opts.timeout !== undefined) effect.timeout = opts.timeout;
  if (opts.forced) effect.forced = true;
  return effect;
}

/**
 * A DNS query. For `ptr`, an IP address is turned into its reverse name.
 * `records.authenticated` is the resolver's AD flag. Past the per-task cap
 * (`dns.maxRequests`, 64) the query fails with ELIMIT, and the callback form
 * returns false and never calls back, as Rspamd does; `forced` skips the cap.
 *
 * @example
 * const [err, addrs] = yield* dns.request({ type: 'a', name: 'example.com' });
 * if (!err) task.insertResult('DNS', 1.0, addrs[0]);
 */
function request<T extends DnsType>(opts: DnsCallbackOptions<T>): boolean;
function request<T extends DnsType>(opts: DnsRequestOptions<T>): Operation<Result<DnsRecords<T>>>;
function request(opts: DnsRequestOptions | DnsCallbackOptions): Operation<Result<DnsRecords>> | boolean {
  if ('callback' in opts && typeof opts.callback === 'function') {
    const { callback } = opts;
    const effect = DnsRequest(opts);
    const op = perform(effect);
    return scheduleCallback(
      opts.task,
      'dns.request',
      function* () {
        const [err, records] = yield* op;
        callback(err, records as never);
      },
      effect,
    );
  }
  return perform(DnsRequest(opts));
}

/** The DNS effect family. */
export const dns = { request };

const requestCount = Symbol('corax.dns.requests');

export const dnsFamily = defineFamily<'dns.request', DnsSettings>({
  name: 'dns',
  config: {
    key: 'dns',
    resolve(input) {
      const dnsIn = section('dns', input);
      onlyKeys('dns', dnsIn, ['servers', 'timeout', 'retransmits', 'maxRequests', 'sockets', 'cache']);
      if (dnsIn.servers !== undefined) {
        if (!Array.isArray(dnsIn.servers) || dnsIn.servers.length === 0) invalid('dns.servers', dnsIn.servers, 'a non-empty array of "ip" or "ip:port" strings');
        (dnsIn.servers as unknown[]).forEach((s, i) => {
          if (typeof s !== 'string' || !parseHostPort(s, 53)) invalid(`dns.servers[${i}]`, s, '"ip" or "ip:port"');
        });
      }
      let cache: { maxEntries: number } | null = null;
      if (dnsIn.cache === true) cache = { maxEntries: 10000 };
      else if (dnsIn.cache !== undefined && dnsIn.cache !== false) {
        const c = section('dns.cache', dnsIn.cache);
        onlyKeys('dns.cache', c, ['maxEntries']);
        cache = { maxEntries: count('dns.cache.maxEntries', c.maxEntries, 10000, 1) };
      }
      return Object.freeze({
        servers: dnsIn.servers ? Object.freeze([...(dnsIn.servers as string[])]) : undefined,
        timeout: positive('dns.timeout', dnsIn.timeout, 1000),
        retransmits: count('dns.retransmits', dnsIn.retransmits, 5, 1),
        maxRequests: count('dns.maxRequests', dnsIn.maxRequests, 64, 1),
        sockets: count('dns.sockets', dnsIn.sockets, 16, 1),
        cache,
      });
    },
  },
  effects: {
    'dns.request': {
      timeout: (e, s) => e.timeout ?? (s?.timeout ?? 1000) * (s?.retransmits ?? 5),
      timeoutError: () => new DnsTimeoutError(),
      describe: (e) => `${e.rrtype} ${e.name}`,
      admit(effect, scope, s) {
        if (effect.forced) return undefined;
        // counted once per descriptor: a callback-style call is admitted when it is made, then performed
        const counter = scope.local(requestCount, () => ({ n: 0, seen: new WeakSet<object>() }));
        if (counter.seen.has(effect)) return undefined;
        counter.seen.add(effect);
        const max = s?.maxRequests ?? 64;
        if (++counter.n > max) return new LimitError(`DNS request limit reached: ${max} per task (dns.maxRequests)`);
        return undefined;
      },
      // the AD flag travels with the records in a recording
      encodeResult: (records) => (records.authenticated ? { records: [...records], authenticated: true } : [...records]),
      decodeResult: (value) => (Array.isArray(value) ? (value as DnsRecords) : Object.assign([...(value as { records: DnsRecord[] }).records], { authenticated: true })),
      faults: {
        nxdomain: () => new NxdomainError(),
        nodata: () => new NodataError(),
        servfail: () => new ServfailError(),
        refused: () => new DnsRefusedError(),
        timeout: () => new DnsTimeoutError(),
      },
    },
  },
});
