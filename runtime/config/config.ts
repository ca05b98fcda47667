import { readFileSync } from 'node:fs';
import { ConfigError } from '../../effects/errors.ts';
import { configSections, type FamilyConfigs } from '../../effects/family.ts';
import { count, invalid, onlyKeys, positive, section } from '../../effects/config-check.ts';
import { parseHostPort } from '../../effects/host-port.ts';
import type { SymbolDefinition } from '../scan/symbol.ts';
import { resolveLimits, type MessageLimits } from '../scan/mime/limits.ts';
import { resolveCapture, type CaptureConfig, type CaptureInput } from '../corpus/capture-config.ts';
import { base32Decode, base32Encode, HttpCryptKey } from '../server/httpcrypt.ts';
import '../families.ts';

/** Actions in order of severity, Rspamd's names. */
export const actionNames = ['reject', 'soft reject', 'rewrite subject', 'add header', 'greylist'] as const;
export type ActionName = (typeof actionNames)[number];
export type Action = ActionName | 'no action';

/** Rspamd's default thresholds. */
export const defaultActions: Readonly<Partial<Record<ActionName, number>>> = { reject: 15, 'add header': 6, greylist: 4 };

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
  /** Connections held open at once (default: the open-file limit less 256, at most 4096); past it the oldest idle one is closed, or the new one refused when all are busy. */
  maxConnections?: number;
  /** How long a connection may take to send a request's headers, and may stay silent at first, in ms (default 30000); then it gets a 408 and is closed. */
  headersTimeout?: number;
  /** How long a request may take from its headers until its reply is sent, in ms (default: taskTimeout + 30000); then it gets a 408 and is closed. */
  requestTimeout?: number;
  /**
   * Connections held open at once from one client address, with the same
   * rule (default: `maxConnections`, no separate cap: behind a balancer or
   * an MTA on loopback every connection comes from one address). Set it
   * below `maxConnections` when many clients reach corax directly.
   */
  maxConnectionsPerAddress?: number;
  /** `host:port` for the milter listener (Postfix, Sendmail); off when unset. */
  milter?: string;
  /**
   * A keypair made by `rspamadm keypair` (its `privkey`, base32; the other
   * fields it prints may be given too and are checked): requests encrypted
   * to its public key (`rspamc --key`, an encrypting rspamd_proxy) are
   * decrypted and answered encrypted, as Rspamd's `keypair` does.
   */
  keypair?: { privkey: string; pubkey?: string; id?: string; type?: string; algorithm?: string; encoding?: string };
}

/** The family sections a config may have (`http`, `dns`, `tcp`, `redis`, and any registered family's). */
export type FamilyConfigInput = { [K in keyof FamilyConfigs]?: FamilyConfigs[K] extends [infer I, unknown] ? I : never };
export type FamilySettingsOf = { readonly [K in keyof FamilyConfigs]: FamilyConfigs[K] extends [unknown, infer S] ? S : never };

export interface BaseConfigInput {
  symbols: readonly SymbolDefinition[];
  /** Scores by result name; they win over a symbol's own `score`. */
  scores?: Record<string, number>;
  actions?: Partial<Record<ActionName | 'add_header' | 'rewrite_subject' | 'soft_reject', number | null>>;
  /** Milliseconds a scan may take (default 8000). */
  taskTimeout?: number;
  server?: ServerConfig;
  /** What the message parser reads (limits, and when a parse thread is used). */
  message?: Partial<MessageLimits>;
  /** Keep scanned mail, its effects and results in a corpus for `corax whatif` (off by default: it stores mail). */
  capture?: CaptureInput;
}

export type ConfigInput = BaseConfigInput & FamilyConfigInput;

export type Config = {
  readonly symbols: readonly SymbolDefinition[];
  readonly scores: Readonly<Record<string, number>>;
  readonly actions: Readonly<Partial<Record<ActionName, number>>>;
  readonly taskTimeout: number;
  readonly message: Readonly<MessageLimits>;
  readonly capture: Readonly<CaptureConfig> | null;
  readonly server: Readonly<Required<Omit<ServerConfig, 'password' | 'milter' | 'keypair'>>> & { readonly password?: string; readonly milter?: string; readonly keypair?: HttpCryptKey };
} & FamilySettingsOf;

export { ConfigError };

const CONFIG = Symbol.for('corax.config');

/** `host:port`, `[v6]:port`, validated (port 0 allowed: pick a free port). */
export function isHostPort(value: string): boolean {
  const parsed = parseHostPort(value, -1);
  return parsed !== null && parsed.port >= 0;
}

const baseKeys = ['symbols', 'scores', 'actions', 'taskTimeout', 'server', 'message', 'capture'];

/**
 * Validates a configuration and fills in defaults. Every bad option is named
 * in the error, with the value given (secrets hidden) and what is allowed.
 * Each effect family validates its own section.
 *
 * @example
 * export default defineConfig({ symbols: [SIMPLE_HTTP], scores: { HTTP_ERROR: 0.5 }, taskTimeout: 8000 });
 */
export function defineConfig(input: ConfigInput | Config): Config {
  if ((input as unknown as Record<symbol, unknown>)?.[CONFIG]) return input as unknown as Config;
  const top = section('config', input);
  const sections = configSections();
  onlyKeys('config', top, [...baseKeys, ...sections.map((s) => s.key)]);
  if (!Array.isArray(top.symbols)) invalid('symbols', top.symbols, 'an array of defineSymbol(...) results');
  const symbols = top.symbols as SymbolDefinition[];
  const names = new Set<string>();
  symbols.forEach((s, i) => {
    if (typeof s !== 'object' || s === null || typeof s.name !== 'string' || typeof s.callback !== 'function' || !Object.isFrozen(s)) {
      invalid(`symbols[${i}]`, s, 'a symbol made by defineSymbol(...)');
    }
    if (names.has(s.name)) throw new ConfigError(`invalid config: symbols[${i}] repeats the name ${JSON.stringify(s.name)}; symbol names must be unique`);
    names.add(s.name);
  });
  checkDeps(symbols);

  const scores = section('scores', top.scores);
  for (const [name, v] of Object.entries(scores)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) invalid(`scores.${name}`, v, 'a finite number');
  }

  const actionsIn = section('actions', top.actions);
  const actions: Partial<Record<ActionName, number>> = { ...defaultActions };
  for (const [rawName, v] of Object.entries(actionsIn)) {
    const name = rawName.replace(/_/g, ' ') as ActionName;
    if (!actionNames.includes(name)) throw new ConfigError(`invalid config: unknown action actions.${rawName}; known actions are ${actionNames.join(', ')}`);
    if (v === null) delete actions[name];
    else if (typeof v !== 'number' || !Number.isFinite(v)) invalid(`actions.${rawName}`, v, 'a number, or null to disable the action');
    else actions[name] = v;
  }

  const serverIn = section('server', top.server);
  onlyKeys('server', serverIn, ['bind', 'maxBodySize', 'maxHeaders', 'maxHeaderSize', 'password', 'workers', 'milter', 'maxConnections', 'maxConnectionsPerAddress', 'headersTimeout', 'requestTimeout', 'keypair']);
  if (serverIn.milter !== undefined && (typeof serverIn.milter !== 'string' || !isHostPort(serverIn.milter))) invalid('server.milter', serverIn.milter, '"host:port", e.g. "127.0.0.1:11332"');
  if (serverIn.bind !== undefined && (typeof serverIn.bind !== 'string' || !isHostPort(serverIn.bind))) invalid('server.bind', serverIn.bind, '"host:port", e.g. "127.0.0.1:11333"');
  if (serverIn.password !== undefined && (typeof serverIn.password !== 'string' || serverIn.password === '')) invalid('server.password', serverIn.password, 'a non-empty string');

  const taskTimeout = positive('taskTimeout', top.taskTimeout, 8000);
  const headersTimeout = positive('server.headersTimeout', serverIn.headersTimeout, 30_000);
  const requestTimeout = positive('server.requestTimeout', serverIn.requestTimeout, Math.max(headersTimeout, taskTimeout + 30_000));
  // a request's time includes its scan; node:http also wants the headers' deadline within the request's
  if (requestTimeout <= taskTimeout || requestTimeout < headersTimeout) invalid('server.requestTimeout', requestTimeout, `more than taskTimeout (${taskTimeout} ms) and at least server.headersTimeout (${headersTimeout} ms)`);
  const maxConnections = count('server.maxConnections', serverIn.maxConnections, defaultMaxConnections(), 1);
  const config: Record<string, unknown> = {
    symbols: Object.freeze([...symbols]),
    scores: Object.freeze({ ...(scores as Record<string, number>) }),
    actions: Object.freeze(actions),
    taskTimeout,
    message: resolveLimits(top.message),
    capture: resolveCapture(top.capture),
    server: Object.freeze({
      bind: (serverIn.bind as string | undefined) ?? '127.0.0.1:11333',
      maxBodySize: positive('server.maxBodySize', serverIn.maxBodySize, 50 * 1024 * 1024),
      maxHeaders: count('server.maxHeaders', serverIn.maxHeaders, 100, 1),
      maxHeaderSize: count('server.maxHeaderSize', serverIn.maxHeaderSize, 16 * 1024, 1024),
      password: serverIn.password as string | undefined,
      milter: serverIn.milter as string | undefined,
      keypair: serverIn.keypair === undefined ? undefined : resolveKeypair(serverIn.keypair),
      workers: count('server.workers', serverIn.workers, 1, 1),
      maxConnections,
      headersTimeout,
      requestTimeout,
      maxConnectionsPerAddress: count('server.maxConnectionsPerAddress', serverIn.maxConnectionsPerAddress, maxConnections, 1),
    }),
  };
  for (const s of sections) config[s.key] = s.resolve(top[s.key]);
  Object.defineProperty(config, CONFIG, { value: true });
  return Object.freeze(config) as unknown as Config;
}

/** `server.keypair`, checked: a curve25519 key exchange keypair in base32, its public key and id matching the private key when given. */
function resolveKeypair(value: unknown): HttpCryptKey {
  const k = section('server.keypair', value);
  onlyKeys('server.keypair', k, ['privkey', 'pubkey', 'id', 'type', 'algorithm', 'encoding']);
  const expect = (key: string, allowed: string): void => {
    if (k[key] !== undefined && k[key] !== allowed) invalid(`server.keypair.${key}`, k[key], `"${allowed}" (the only kind corax decrypts: rspamadm keypair's default)`);
  };
  expect('type', 'kex');
  expect('algorithm', 'curve25519');
  expect('encoding', 'base32');
  const privkey = typeof k.privkey === 'string' ? base32Decode(k.privkey) : null;
  if (!privkey || privkey.length !== 32) invalid('server.keypair.privkey', k.privkey, 'the base32 privkey rspamadm keypair prints (52 characters)');
  const key = new HttpCryptKey(privkey);
  if (k.pubkey !== undefined && k.pubkey !== base32Encode(key.publicKey)) invalid('server.keypair.pubkey', k.pubkey, `the privkey's public key, ${base32Encode(key.publicKey)}`);
  if (k.id !== undefined && (typeof k.id !== 'string' || !k.id.startsWith(base32Encode(key.shortId)))) invalid('server.keypair.id', k.id, 'the id rspamadm keypair printed with this privkey');
  return key;
}

/** The soft open-file limit (Linux's /proc/self/limits) less room for peers, logs and pools; 4096 at most. */
function defaultMaxConnections(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return Math.max(64, Math.min(4096, Number(m[1]) - 256));
  } catch {
    // not Linux: the usual limit
  }
  return 768;
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
