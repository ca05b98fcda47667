/**
 * The recording format, shared by `record` and `replay`: versioned JSON
 * Lines, a header then one entry per effect, binary values as base64, text
 * readable, entries in a stable order, secrets redacted before writing.
 */
import { readFileSync } from 'node:fs';
import type { Effect } from '../effects/effect.ts';
import type { SerializedError } from '../effects/errors.ts';

export const FORMAT_VERSION = 1;
export const REDACTED = '[redacted]';

export interface RecordingHeader {
  'corax-recording': number;
  corax: string;
  created: string;
}

export type RecordedResult = { ok: true; value: unknown } | { ok: false; error: SerializedError & { index?: number } } | { canceled: true };

export interface RecordingEntry {
  /** The task: its queue id, or a digest of message and envelope. */
  task: string;
  /** The effect's position in the task (symbol, coroutine path, sequence). */
  key: string;
  effect: Effect;
  result: RecordedResult;
  /** Milliseconds the effect took when recorded. */
  ms: number;
}

export function coraxVersion(): string {
  try {
    return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

// ---- values: bytes as base64, everything else as JSON

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON-ready copy of a value: Uint8Array becomes `{ "$bytes": base64 }`. */
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

/** An HTTP response stores its body once: as text when it is valid UTF-8, as bytes otherwise. */
export function encodeResult(type: string, value: unknown): unknown {
  if (type === 'http.request' && value && typeof value === 'object') {
    const res = value as { code: number; content: string; headers: Record<string, string>; body: Uint8Array };
    try {
      if (utf8.decode(res.body) === res.content) return encodeValue({ code: res.code, headers: res.headers, content: res.content });
    } catch {
      // not text: keep the bytes
    }
    return encodeValue({ code: res.code, headers: res.headers, body: res.body });
  }
  return encodeValue(value);
}

export function decodeResult(type: string, value: unknown): unknown {
  const decoded = decodeValue(value);
  if (type === 'http.request' && decoded && typeof decoded === 'object') {
    const res = decoded as { code: number; content?: string; headers: Record<string, string>; body?: Uint8Array };
    const body = res.body ?? new TextEncoder().encode(res.content ?? '');
    return { code: res.code, content: res.content ?? new TextDecoder().decode(body), headers: res.headers ?? {}, body };
  }
  return decoded;
}

// ---- redaction

export interface RedactOptions {
  /** More header names (any case) or option fields to replace by the marker. */
  fields?: string[];
  /** A last pass over each entry, after the built-in redaction. */
  fn?: (entry: RecordingEntry) => RecordingEntry;
}

const secretHeaders = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];
const secretFields = ['password', 'user', 'username'];

function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@/i, `$1${REDACTED}@`);
}

function redactHeaders(headers: Record<string, unknown> | undefined, names: Set<string>): Record<string, unknown> | undefined {
  if (!headers) return headers;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = names.has(k.toLowerCase()) ? REDACTED : v;
  return out;
}

function redactCommand(command: unknown[]): unknown[] {
  const name = String(command[0]).toUpperCase();
  if (name === 'AUTH') return [command[0], ...command.slice(1).map(() => REDACTED)];
  if (name === 'HELLO') {
    const out = [...command];
    const at = out.findIndex((a) => String(a).toUpperCase() === 'AUTH');
    if (at >= 0) for (let i = at + 1; i < Math.min(out.length, at + 3); i++) out[i] = REDACTED;
    return out;
  }
  return command;
}

/**
 * The effect as it may be written: credentials in URLs, Authorization and
 * cookies, `user`/`password` options, Redis passwords and AUTH/HELLO
 * arguments, plus the user's own fields.
 */
export function redactEffect(effect: Effect, options: RedactOptions = {}): Effect {
  if (!needsRedaction(effect, options)) return effect;
  const extra = (options.fields ?? []).map((f) => f.toLowerCase());
  const headerNames = new Set([...secretHeaders, ...extra]);
  const fieldNames = new Set([...secretFields, ...extra]);
  const e = { ...(effect as unknown as Record<string, unknown>) };
  for (const key of Object.keys(e)) if (fieldNames.has(key.toLowerCase()) && key !== 'type') e[key] = REDACTED;
  if (typeof e.url === 'string') e.url = redactUrl(e.url);
  if (e.headers && typeof e.headers === 'object') e.headers = redactHeaders(e.headers as Record<string, unknown>, headerNames);
  if (e.params && typeof e.params === 'object' && !('section' in (e.params as object))) {
    const params = { ...(e.params as Record<string, unknown>) };
    for (const key of Object.keys(params)) if (fieldNames.has(key.toLowerCase())) params[key] = REDACTED;
    for (const key of ['servers', 'read_servers', 'write_servers']) if (typeof params[key] === 'string') params[key] = redactUrl(params[key] as string);
    e.params = params;
  }
  if (Array.isArray(e.command)) e.command = redactCommand(e.command);
  if (Array.isArray(e.commands)) e.commands = (e.commands as unknown[][]).map(redactCommand);
  return e as unknown as Effect;
}

/** Most effects carry nothing secret: say so cheaply, without copying. */
function needsRedaction(effect: Effect, options: RedactOptions): boolean {
  if (options.fields?.length) return true;
  const e = effect as unknown as Record<string, unknown>;
  if (e.user !== undefined || e.password !== undefined || e.username !== undefined) return true;
  if (typeof e.url === 'string' && e.url.includes('@')) return true;
  if (e.headers && typeof e.headers === 'object') {
    for (const k of Object.keys(e.headers)) if (secretHeaders.includes(k.toLowerCase())) return true;
  }
  if (e.params && typeof e.params === 'object' && !('section' in (e.params as object))) return true;
  if (authCommand(e.command)) return true;
  if (Array.isArray(e.commands)) for (const c of e.commands) if (authCommand(c)) return true;
  return false;
}

function authCommand(command: unknown): boolean {
  if (!Array.isArray(command)) return false;
  const name = String(command[0]).toUpperCase();
  return name === 'AUTH' || name === 'HELLO';
}

export function redactResult(type: string, result: RecordedResult, options: RedactOptions = {}): RecordedResult {
  if (type !== 'http.request' || !('ok' in result) || !result.ok) return result;
  const names = new Set([...secretHeaders, ...(options.fields ?? []).map((f) => f.toLowerCase())]);
  const value = result.value as { headers?: Record<string, unknown> };
  return { ok: true, value: { ...value, headers: redactHeaders(value.headers, names) } };
}

export function redactEntry(entry: RecordingEntry, options: RedactOptions = {}): RecordingEntry {
  const redacted: RecordingEntry = {
    ...entry,
    effect: redactEffect(entry.effect, options),
    result: redactResult(entry.effect.type, entry.result, options),
  };
  return options.fn ? options.fn(redacted) : redacted;
}

// ---- stable order

function tokens(key: string): (string | number)[] {
  return key.split(/(\d+)/).map((t, i) => (i % 2 ? Number(t) : t));
}

/** Orders position keys naturally: S#2 before S#10, S#1.0#0 before S#1.1#0. */
export function compareKeys(a: string, b: string): number {
  const ta = tokens(a);
  const tb = tokens(b);
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    if (ta[i] === tb[i]) continue;
    if (typeof ta[i] === 'number' && typeof tb[i] === 'number') return (ta[i] as number) - (tb[i] as number);
    return String(ta[i]) < String(tb[i]) ? -1 : 1;
  }
  return ta.length - tb.length;
}

export function sortEntries(entries: RecordingEntry[]): RecordingEntry[] {
  return entries
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => (a.entry.task < b.entry.task ? -1 : a.entry.task > b.entry.task ? 1 : compareKeys(a.entry.key, b.entry.key) || a.i - b.i))
    .map((x) => x.entry);
}

// ---- file

export function serialize(header: RecordingHeader, entries: RecordingEntry[]): string {
  return [JSON.stringify(header), ...entries.map((e) => JSON.stringify({ task: e.task, key: e.key, effect: encodeValue(e.effect), result: e.result, ms: e.ms }))].join('\n') + '\n';
}

export class RecordingFormatError extends Error {
  override name = 'RecordingFormatError';
}

export function parseRecording(text: string, source = 'recording'): { header: RecordingHeader; entries: RecordingEntry[] } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new RecordingFormatError(`${source} is empty`);
  let header: RecordingHeader;
  try {
    header = JSON.parse(lines[0]);
  } catch {
    throw new RecordingFormatError(`${source}: the first line is not a recording header`);
  }
  if (header['corax-recording'] !== FORMAT_VERSION) {
    throw new RecordingFormatError(`${source}: recording format ${JSON.stringify(header['corax-recording'])}, this corax reads format ${FORMAT_VERSION}`);
  }
  const entries = lines.slice(1).map((line, i) => {
    try {
      const e = JSON.parse(line) as RecordingEntry;
      return { ...e, effect: decodeValue(e.effect) as Effect };
    } catch {
      throw new RecordingFormatError(`${source}: line ${i + 2} is not valid JSON`);
    }
  });
  return { header, entries };
}

/** The same entries, ignoring durations: what decides whether a re-recording changed anything. */
export function sameEntries(a: RecordingEntry[], b: RecordingEntry[]): boolean {
  if (a.length !== b.length) return false;
  const strip = (e: RecordingEntry): string => JSON.stringify({ task: e.task, key: e.key, effect: encodeValue(e.effect), result: e.result });
  return a.every((e, i) => strip(e) === strip(b[i]));
}

// ---- field-level diff

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value instanceof Uint8Array) {
    out.set(prefix, `<${value.length} bytes ${Buffer.from(value).toString('base64').slice(0, 24)}>`);
  } else if (Array.isArray(value)) {
    if (value.length === 0) out.set(prefix, []);
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (value && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    if (keys.length === 0) out.set(prefix, {});
    for (const k of keys) flatten((value as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
}

export interface FieldDifference {
  field: string;
  expected: unknown;
  actual: unknown;
}

/** Fields that differ between two descriptors (absent fields show as `undefined`). */
export function diffFields(expected: unknown, actual: unknown): FieldDifference[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flatten(expected, '', a);
  flatten(actual, '', b);
  const fields = [...new Set([...a.keys(), ...b.keys()])];
  return fields
    .filter((f) => JSON.stringify(a.get(f)) !== JSON.stringify(b.get(f)))
    .map((field) => ({ field, expected: a.get(field), actual: b.get(field) }));
}

function show(v: unknown): string {
  return v === undefined ? '(none)' : JSON.stringify(v);
}

/** A side-by-side table of differences for an error message. */
export function formatDiff(diff: FieldDifference[]): string {
  const rows = diff.map((d) => [d.field, show(d.expected), show(d.actual)]);
  const widths = [5, 8].map((min, i) => Math.max(min, ...rows.map((r) => Math.min(r[i].length, 60))));
  const line = (r: string[]): string => `  ${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`;
  return [line(['field', 'recorded', 'actual']), ...rows.map(line)].join('\n');
}
