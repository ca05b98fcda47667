import { closeSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, Middleware, TaskScope } from '../../effects/handler.ts';
import { encodeValue } from '../../effects/family.ts';
import { coraxVersion } from '../version.ts';
import { recordInto } from '../interpreters/record.ts';
import { secretsFor, type RecordingEntry } from '../interpreters/recording.ts';
import type { Logger } from '../log/logger.ts';
import type { ScanResult } from '../scan/scan.ts';
import type { Envelope } from '../scan/task.ts';
import type { CaptureConfig } from './capture-config.ts';
import { CAPTURE_FORMAT, captureFilePattern, type CapturedResult, type CapturedScan } from './corpus.ts';

const EFFECTS = Symbol('corax.capture.effects');

/** The scan's effects so far, kept on its task scope by the capture middleware. */
function effectsOf(task: TaskScope): RecordingEntry[] {
  return task.local(EFFECTS, () => [] as RecordingEntry[]);
}

/** What the capture keeps of a result: what a what-if run compares. */
export function capturedResult(result: ScanResult): CapturedResult {
  const symbols: CapturedResult['symbols'] = {};
  for (const [name, s] of Object.entries(result.symbols)) symbols[name] = s.options?.length ? { score: s.score, options: [...s.options] } : { score: s.score };
  const out: CapturedResult = { score: result.score, action: result.action, symbols, messageId: result.messageId };
  if (result.timedOut) out.timedOut = true;
  return out;
}

const stamp = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/**
 * Keeps scans in a corpus folder as they finish: one JSON line per scan
 * (message, envelope and request headers, every effect and how it ended,
 * the result), written with one write, so a crash loses at most the scans in
 * flight. Files rotate at `fileBytes`; the oldest go when the folder passes
 * `maxBytes` or `maxAgeHours`. Each process writes its own files (the pid is
 * in the name), so workers never share one.
 */
export class CaptureWriter {
  private fd: number | null = null;
  private bytes = 0;
  private seq = 0;
  private current = '';
  private failedOnce = false;
  private readonly secrets;
  private readonly ageTimer: NodeJS.Timeout;
  kept = 0;
  skipped = 0;

  constructor(
    readonly config: Readonly<CaptureConfig>,
    private readonly logger?: Logger,
    private readonly random: () => number = Math.random,
  ) {
    mkdirSync(config.dir, { recursive: true });
    this.secrets = secretsFor({ fields: [...config.redact] });
    this.prune();
    this.ageTimer = setInterval(() => this.prune(), 3600_000).unref();
  }

  /** Middleware that collects each scan's effects, redacted as recordings are. */
  middleware(clock: Clock): Middleware {
    return recordInto((entry, ctx) => effectsOf(ctx.task).push(entry), clock, { fields: [...this.config.redact] });
  }

  /** Called when a scan has its result: keeps it if the sample and the action filter say so. */
  add(task: TaskScope, raw: Uint8Array, envelope: Envelope, result: ScanResult): void {
    const { config } = this;
    if (raw.length > config.maxMessageBytes || (config.actions && !config.actions.includes(result.action)) || (config.sample < 1 && this.random() >= config.sample)) {
      this.skipped++;
      return;
    }
    const { headers = {}, ...smtp } = envelope;
    const requestHeaders: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(headers)) {
      const values = Array.isArray(value) ? value : [value];
      requestHeaders[name] = this.secrets.header(name) ? values.map(() => this.secrets.marker) : values;
    }
    const record: CapturedScan = {
      'corax-capture': CAPTURE_FORMAT,
      corax: coraxVersion(),
      id: task.id,
      at: new Date().toISOString(),
      envelope: smtp,
      headers: requestHeaders,
      message: Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('base64'),
      effects: effectsOf(task).map((e) => ({ key: e.key, effect: encodeValue(e.effect) as never, result: e.result, ms: e.ms })),
      result: capturedResult(result),
    };
    this.write(`${JSON.stringify(record)}\n`);
  }

  private write(line: string): void {
    try {
      const data = Buffer.from(line);
      if (this.fd === null || (this.bytes > 0 && this.bytes + data.length > this.config.fileBytes)) this.rotate();
      writeSync(this.fd!, data);
      this.bytes += data.length;
      this.kept++;
      this.failedOnce = false;
    } catch (error) {
      this.skipped++;
      // a full disk must not fail scans; say so once until a write succeeds again
      if (!this.failedOnce) this.logger?.error({ err: error, dir: this.config.dir }, 'capture: cannot write to the corpus; scans go on uncaptured');
      this.failedOnce = true;
      this.closeFile();
    }
  }

  private rotate(): void {
    this.closeFile();
    this.current = join(this.config.dir, `capture-${stamp(new Date())}-${process.pid}-${this.seq++}.jsonl`);
    this.fd = openSync(this.current, 'a');
    this.bytes = 0;
    this.prune();
  }

  /** Deletes files past the age limit, then the oldest while the folder is over its size. */
  private prune(): void {
    let files: { path: string; size: number; mtime: number; own: boolean }[];
    try {
      files = readdirSync(this.config.dir)
        .filter((name) => captureFilePattern.test(name))
        .sort()
        .map((name) => {
          const path = join(this.config.dir, name);
          const st = statSync(path);
          return { path, size: st.size, mtime: st.mtimeMs, own: name.includes(`-${process.pid}-`) };
        });
    } catch {
      return;
    }
    const now = Date.now();
    const oldest = now - this.config.maxAgeHours * 3600_000;
    let total = files.reduce((n, f) => n + f.size, 0);
    for (const f of files) {
      if (f.path === this.current) continue;
      // another worker's file written in the last minute may still be open there
      if (!f.own && now - f.mtime < 60_000) continue;
      if (f.mtime >= oldest && total <= this.config.maxBytes) continue;
      try {
        unlinkSync(f.path);
        total -= f.size;
      } catch {
        // gone already, or not ours to delete
      }
    }
  }

  private closeFile(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    this.fd = null;
  }

  close(): void {
    clearInterval(this.ageTimer);
    this.closeFile();
  }
}
