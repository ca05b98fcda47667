/**
 * The recording format, shared by `record` and `replay`: versioned JSON
 * Lines, a header then one entry per effect, binary values as base64, text
 * readable, entries in a stable order, secrets redacted before writing.
 */
import { coraxVersion } from '../version.ts';
import type { Effect } from '../../effects/effect.ts';
import type { SerializedError } from '../../effects/errors.ts';
import {
  decodeValue,
  defaultSecretFields,
  encodeValue,
  redactEffect as familyRedactEffect,
  redactResult as familyRedactResult,
  type Secrets,
} from '../../effects/family.ts';

export { encodeResult, decodeResult } from '../../effects/family.ts';

export const FORMAT_VERSION = 2;
export const REDACTED = '[redacted]';

export interface RecordingHeader {
  'corax-recording': number;
  corax: string;
  created: string;
}

/**
 * How an effect ended: a value, an error (as the rule saw it), or no answer:
 * `timeout` when its own timeout fired, `canceled` when nobody waited any
 * more. A replay answers neither of the last two, so the same thing happens.
 */
export type RecordedResult = { ok: true; value: unknown } | { ok: false; error: SerializedError } | { canceled: true } | { timeout: true };

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

export { coraxVersion };

// ---- redaction

export interface RedactOptions {
  /** More header names (any case) or option fields to replace by the marker. */
  fields?: string[];
  /** A last pass over each entry, after the built-in redaction. */
  fn?: (entry: RecordingEntry) => RecordingEntry;
}

const secretHeaders = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];

/** What counts as secret: built-in header and option names plus the user's own. */
export function secretsFor(options: RedactOptions = {}): Secrets {
  const extra = (options.fields ?? []).map((f) => f.toLowerCase());
  const headers = new Set([...secretHeaders, ...extra]);
  const fields = new Set([...defaultSecretFields(), ...extra]);
  return {
    marker: REDACTED,
    header: (name) => headers.has(name.toLowerCase()),
    field: (name) => fields.has(name.toLowerCase()),
    url: (url) => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@/i, `$1${REDACTED}@`),
  };
}

const builtIn = secretsFor();

/** The effect as it may be written: each family removes its secrets (credentials, Authorization, Redis AUTH...). */
export function redactEffect(effect: Effect, options: RedactOptions = {}): Effect {
  return familyRedactEffect(effect, options.fields?.length ? secretsFor(options) : builtIn);
}

export function redactResult(type: string, result: RecordedResult, options: RedactOptions = {}): RecordedResult {
  if (!('ok' in result) || !result.ok) return result;
  const value = familyRedactResult(type, result.value, options.fields?.length ? secretsFor(options) : builtIn);
  return value === result.value ? result : { ok: true, value };
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
  // keep each line's number for error messages
  const lines = text
    .split('\n')
    .map((l, i) => ({ l, n: i + 1 }))
    .filter(({ l }) => l.trim() !== '');
  if (lines.length === 0) throw new RecordingFormatError(`${source} is empty`);
  let header: RecordingHeader;
  try {
    header = JSON.parse(lines[0].l);
  } catch {
    throw new RecordingFormatError(`${source}: the first line is not a recording header`);
  }
  if (header['corax-recording'] !== FORMAT_VERSION) {
    throw new RecordingFormatError(`${source}: recording format ${JSON.stringify(header['corax-recording'])}, this corax reads format ${FORMAT_VERSION}`);
  }
  const entries = lines.slice(1).map(({ l: line, n }) => {
    const where = `${source}:${n}`;
    let e: RecordingEntry;
    try {
      e = JSON.parse(line) as RecordingEntry;
    } catch {
      throw new RecordingFormatError(`${where}: not valid JSON`);
    }
    const problem = entryProblem(e);
    if (problem) throw new RecordingFormatError(`${where}: ${problem}`);
    return { ...e, effect: decodeValue(e.effect) as Effect };
  });
  return { header, entries };
}

/** What is wrong with a parsed entry, or null: a corrupted line fails replay here, with its place, not in a rule. */
function entryProblem(e: unknown): string | null {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'an entry must be an object';
  const { task, key } = e as Record<string, unknown>;
  if (typeof task !== 'string' || typeof key !== 'string') return 'an entry needs a string "task" and "key"';
  return effectEntryProblem(e);
}

/** The same check for an entry without its task (a capture keeps one scan's effects together). */
export function effectEntryProblem(e: unknown): string | null {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'an entry must be an object';
  const entry = e as Record<string, unknown>;
  if (typeof entry.key !== 'string') return 'an entry needs a string "key"';
  const effect = entry.effect as Record<string, unknown> | undefined;
  if (typeof effect !== 'object' || effect === null || typeof effect.type !== 'string') return 'an entry needs an "effect" object with a "type"';
  if (typeof entry.ms !== 'number' || !(entry.ms >= 0)) return 'an entry needs "ms", a number >= 0';
  const result = entry.result as Record<string, unknown> | undefined;
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return 'an entry needs a "result" object';
  if (result.canceled === true || result.timeout === true) return null;
  if (result.ok === true) return null; // no "value": the effect's value is undefined (time.sleep)
  if (result.ok === false) {
    const error = result.error as Record<string, unknown> | undefined;
    if (typeof error !== 'object' || error === null || typeof error.name !== 'string' || typeof error.code !== 'string' || typeof error.message !== 'string') {
      return 'a failed result needs an "error" with "name", "code" and "message"';
    }
    return null;
  }
  return 'a result is {"ok":true,"value":...}, {"ok":false,"error":...}, {"timeout":true} or {"canceled":true}';
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
