import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Clock, EffectContext, Interpreter, Middleware } from '../../effects/handler.ts';
import { toCoraxError } from '../../effects/errors.ts';
import { observe, use } from './use.ts';
import { Journal } from './journal.ts';
import {
  coraxVersion,
  encodeResult,
  FORMAT_VERSION,
  parseRecording,
  redactEntry,
  sameEntries,
  serialize,
  sortEntries,
  type RecordedResult,
  type RecordingEntry,
  type RedactOptions,
} from './recording.ts';

export interface RecordOptions {
  /** Write the recording here when the recorder is flushed or closed. */
  path?: string;
  /** Or hand it over: the sorted entries and the file's text. */
  sink?: (entries: RecordingEntry[], text: string) => void;
  /** Extra fields to redact, or a function over each entry (after the built-in redaction). */
  redact?: RedactOptions;
}

export interface Recorder extends Interpreter {
  /** Entries so far, redacted, in completion order. */
  readonly entries: readonly RecordingEntry[];
  /** Writes the recording (sorted); an unchanged scenario leaves an existing file as it was. */
  flush(): void;
  /** Flushes, then closes the wrapped interpreter. */
  close(): Promise<void>;
}

/** An entry list whose pushes also go to the journal, line by line. */
function journaled(entries: RecordingEntry[], journal: Journal): RecordingEntry[] {
  const push = entries.push.bind(entries);
  entries.push = (...items: RecordingEntry[]): number => {
    for (const item of items) journal.append(item);
    return push(...items);
  };
  return entries;
}

function header() {
  return { 'corax-recording': FORMAT_VERSION, corax: coraxVersion(), created: new Date().toISOString() };
}

/**
 * Writes entries to `path` in their stable order. If the file already holds
 * the same entries (durations aside), it is left as it was, so re-recording
 * an unchanged scenario gives an identical file. Returns whether it wrote.
 */
export function writeRecording(path: string, entries: readonly RecordingEntry[]): boolean {
  const sorted = sortEntries([...entries]);
  if (existsSync(path)) {
    try {
      if (sameEntries(parseRecording(readFileSync(path, 'utf8'), path).entries, sorted)) return false;
    } catch {
      // unreadable or another format: overwrite it
    }
  }
  writeFileSync(path, serialize(header(), sorted));
  return true;
}

/**
 * The recorder as middleware: every effect and how it ended for the rule
 * (value, error in its family's wording, timeout, cancellation), redacted.
 */
export function recordInto(entries: RecordingEntry[] | ((entry: RecordingEntry, ctx: EffectContext) => void), clock: Clock, redact?: RedactOptions): Middleware {
  const push = typeof entries === 'function' ? entries : (entry: RecordingEntry): void => void entries.push(entry);
  return (next) => (effect, ctx) => {
    const started = clock.now();
    const add = (result: RecordedResult): void => {
      push(redactEntry({ task: ctx.task.recordKey, key: ctx.key, effect, result, ms: Math.max(0, clock.now() - started) }, redact), ctx);
    };
    return observe(next, effect, ctx, {
      settled(ok, value) {
        if (ok) return add({ ok: true, value: encodeResult(effect.type, value) });
        const err = toCoraxError(value);
        if (err.fatal) return; // a test failure from the wrapped interpreter, not an outcome of the effect
        add({ ok: false, error: err.toJSON() });
      },
      canceled: (reason) => add(reason === 'timeout' ? { timeout: true } : { canceled: true }),
    });
  };
}

/**
 * Wraps any interpreter and writes down every effect and its result:
 * versioned JSON Lines keyed by task and position, secrets redacted.
 *
 * @example
 * const io = record(createLiveInterpreter(config), { path: 'test/recordings/guide.jsonl' });
 * await createScanner(config, { io }).scan(message);
 * await io.close();
 */
export function record(inner: Interpreter, options: RecordOptions = {}): Recorder {
  const journal = options.path ? new Journal(options.path, header()) : null;
  const entries: RecordingEntry[] = [];
  const wrapped = use(inner, recordInto(journal ? journaled(entries, journal) : entries, inner.clock, options.redact));

  const flush = (): void => {
    if (options.path) writeRecording(options.path, entries);
    if (options.sink) {
      const sorted = sortEntries(entries);
      options.sink(sorted, serialize(header(), sorted));
    }
  };

  let closing: Promise<void> | null = null;
  return {
    handle: wrapped.handle,
    base: wrapped.base,
    clock: inner.clock,
    get entries() {
      return entries;
    },
    flush,
    close() {
      closing ??= (async () => {
        try {
          flush();
        } finally {
          journal?.finish();
        }
        await inner.close?.();
      })();
      return closing;
    },
  };
}
