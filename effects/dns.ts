import type { CoraxError } from './errors.ts';
import { perform, type Operation, type Result } from './effect.ts';
import { scheduleCallback, type CallbackTask } from './callback.ts';
import { reverseName } from './ip.ts';

export type DnsType = 'a' | 'aaaa' | 'txt' | 'mx' | 'ptr' | 'ns' | 'soa' | 'cname' | 'srv';

export const dnsTypes: readonly DnsType[] = ['a', 'aaaa', 'txt', 'mx', 'ptr', 'ns', 'soa', 'cname', 'srv'];

export interface MxRecord {
  name: string;
  priority: number;
}

export interface SoaRecord {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
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
  /** Milliseconds for the whole query, retransmits included. */
  timeout?: number;
}

export interface DnsRequestEffect {
  readonly type: 'dns.request';
  rrtype: DnsType;
  name: string;
  timeout?: number;
}

export interface DnsCallbackOptions<T extends DnsType = DnsType> extends DnsRequestOptions<T> {
  task: CallbackTask;
  callback(err: CoraxError | null, records: DnsAnswers[T][] | undefined): void;
}

function DnsRequest(opts: DnsRequestOptions): DnsRequestEffect {
  if (!dnsTypes.includes(opts?.type)) throw new TypeError(`dns.request: \`type\` must be one of ${dnsTypes.join(', ')}, got ${JSON.stringify(opts?.type)}`);
  if (typeof opts.name !== 'string' || opts.name === '') throw new TypeError('dns.request: `name` must be a non-empty string');
  let name = opts.name.endsWith('.') ? opts.name.slice(0, -1) : opts.name;
  if (opts.type === 'ptr') name = reverseName(name);
  const effect: DnsRequestEffect = { type: 'dns.request', rrtype: opts.type, name };
  if (opts.timeout !== undefined) effect.timeout = opts.timeout;
  return effect;
}

/**
 * A DNS query. For `ptr`, an IP address is turned into its reverse name.
 *
 * @example
 * const [err, addrs] = yield* dns.request({ type: 'a', name: 'example.com' });
 * if (!err) task.insertResult('DNS', 1.0, addrs[0]);
 */
function request<T extends DnsType>(opts: DnsCallbackOptions<T>): boolean;
function request<T extends DnsType>(opts: DnsRequestOptions<T>): Operation<Result<DnsAnswers[T][]>>;
function request(opts: DnsRequestOptions | DnsCallbackOptions): Operation<Result<DnsRecord[]>> | boolean {
  if ('callback' in opts && typeof opts.callback === 'function') {
    const { callback } = opts;
    const effect = DnsRequest(opts);
    return scheduleCallback(opts.task, 'dns.request', function* () {
      const [err, records] = yield* perform(effect);
      callback(err, records as never);
    });
  }
  return perform(DnsRequest(opts));
}

/** The DNS effect family. */
export const dns = { request };
