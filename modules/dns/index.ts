import { readFileSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { SUSPEND, type Handler } from '../../effects/handler.ts';
import type { LiveContext, LiveModule } from '../../effects/family.ts';
import type { DnsRecord, DnsSettings, DnsType } from '../../effects/dns.ts';
import { CanceledError, CoraxError, ForbiddenError, HostNotFoundError } from '../../effects/errors.ts';
import { ipVersion, isLocalAddress } from '../../effects/ip.ts';
import { interpret, wireType, type Outcome } from './records.ts';
import { parseNameServer, systemNameservers } from './resolv-conf.ts';
import { DnsTransport } from './transport.ts';
import { CancelToken } from './wire.ts';

export interface Address {
  address: string;
  family: 4 | 6;
}

export interface DnsModule extends LiveModule<'dns.request'> {
  readonly handlers: { 'dns.request': Handler<'dns.request'> };
  /** Resolves a host name to addresses for HTTP and TCP, with /etc/hosts and a TTL cache. */
  lookup(host: string, onCancel?: OnCancel): Promise<Address[]>;
  /**
   * net.connect's `lookup`, answered by `lookup`: for the HTTP agents and TCP
   * connects. With `guard`, a name with any local address is refused.
   */
  netLookup(options?: { guard?: boolean; onCancel?: OnCancel }): LookupFunction;
  close(): void;
}

/** Registers what to do when the caller no longer wants the answer (EffectContext.onCancel). */
export type OnCancel = (fn: () => void) => void;

/**
 * One question on the wire and everyone waiting for its answer. Waiters are
 * settled directly when the answer arrives (no promise chain per waiter).
 */
class Shared {
  readonly token = new CancelToken();
  readonly waiters = new Set<Waiter>();
  constructor(readonly key: string) {}
}

/** One effect waiting on a shared question: leaves when it is withdrawn (its timeout fired, or the task ended). */
class Waiter {
  constructor(
    readonly shared: Shared,
    readonly answer: (ok: boolean, value: unknown) => void,
    readonly leave: (waiter: Waiter) => void,
  ) {}

  settle(outcome: Outcome): void {
    if (outcome.error) this.answer(false, outcome.error);
    else this.answer(true, outcome.records!);
  }

  /** Nobody waits for this answer any more; returns whether it was still waiting. */
  withdraw(): boolean {
    if (!this.shared.waiters.has(this)) return false;
    this.leave(this);
    return true;
  }
}

class TtlCache {
  private readonly entries = new Map<string, { expires: number; outcome: Outcome }>();
  constructor(private readonly maxEntries: number) {}

  get(key: string): Outcome | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expires <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.outcome;
  }

  set(key: string, outcome: Outcome): void {
    if (outcome.ttl <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { expires: Date.now() + outcome.ttl * 1000, outcome });
  }
}

function hostsFile(): Map<string, Address[]> {
  const map = new Map<string, Address[]>();
  let text = '';
  try {
    text = readFileSync('/etc/hosts', 'utf8');
  } catch {
    return map;
  }
  for (const line of text.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    const family = ipVersion(address ?? '');
    if (!family) continue;
    for (const name of names) {
      const key = name.toLowerCase();
      map.set(key, [...(map.get(key) ?? []), { address, family }]);
    }
  }
  return map;
}

/**
 * The DNS module: our own resolver (dns-packet over UDP, TCP on truncation),
 * in-flight sharing of identical questions, an optional TTL cache, and the
 * per-task request cap.
 */
export function createDnsModule(ctx: LiveContext<DnsSettings>): DnsModule {
  const settings = ctx.settings;
  const servers = (settings.servers ?? systemNameservers()).map(parseNameServer);
  const transport = new DnsTransport({ servers, timeout: settings.timeout, attempts: settings.retransmits, sockets: settings.sockets });
  const inflight = new Map<string, Shared>();
  const cache = settings.cache ? new TtlCache(settings.cache.maxEntries) : null;
  const lookupCache = new TtlCache(1000);
  let hosts: Map<string, Address[]> | null = null;

  function start(key: string, rrtype: DnsType, name: string, useCache: TtlCache | null): Shared {
    const shared = new Shared(key);
    inflight.set(key, shared);
    transport.query(name, wireType[rrtype], shared.token).then(
      (packet) => answer(shared, interpret(rrtype, packet), useCache),
      (error) => answer(shared, { error: error instanceof CoraxError ? error : new CoraxError('EIO', String(error)), ttl: 0 }, useCache),
    );
    return shared;
  }

  function answer(shared: Shared, outcome: Outcome, useCache: TtlCache | null): void {
    if (inflight.get(shared.key) === shared) inflight.delete(shared.key);
    useCache?.set(shared.key, outcome);
    const waiters = [...shared.waiters];
    shared.waiters.clear();
    for (const waiter of waiters) waiter.settle(outcome);
  }

  function leave(waiter: Waiter): void {
    const shared = waiter.shared;
    shared.waiters.delete(waiter);
    if (shared.waiters.size === 0 && inflight.get(shared.key) === shared) {
      inflight.delete(shared.key);
      shared.token.cancel();
    }
  }

  /** A cached outcome as a fresh answer (the caller may keep the array); undefined when there is none. */
  function fromCache(key: string, useCache: TtlCache | null): Outcome | undefined {
    const cached = useCache?.get(key);
    if (!cached || cached.error) return cached;
    return { records: Object.assign([...cached.records!], cached.records as { authenticated?: boolean }), ttl: cached.ttl };
  }

  /** Waits for the answer to a question, shared with others asking it; returns the withdrawal. */
  function join(key: string, rrtype: DnsType, name: string, useCache: TtlCache | null, answer: (ok: boolean, value: unknown) => void): Waiter {
    const shared = inflight.get(key) ?? start(key, rrtype, name, useCache);
    const waiter = new Waiter(shared, answer, leave);
    shared.waiters.add(waiter);
    return waiter;
  }

  /** One answer for one waiter, as a promise (host lookups): shares the question in flight, leaves it when cancelled. */
  function resolve(rrtype: DnsType, name: string, onCancel: OnCancel | undefined, useCache: TtlCache | null): Promise<DnsRecord[]> {
    const key = `${rrtype}:${name.toLowerCase()}`;
    const cached = fromCache(key, useCache);
    if (cached) return cached.error ? Promise.reject(cached.error) : Promise.resolve(cached.records!);
    return new Promise<DnsRecord[]>((ok, fail) => {
      const waiter = join(key, rrtype, name, useCache, (good, value) => (good ? ok(value as DnsRecord[]) : fail(value)));
      onCancel?.(() => {
        if (waiter.withdraw()) fail(new CanceledError());
      });
    });
  }

  // the effect answers the driver straight from the resolver (a suspension): no promise per request
  const handler: Handler<'dns.request'> = (effect) => {
    const key = `${effect.rrtype}:${effect.name.toLowerCase()}`;
    const cached = fromCache(key, cache);
    if (cached) {
      if (cached.error) throw cached.error;
      return cached.records as never;
    }
    return {
      [SUSPEND](settle) {
        const waiter = join(key, effect.rrtype, effect.name, cache, settle);
        return () => void waiter.withdraw();
      },
    };
  };

  async function lookup(host: string, onCancel?: OnCancel): Promise<Address[]> {
    let bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    if (bare.endsWith('.')) bare = bare.slice(0, -1); // an absolute name: the same host
    const family = ipVersion(bare);
    if (family) return [{ address: bare, family }];
    hosts ??= hostsFile();
    const fromHosts = hosts.get(bare.toLowerCase());
    if (fromHosts) return fromHosts;
    const [v4, v6] = await Promise.allSettled([resolve('a', bare, onCancel, lookupCache), resolve('aaaa', bare, onCancel, lookupCache)]);
    const addresses: Address[] = [];
    if (v4.status === 'fulfilled') for (const a of v4.value as string[]) addresses.push({ address: a, family: 4 });
    if (v6.status === 'fulfilled') for (const a of v6.value as string[]) addresses.push({ address: a, family: 6 });
    if (addresses.length) return addresses;
    const reason = v4.status === 'rejected' ? v4.reason : (v6 as PromiseRejectedResult).reason;
    if (reason instanceof CanceledError) throw reason;
    throw new HostNotFoundError(bare, { cause: reason });
  }

  function netLookup(options: { guard?: boolean; onCancel?: OnCancel } = {}): LookupFunction {
    return ((hostname: string, opts: { family?: number; all?: boolean }, callback: (...args: unknown[]) => void) => {
      lookup(hostname, options.onCancel).then(
        (found) => {
          if (options.guard && found.some((a) => isLocalAddress(a.address))) return callback(new ForbiddenError());
          let addresses = opts.family === 4 || opts.family === 6 ? found.filter((a) => a.family === opts.family) : found;
          if (addresses.length === 0) addresses = found;
          if (opts.all) callback(null, addresses);
          else callback(null, addresses[0].address, addresses[0].family);
        },
        (error) => callback(error),
      );
    }) as LookupFunction;
  }

  return { handlers: { 'dns.request': handler }, lookup, netLookup, close: () => transport.close() };
}
