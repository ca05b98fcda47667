import { readFileSync } from 'node:fs';
import type { Effect } from '../../effects/effect.ts';
import { suspend, type EffectContext, type HandlerResult, type Interpreter } from '../../effects/handler.ts';
import { deserializeError, DivergenceError } from '../../effects/errors.ts';
import { describeEffect } from '../../effects/family.ts';
import { VirtualClock } from './clock.ts';
import { record, writeRecording, type Recorder } from './record.ts';
import {
  decodeResult,
  diffFields,
  formatDiff,
  parseRecording,
  redactEffect,
  type RecordingEntry,
  type RedactOptions,
} from './recording.ts';

/** How recorded and actual effects are compared (both sides get the same treatment). */
export interface MatchOptions {
  /** Request headers that do not count (any case). */
  ignoreHeaders?: string[];
  /** Rewrites a URL before comparing, e.g. to drop a timestamp parameter. */
  url?: (url: string, effect: Effect) => string;
  /** Rewrites a request body before comparing. */
  body?: (body: string | Uint8Array, effect: Effect) => string | Uint8Array;
  /** A last rewrite of the whole descriptor. */
  normalize?: (effect: Effect) => Effect;
}

export interface ReplayOptions {
  /** The recording to answer from. */
  path?: string;
  /** Or its entries. */
  entries?: RecordingEntry[];
  /** `error` (default): an effect with no entry is a DivergenceError. `live`: perform it with `live` and add it to the recording. */
  onMissing?: 'error' | 'live';
  /** The interpreter that performs missing effects when `onMissing` is `live`. */
  live?: Interpreter;
  /**
   * `recorded` (default) takes each effect's recorded time on the virtual
   * clock, so concurrent effects complete in the recorded order and timeouts
   * fire when they fired; `instant` answers at once.
   */
  timing?: 'instant' | 'recorded';
  /** The virtual clock (or its start time). */
  clock?: VirtualClock | number;
  match?: MatchOptions;
  /** The same redaction the recording was made with, applied to actual effects before comparing. */
  redact?: RedactOptions;
  /** When a task repeats past what was recorded, answer again from the start (replaying one scan many times, e.g. for load). */
  repeat?: boolean;
}

export interface Replayer extends Interpreter {
  readonly clock: VirtualClock;
  /** Recorded entries no effect asked for. */
  unused(): RecordingEntry[];
  /** Writes what `onMissing: 'live'` recorded, then closes the live interpreter. */
  close(): Promise<void>;
}

/** Structural equality of descriptors (plain data, bytes compared by content), without allocating. */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  let nb = 0;
  for (const k in b) if ((b as Record<string, unknown>)[k] !== undefined) nb++;
  let na = 0;
  for (const k of ka) {
    const va = (a as Record<string, unknown>)[k];
    if (va === undefined) continue;
    na++;
    if (!equal(va, (b as Record<string, unknown>)[k])) return false;
  }
  return na === nb;
}

function normalizeFor(match: MatchOptions | undefined, effect: Effect): Effect {
  if (!match) return effect;
  let e = { ...(effect as unknown as Record<string, unknown>) };
  if (match.ignoreHeaders && e.headers && typeof e.headers === 'object') {
    const drop = new Set(match.ignoreHeaders.map((h) => h.toLowerCase()));
    e.headers = Object.fromEntries(Object.entries(e.headers as Record<string, string>).filter(([k]) => !drop.has(k.toLowerCase())));
  }
  if (match.url && typeof e.url === 'string') e.url = match.url(e.url, effect);
  if (match.body && e.body !== undefined) e.body = match.body(e.body as string | Uint8Array, effect);
  let out = e as unknown as Effect;
  if (match.normalize) out = match.normalize(out);
  return out;
}

/**
 * Answers effects from a recording and never touches the network. Effects are
 * found by task and position, so concurrent symbols replay whatever order
 * they complete in; errors come back as the same class and code.
 *
 * @example
 * const io = replay({ path: 'test/recordings/guide.jsonl' });
 * const result = await createScanner(config, { io }).scan(message);
 */
export function replay(options: ReplayOptions): Replayer {
  const entries = options.entries ?? (options.path ? parseRecording(readFileSync(options.path, 'utf8'), options.path).entries : []);
  const clock = options.clock instanceof VirtualClock ? options.clock : new VirtualClock({ start: options.clock ?? 0 });
  const index = new Map<string, RecordingEntry[]>();
  const used = new Set<RecordingEntry>();
  for (const entry of entries) {
    const id = `${entry.task}\u0000${entry.key}`;
    const list = index.get(id);
    if (list) list.push(entry);
    else index.set(id, [entry]);
  }
  if (options.onMissing === 'live' && !options.live) throw new TypeError("replay: onMissing: 'live' needs a `live` interpreter");
  // record-if-missing: what the recording lacks is performed live and recorded
  const recorder: Recorder | null = options.onMissing === 'live' ? record({ handle: options.live!.handle, clock: options.live!.clock }, { redact: options.redact }) : null;

  // decoded once per entry: replay serves the same recording many times
  const decoded = new WeakMap<RecordingEntry, unknown>();

  const answer = (entry: RecordingEntry): HandlerResult<unknown> => {
    const result = entry.result;
    // no answer when recorded (its timeout fired, or nobody waited): none now, so the same happens again
    if ('canceled' in result || 'timeout' in result) return suspend(() => {});
    if (options.timing === 'instant' || entry.ms <= 0) return settled(entry);
    return suspend((resolve, reject) =>
      clock.setTimer(entry.ms, () => {
        try {
          resolve(settled(entry));
        } catch (error) {
          reject(error);
        }
      }),
    );
  };

  /** The recorded outcome: the value (decoded once), or the error thrown as its own class. */
  function settled(entry: RecordingEntry): unknown {
    const result = entry.result as Extract<RecordingEntry['result'], { ok: boolean }>;
    if (!result.ok) throw deserializeError(result.error);
    if (!decoded.has(entry)) decoded.set(entry, decodeResult(entry.effect.type, result.value));
    return decoded.get(entry);
  }

  const handle = (effect: Effect, ctx: EffectContext): HandlerResult<unknown> => {
    const task = ctx.task.recordKey;
    const key = ctx.key;
    const candidates = index.get(`${task}\u0000${key}`);
    let entry = candidates?.find((e) => !used.has(e));
    if (!entry && options.repeat && candidates?.length) {
      for (const e of candidates) used.delete(e);
      entry = candidates[0];
    }
    const actual = redactEffect(effect, options.redact);
    const where = `${task}/${key}`;
    if (!entry) {
      if (recorder) return recorder.handle(effect, ctx);
      throw new DivergenceError(
        where,
        undefined,
        actual,
        `no recorded effect at ${where}: the rule now makes ${describeEffect(actual as never)}, which the recording does not have (record again, or replay with onMissing: 'live')`,
      );
    }
    used.add(entry);
    const expected = normalizeFor(options.match, entry.effect);
    const normalized = normalizeFor(options.match, actual);
    const diff = equal(expected, normalized) ? [] : diffFields(expected, normalized);
    if (diff.length) {
      throw new DivergenceError(
        where,
        entry.effect,
        actual,
        `effect ${where} diverges from the recording (${diff.map((d) => d.field).join(', ')}):\n${formatDiff(diff)}`,
      );
    }
    return answer(entry);
  };

  return {
    handle,
    clock,
    unused: () => entries.filter((e) => !used.has(e)),
    async close() {
      if (recorder) {
        if (options.path && recorder.entries.length) writeRecording(options.path, [...entries, ...recorder.entries]);
        await options.live?.close?.();
      }
    },
  };
}
