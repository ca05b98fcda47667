import { CoraxError } from '../effects/errors.ts';
import type { RedisParams } from '../effects/redis.ts';
import type { SymbolDefinition } from './symbol.ts';

/** Actions in order of severity, Rspamd's names. */
export const actionNames = ['reject', 'soft reject', 'rewrite subject', 'add header', 'greylist'] as const;
export type ActionName = (typeof actionNames)[number];
export type Action = ActionName | 'no action';

/** Rspamd's default thresholds. */
export const defaultActions: Readonly<Partial<Record<ActionName, number>>> = { reject: 15, 'add header': 6, greylist: 4 };

export interface DnsConfig {
  /** `ip` or `ip:port` (IPv6 as `[::1]:53`); default: the nameservers of /etc/resolv.conf. */
  servers?: string[];
  /** Milliseconds per attempt (default 1000). */
  timeout?: number;
  /** Further attempts after the first (default 2). */
  retransmits?: number;
  /** DNS requests one task may make (Rspamd's default, 64). */
  maxRequests?: number;
  /** Cache answers for their TTL (default off). */
  cache?: boolean | { maxEntries?: number };
}

export interface HttpConfig {
  /** Default request timeout in ms (default 5000). */
  timeout?: number;
  /** Default largest response body in bytes (default 10 MiB). */
  maxSize?: number;
  /** Connections kept per origin (default 32). */
  connections?: number;
  userAgent?: string;
}

export interface TcpConfig {
  /** Default connect and read/write timeout in ms (default 5000). */
  timeout?: number;
}

/** The global Redis section; other object-valued keys are named sections for `redis.params(name)`. */
export type RedisConfig = RedisParams & { [section: string]: RedisParams | string | number | undefined };

export interface ServerConfig {
  /** `host:port` (default 127.0.0.1:11333). */
  bind?: string;
  /** Largest scan request body in bytes (default 50 MiB). */
  maxBodySize?: number;
  /** Most request headers accepted (default 100). */
  maxHeaders?: number;
  /** Largest header block in bytes (default 16 KiB). */
  maxHeaderSize?: number;
  /** When set, /stat and /metrics need `Password: <this>`. */
  password?: string;
  workers?: number;
}

export interface ConfigInput {
  symbols: readonly SymbolDefinition[];
  /** Scores by result name; they win over a symbol's own `score`. */
  scores?: Record<string, number>;
  actions?: Partial<Record<ActionName | 'add_header' | 'rewrite_subject' | 'soft_reject', number | null>>;
  /** Milliseconds a scan may take (default 8000). */
  taskTimeout?: number;
  dns?: DnsConfig;
  redis?: RedisConfig;
  http?: HttpConfig;
  tcp?: TcpConfig;
  server?: ServerConfig;
}

export interface Config {
  readonly symbols: readonly SymbolDefinition[];
  readonly scores: Readonly<Record<string, number>>;
  readonly actions: Readonly<Partial<Record<ActionName, number>>>;
  readonly taskTimeout: number;
  readonly dns: Readonly<Required<Omit<DnsConfig, 'servers' | 'cache'>>> & { readonly servers?: readonly string[]; readonly cache: { maxEntries: number } | null };
  readonly redis: RedisConfig;
  readonly http: Readonly<Required<Omit<HttpConfig, 'userAgent'>>> & { readonly userAgent?: string };
  readonly tcp: Readonly<Required<TcpConfig>>;
  readonly server: Readonly<Required<Omit<ServerConfig, 'password'>>> & { readonly password?: string };
}

export class ConfigError extends CoraxError {
  override name = 'ConfigError';
  constructor(message: string) {
    super('ECONFIG', message);
  }
}

const CONFIG = Symbol.for('corax.config');

function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function fail(path: string, value: unknown, allowed: string): never {
  throw new ConfigError(`invalid config: ${path} is ${show(value)}; expected ${allowed}`);
}

function objectAt(path: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, value, 'an object');
  return value as Record<string, unknown>;
}

function onlyKeys(path: string, obj: Record<string, unknown>, keys: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!keys.includes(key)) throw new ConfigError(`invalid config: unknown option ${path}.${key}; known options are ${keys.join(', ')}`);
  }
}

function positive(path: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(path, value, 'a positive number');
  return value;
}

function count(path: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) fail(path, value, `an integer >= ${min}`);
  return value;
}

/** `host:port`, `[v6]:port`. */
export const hostPort = /^(?:\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/;

export function parseHostPort(value: string, defaultPort: number): { host: string; port: number } {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracket) return { host: bracket[1], port: bracket[2] ? Number(bracket[2]) : defaultPort };
  const colons = value.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = value.split(':');
    return { host, port: Number(port) };
  }
  return { host: value, port: defaultPort };
}

const redisKeys = ['servers', 'read_servers', 'write_servers', 'db', 'username', 'password', 'timeout', 'prefix', 'sentinels', 'sentinel_master'];

function checkRedisParams(path: string, params: Record<string, unknown>): void {
  for (const key of ['servers', 'read_servers', 'write_servers', 'username', 'password', 'prefix', 'sentinels', 'sentinel_master']) {
    if (params[key] !== undefined && typeof params[key] !== 'string') fail(`${path}.${key}`, params[key], 'a string');
  }
  if (params.db !== undefined) count(`${path}.db`, params.db, 0);
  if (params.timeout !== undefined) positive(`${path}.timeout`, params.timeout, 0);
}

function resolveRedis(value: unknown): RedisConfig {
  const redis = objectAt('redis', value);
  const out: RedisConfig = {};
  const globalParams: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(redis)) {
    if (redisKeys.includes(key)) globalParams[key] = v;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      onlyKeys(`redis.${key}`, v as Record<string, unknown>, redisKeys);
      checkRedisParams(`redis.${key}`, v as Record<string, unknown>);
      out[key] = { ...(v as RedisParams) };
    } else {
      throw new ConfigError(`invalid config: unknown option redis.${key}; known options are ${redisKeys.join(', ')}, or an object for a named section`);
    }
  }
  checkRedisParams('redis', globalParams);
  Object.assign(out, globalParams);
  if (out.servers === undefined && out.read_servers === undefined && out.sentinels === undefined) out.servers = 'redis://127.0.0.1:6379';
  return out;
}

const topKeys = ['symbols', 'scores', 'actions', 'taskTimeout', 'dns', 'redis', 'http', 'tcp', 'server'];

/**
 * Validates a configuration and fills in defaults. Every bad option is named
 * in the error, with the value given and what is allowed.
 *
 * @example
 * export default defineConfig({ symbols: [SIMPLE_HTTP], scores: { HTTP_ERROR: 0.5 }, taskTimeout: 8000 });
 */
export function defineConfig(input: ConfigInput | Config): Config {
  if ((input as unknown as Record<symbol, unknown>)?.[CONFIG]) return input as unknown as Config;
  const top = objectAt('config', input);
  onlyKeys('config', top, topKeys);
  if (!Array.isArray(top.symbols)) fail('symbols', top.symbols, 'an array of defineSymbol(...) results');
  const symbols = top.symbols as SymbolDefinition[];
  const names = new Set<string>();
  symbols.forEach((s, i) => {
    if (typeof s !== 'object' || s === null || typeof s.name !== 'string' || typeof s.callback !== 'function' || !Object.isFrozen(s)) {
      fail(`symbols[${i}]`, s, 'a symbol made by defineSymbol(...)');
    }
    if (names.has(s.name)) throw new ConfigError(`invalid config: symbols[${i}] repeats the name ${JSON.stringify(s.name)}; symbol names must be unique`);
    names.add(s.name);
  });
  checkDeps(symbols);

  const scores = objectAt('scores', top.scores);
  for (const [name, v] of Object.entries(scores)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`scores.${name}`, v, 'a finite number');
  }

  const actionsIn = objectAt('actions', top.actions);
  const actions: Partial<Record<ActionName, number>> = { ...defaultActions };
  for (const [rawName, v] of Object.entries(actionsIn)) {
    const name = rawName.replace(/_/g, ' ') as ActionName;
    if (!actionNames.includes(name)) throw new ConfigError(`invalid config: unknown action actions.${rawName}; known actions are ${actionNames.join(', ')}`);
    if (v === null) delete actions[name];
    else if (typeof v !== 'number' || !Number.isFinite(v)) fail(`actions.${rawName}`, v, 'a number, or null to disable the action');
    else actions[name] = v;
  }

  const dnsIn = objectAt('dns', top.dns);
  onlyKeys('dns', dnsIn, ['servers', 'timeout', 'retransmits', 'maxRequests', 'cache']);
  if (dnsIn.servers !== undefined) {
    if (!Array.isArray(dnsIn.servers) || dnsIn.servers.length === 0) fail('dns.servers', dnsIn.servers, 'a non-empty array of "ip" or "ip:port" strings');
    (dnsIn.servers as unknown[]).forEach((s, i) => {
      if (typeof s !== 'string' || !(hostPort.test(s) || /^[0-9a-fA-F:.]+$/.test(s))) fail(`dns.servers[${i}]`, s, '"ip" or "ip:port"');
    });
  }
  let cache: { maxEntries: number } | null = null;
  if (dnsIn.cache === true) cache = { maxEntries: 10000 };
  else if (dnsIn.cache !== undefined && dnsIn.cache !== false) {
    const c = objectAt('dns.cache', dnsIn.cache);
    onlyKeys('dns.cache', c, ['maxEntries']);
    cache = { maxEntries: count('dns.cache.maxEntries', c.maxEntries, 10000, 1) };
  }

  const httpIn = objectAt('http', top.http);
  onlyKeys('http', httpIn, ['timeout', 'maxSize', 'connections', 'userAgent']);
  if (httpIn.userAgent !== undefined && typeof httpIn.userAgent !== 'string') fail('http.userAgent', httpIn.userAgent, 'a string');

  const tcpIn = objectAt('tcp', top.tcp);
  onlyKeys('tcp', tcpIn, ['timeout']);

  const serverIn = objectAt('server', top.server);
  onlyKeys('server', serverIn, ['bind', 'maxBodySize', 'maxHeaders', 'maxHeaderSize', 'password', 'workers']);
  if (serverIn.bind !== undefined && (typeof serverIn.bind !== 'string' || !hostPort.test(serverIn.bind))) fail('server.bind', serverIn.bind, '"host:port", e.g. "127.0.0.1:11333"');
  if (serverIn.password !== undefined && (typeof serverIn.password !== 'string' || serverIn.password === '')) fail('server.password', '***', 'a non-empty string');

  const config: Config = {
    symbols: Object.freeze([...symbols]),
    scores: Object.freeze({ ...(scores as Record<string, number>) }),
    actions: Object.freeze(actions),
    taskTimeout: positive('taskTimeout', top.taskTimeout, 8000),
    dns: Object.freeze({
      servers: dnsIn.servers ? Object.freeze([...(dnsIn.servers as string[])]) : undefined,
      timeout: positive('dns.timeout', dnsIn.timeout, 1000),
      retransmits: count('dns.retransmits', dnsIn.retransmits, 2),
      maxRequests: count('dns.maxRequests', dnsIn.maxRequests, 64, 1),
      cache,
    }),
    redis: resolveRedis(top.redis),
    http: Object.freeze({
      timeout: positive('http.timeout', httpIn.timeout, 5000),
      maxSize: positive('http.maxSize', httpIn.maxSize, 10 * 1024 * 1024),
      connections: count('http.connections', httpIn.connections, 32, 1),
      userAgent: httpIn.userAgent as string | undefined,
    }),
    tcp: Object.freeze({ timeout: positive('tcp.timeout', tcpIn.timeout, 5000) }),
    server: Object.freeze({
      bind: (serverIn.bind as string | undefined) ?? '127.0.0.1:11333',
      maxBodySize: positive('server.maxBodySize', serverIn.maxBodySize, 50 * 1024 * 1024),
      maxHeaders: count('server.maxHeaders', serverIn.maxHeaders, 100, 1),
      maxHeaderSize: count('server.maxHeaderSize', serverIn.maxHeaderSize, 16 * 1024, 1024),
      password: serverIn.password as string | undefined,
      workers: count('server.workers', serverIn.workers, 1, 1),
    }),
  };
  Object.defineProperty(config, CONFIG, { value: true });
  return Object.freeze(config);
}

function checkDeps(symbols: readonly SymbolDefinition[]): void {
  const byName = new Map(symbols.map((s) => [s.name, s]));
  const stageRank = { prefilter: 0, normal: 1, postfilter: 2 } as const;
  for (const s of symbols) {
    for (const dep of s.deps) {
      const target = byName.get(dep);
      if (!target) throw new ConfigError(`invalid config: symbol ${s.name} depends on ${dep}, which is not among the configured symbols`);
      if (stageRank[target.type] > stageRank[s.type]) {
        throw new ConfigError(`invalid config: symbol ${s.name} (${s.type}) depends on ${dep}, a later ${target.type}`);
      }
      if (target.type === s.type && s.type !== 'normal' && target.priority < s.priority) {
        throw new ConfigError(`invalid config: ${s.type} ${s.name} (priority ${s.priority}) depends on ${dep}, which runs later (priority ${target.priority})`);
      }
    }
  }
  // cycles
  const state = new Map<string, 1 | 2>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 2) return;
    if (state.get(name) === 1) throw new ConfigError(`invalid config: dependency cycle ${[...trail, name].join(' -> ')}`);
    state.set(name, 1);
    for (const dep of byName.get(name)!.deps) visit(dep, [...trail, name]);
    state.set(name, 2);
  };
  for (const s of symbols) visit(s.name, []);
}

/** The action for a score: the one with the highest threshold at or below it. */
export function actionFor(score: number, actions: Config['actions']): Action {
  let best: Action = 'no action';
  let bestThreshold = -Infinity;
  for (const name of actionNames) {
    const threshold = actions[name];
    if (threshold !== undefined && score >= threshold && threshold > bestThreshold) {
      best = name;
      bestThreshold = threshold;
    }
  }
  return best;
}

/** Rspamd's required_score: the reject threshold, else the highest one. */
export function requiredScore(actions: Config['actions']): number {
  if (actions.reject !== undefined) return actions.reject;
  const values = Object.values(actions).filter((v): v is number => v !== undefined);
  return values.length ? Math.max(...values) : 0;
}
