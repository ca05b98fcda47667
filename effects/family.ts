/**
 * Effect families as registered units. A family says once everything about
 * its effects: how long each may take and what its timeout looks like to the
 * rule, how it is described, recorded and redacted, what each fault kind
 * means for it, how a test value becomes a result, and its config section.
 * The driver, the interpreters, recording and config validation read it here
 * instead of matching type strings.
 */
import type { Effect, EffectOf, EffectResults, EffectType } from './effect.ts';
import type { EffectContext, Handler, TaskScope } from './handler.ts';
import { CoraxError, registerErrors, type ErrorClass } from './errors.ts';
import type { FaultKind } from './faults.ts';

/**
 * Each family's config section as `[what the user writes, what it resolves
 * to]`, keyed by the section's name. Families add theirs.
 */
export interface FamilyConfigs {}

/** What a test handler may answer for an effect type, when not its result (families add theirs). */
export interface TestValues {}

/** What redaction treats as secret, and how it marks what it removed. */
export interface Secrets {
  readonly marker: string;
  /** True for a header name (any case) whose value is secret. */
  header(name: string): boolean;
  /** True for an option name (any case) whose value is secret. */
  field(name: string): boolean;
  /** The URL with any user and password replaced by the marker. */
  url(url: string): string;
}

/** Everything the runtime needs to know about one effect type. */
export interface EffectSpec<K extends EffectType, S> {
  /** Milliseconds the effect may take, from its own options or the family's settings; `undefined`: unbounded. */
  timeout?(effect: EffectOf<K>, settings: S): number | undefined;
  /** The error the rule sees when that time is over. */
  timeoutError?(effect: EffectOf<K>): CoraxError;
  /**
   * A per-task limit, checked before the effect reaches any interpreter, so
   * live, test and replay refuse the same effect: the error, or undefined.
   */
  admit?(effect: EffectOf<K>, scope: TaskScope, settings: S): CoraxError | undefined;
  /** A short call-like description for errors and logs, e.g. `GET http://x/`. */
  describe?(effect: EffectOf<K>): string;
  /** The result as JSON for a recording (default: bytes as base64, the rest as is). */
  encodeResult?(value: EffectResults[K]): unknown;
  /** The inverse of `encodeResult`, from the decoded JSON (bytes already restored). */
  decodeResult?(encoded: unknown): EffectResults[K];
  /** The descriptor with its secrets replaced, before it is written or compared. */
  redact?(effect: EffectOf<K>, secrets: Secrets): EffectOf<K>;
  /** The encoded result with its secrets replaced. */
  redactResult?(encoded: unknown, secrets: Secrets): unknown;
  /** What a fault kind means for this effect; a kind it does not list stays the generic error. */
  faults?: Partial<Record<FaultKind, (effect: EffectOf<K>, generic: CoraxError) => CoraxError>>;
  /**
   * Faults that alter a result instead of replacing it: `truncated` (an HTTP
   * body cut short), `error` (one command of a Redis pipeline fails).
   */
  alter?: Partial<Record<'truncated' | 'error', (value: EffectResults[K]) => EffectResults[K]>>;
  /** Turns what a test handler answered into the result (fills in what it leaves out). */
  testValue?(value: unknown, ctx: EffectContext): EffectResults[K];
}

/** A family's config section: its key in `defineConfig({...})` and how it is validated and defaulted. */
export interface ConfigSection<S> {
  readonly key: string;
  /** Validates the user's section (undefined when absent) and fills in defaults; throws ConfigError. */
  resolve(input: unknown): S;
}

export interface FamilyDefinition<T extends EffectType, S> {
  /** The family's name, the prefix of its effect types: `http` for `http.request`. */
  readonly name: string;
  readonly effects: { readonly [K in T]: EffectSpec<K, S> };
  readonly config?: ConfigSection<S>;
  /** Error classes of the family's own, so recordings give them back as the same class. */
  readonly errors?: readonly ErrorClass[];
}

export interface EffectFamily<T extends EffectType = EffectType, S = unknown> extends FamilyDefinition<T, S> {
  readonly types: readonly T[];
}

/** What a live module is given: its family's settings, the whole config, and the other modules. */
export interface LiveContext<S> {
  readonly settings: S;
  readonly config: Readonly<Record<string, unknown>>;
  /** Another family's live module (created on first use), e.g. DNS for HTTP's host names. */
  require<M>(family: string): M;
}

/** The live handlers of one family, and how to release what they hold. */
export interface LiveModule<T extends EffectType = EffectType> {
  readonly handlers: { readonly [K in T]: Handler<K> };
  close?(): void | Promise<void>;
  /** Open resources (sockets, clients), for handle checks. */
  resources?(): Record<string, number>;
}

export type LiveFactory<T extends EffectType = EffectType, S = unknown> = (ctx: LiveContext<S>) => LiveModule<T>;

/**
 * Declares an effect family.
 *
 * @example
 * export const clamFamily = defineFamily({
 *   name: 'clam',
 *   effects: { 'clam.scan': { timeout: (e) => e.timeout ?? 5000, describe: (e) => `${e.bytes} bytes` } },
 * });
 */
export function defineFamily<T extends EffectType, S = undefined>(definition: FamilyDefinition<T, S>): EffectFamily<T, S> {
  const types = Object.keys(definition.effects) as T[];
  for (const type of types) {
    if (!type.startsWith(`${definition.name}.`)) throw new TypeError(`defineFamily(${definition.name}): effect type ${type} must start with '${definition.name}.'`);
  }
  return Object.freeze({ ...definition, types: Object.freeze(types) });
}

/** A registered family with its live module factory, if it has one. */
export interface RegisteredFamily {
  readonly family: EffectFamily;
  readonly live?: LiveFactory;
}

/** One registered effect type: its spec and where its family's settings live in a config. */
export interface EffectEntry {
  readonly registered: RegisteredFamily;
  readonly spec: EffectSpec<EffectType, unknown>;
  /** The config key of the family's section, if it has one. */
  readonly settingsKey: string | undefined;
}

type RegisteredSpec = EffectEntry;

const families = new Map<string, RegisteredFamily>();
const specs = new Map<string, RegisteredSpec>();

/**
 * Makes a family known to the runtime: its effects can be yielded, timed out,
 * recorded, replayed, faulted and configured; `live` performs them for real.
 * Registering the same family again replaces it.
 *
 * @example
 * registerFamily(clamFamily, { live: () => ({ handlers: { 'clam.scan': scanWithClamd } }) });
 */
export function registerFamily<T extends EffectType, S>(family: EffectFamily<T, S>, options: { live?: LiveFactory<T, S> } = {}): void {
  const other = family.config && [...families.values()].find((r) => r.family.name !== family.name && r.family.config?.key === family.config!.key);
  if (other) throw new TypeError(`registerFamily(${family.name}): config section ${family.config!.key} is already ${other.family.name}'s`);
  const registered: RegisteredFamily = { family: family as unknown as EffectFamily, live: options.live as LiveFactory | undefined };
  families.set(family.name, registered);
  for (const type of family.types) {
    specs.set(type, { registered, spec: family.effects[type] as unknown as EffectSpec<EffectType, unknown>, settingsKey: family.config?.key });
  }
  if (family.errors) registerErrors(...family.errors);
}

export function registeredFamilies(): RegisteredFamily[] {
  return [...families.values()];
}

export function familyOf(type: string): EffectFamily | undefined {
  return specs.get(type)?.registered.family;
}

/** True for a descriptor of a registered effect type. */
export function isEffect(value: unknown): value is Effect {
  return typeof value === 'object' && value !== null && specs.has((value as { type?: string }).type as string);
}

/** The registered entry of a yielded value, or undefined when it is not an effect (one map look-up: the driver's hot path). */
export function effectEntry(value: unknown): EffectEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' ? specs.get(type) : undefined;
}

/** The effect types that are registered (for messages). */
export function effectTypes(): string[] {
  return [...specs.keys()];
}

function spec(type: string): EffectSpec<EffectType, unknown> | undefined {
  return specs.get(type)?.spec;
}

function settingsOf(type: string, config: Readonly<Record<string, unknown>> | undefined): unknown {
  const key = specs.get(type)?.registered.family.config?.key;
  return key === undefined ? undefined : config?.[key];
}

/** The effect's timeout in ms under `config` (its own option, else the family's default), or undefined. */
export function timeoutOf(effect: Effect, config: Readonly<Record<string, unknown>> | undefined): number | undefined {
  const s = spec(effect.type);
  if (!s?.timeout) return undefined;
  const ms = s.timeout(effect as never, settingsOf(effect.type, config));
  return ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** The error that refuses the effect before it is performed (a per-task limit), or undefined. */
export function admissionOf(effect: Effect, scope: TaskScope, config: Readonly<Record<string, unknown>> | undefined): CoraxError | undefined {
  const s = spec(effect.type);
  return s?.admit ? s.admit(effect as never, scope, settingsOf(effect.type, config)) : undefined;
}

export function timeoutErrorOf(effect: Effect): CoraxError {
  return spec(effect.type)?.timeoutError?.(effect as never) ?? new CoraxError('ETIMEDOUT', 'IO timeout');
}

/** A generic fault (from `faults.*`) as this effect's family reports it. */
export function specializeFault(error: CoraxError, effect: Effect): CoraxError {
  const kind = error.fault as FaultKind | undefined;
  if (!kind) return error;
  const make = spec(effect.type)?.faults?.[kind];
  if (!make) return error;
  const specific = make(effect as never, error);
  specific.fault = kind; // still the same kind of failure (a timeout fault still means "never answers")
  return specific;
}

const describeFields = ['method', 'url', 'rrtype', 'name', 'host', 'port', 'conn', 'command', 'ms'];

/** A short call-like description of an effect, e.g. `http.request(GET http://x/)`. */
export function describeEffect(effect: { type: string }): string {
  const s = spec(effect.type);
  if (s?.describe) return `${effect.type}(${s.describe(effect as never)})`;
  const e = effect as Record<string, unknown>;
  const parts: string[] = [];
  for (const field of describeFields) {
    const v = e[field];
    if (v === undefined) continue;
    parts.push(Array.isArray(v) ? v.join(' ') : String(v));
  }
  return `${effect.type}(${parts.join(' ')})`;
}

/** A result altered by a fault kind (`truncated`, `error`), or the result itself when the family has no such alteration. */
export function alterResult(kind: 'truncated' | 'error', effect: Effect, value: unknown): unknown {
  const alter = spec(effect.type)?.alter?.[kind];
  return alter ? alter(value as never) : value;
}

export function testValueOf(effect: Effect, value: unknown, ctx: EffectContext): unknown {
  const t = spec(effect.type)?.testValue;
  return t ? t(value, ctx) : value;
}

// ---- recording codec

/** JSON-ready copy of a value: a Uint8Array becomes `{ "$bytes": base64 }`. */
export function encodeValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map(encodeValue);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeValue(v);
    return out;
  }
  return value;
}

export function decodeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (value && typeof value === 'object') {
    const bytes = (value as { $bytes?: unknown }).$bytes;
    if (typeof bytes === 'string' && Object.keys(value).length === 1) return new Uint8Array(Buffer.from(bytes, 'base64'));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = decodeValue(v);
    return out;
  }
  return value;
}

export function encodeResult(type: string, value: unknown): unknown {
  const s = spec(type);
  return s?.encodeResult ? s.encodeResult(value as never) : encodeValue(value);
}

export function decodeResult(type: string, encoded: unknown): unknown {
  const decoded = decodeValue(encoded);
  const s = spec(type);
  return s?.decodeResult ? s.decodeResult(decoded) : decoded;
}

/** Option names that are secret in every family. */
const secretFields = ['password', 'username', 'user', 'pass', 'secret', 'token'];

export function redactEffect(effect: Effect, secrets: Secrets): Effect {
  const s = spec(effect.type);
  let out = effect;
  // generic: top-level secret options of any family
  for (const key of Object.keys(effect)) {
    if (key !== 'type' && secrets.field(key) && (effect as unknown as Record<string, unknown>)[key] !== undefined) {
      if (out === effect) out = { ...effect };
      (out as unknown as Record<string, unknown>)[key] = secrets.marker;
    }
  }
  return s?.redact ? s.redact(out as never, secrets) : out;
}

export function redactResult(type: string, encoded: unknown, secrets: Secrets): unknown {
  const s = spec(type);
  return s?.redactResult ? s.redactResult(encoded, secrets) : encoded;
}

export function defaultSecretFields(): readonly string[] {
  return secretFields;
}

/** The config sections registered families contribute, by key. */
export function configSections(): ConfigSection<unknown>[] {
  const out: ConfigSection<unknown>[] = [];
  for (const { family } of families.values()) if (family.config) out.push(family.config);
  return out;
}
