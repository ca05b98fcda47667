import { createHash } from 'node:crypto';
import type { Interpreter } from '../../effects/handler.ts';
import { defineConfig, type Config, type ConfigInput } from '../config/config.ts';
import { defaultLogger, type Logger } from '../log/logger.ts';
import { Message } from './message.ts';
import { buildPlan } from './plan.ts';
import { Scan, type ScanResult, type TaskReport } from './scan.ts';
import type { Envelope } from './task.ts';
import { createLiveInterpreter } from '../interpreters/live.ts';
import { use } from '../interpreters/use.ts';
import { CaptureWriter } from '../corpus/capture.ts';

export interface ScannerOptions {
  /** Where effects go; default `createLiveInterpreter(config)`, closed with the scanner. */
  io?: Interpreter;
  logger?: Logger;
  /** Called after every scan with what happened inside it. */
  onTaskEnd?: (report: TaskReport, result: ScanResult | null) => void;
  /** Keeps scans in a corpus (default: one made from the config's `capture` section, closed with the scanner; `false`: none). */
  capture?: CaptureWriter | false;
}

export interface Scanner {
  readonly config: Config;
  readonly io: Interpreter;
  /** Scans that have started and not finished. */
  readonly active: number;
  /** `options.id` names the task in logs (default: the queue id, else a generated one). */
  scan(message: string | Uint8Array, envelope?: Envelope, options?: { id?: string }): Promise<ScanResult>;
  /** Closes the interpreter if the scanner made it. */
  close(): Promise<void>;
}

let taskCounter = 0;
const taskPrefix = process.pid.toString(36);

/** A short id, unique in this process (the pid prefix keeps workers apart in logs). */
export function nextTaskId(): string {
  return `${taskPrefix}.${(++taskCounter).toString(36)}`;
}

/**
 * How a task is known in recordings: its queue id, else a digest of the
 * message and whatever envelope and request headers were given (absent and
 * empty fields alike), so the same scan has the same key in every run.
 */
function recordKeyOf(raw: Uint8Array, envelope: Envelope): () => string {
  return () => {
    if (envelope.queueId) return envelope.queueId;
    const hash = createHash('sha256').update(raw);
    const fields: [string, unknown][] = [];
    for (const key of ['from', 'rcpt', 'ip', 'helo', 'hostname', 'user'] as const) {
      const value = envelope[key];
      if (value !== undefined && !(Array.isArray(value) && value.length === 0)) fields.push([key, value]);
    }
    const headers = Object.entries(envelope.headers ?? {})
      .map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (fields.length || headers.length) hash.update(JSON.stringify([fields, headers]));
    return hash.digest('hex').slice(0, 16);
  };
}

const encoder = new TextEncoder();

/**
 * Scans messages with a configuration's symbols.
 *
 * @example
 * const scanner = createScanner(config, { io: createTestInterpreter({ handlers }) });
 * const result = await scanner.scan(message, { from: 'a@example.com', ip: '192.0.2.1' });
 * await scanner.close();
 */
export function createScanner(input: Config | ConfigInput, options: ScannerOptions = {}): Scanner {
  const config = defineConfig(input);
  const ownsIo = options.io === undefined;
  const io = options.io ?? createLiveInterpreter(config);
  const logger = options.logger ?? defaultLogger();
  const ownsCapture = options.capture === undefined && config.capture !== null;
  const capture = options.capture === undefined ? (config.capture ? new CaptureWriter(config.capture, logger) : null) : options.capture || null;
  const handled = capture ? use(io, capture.middleware(io.clock)) : io;
  const driverIo = { handle: handled.handle, base: io.base ?? io.handle, clock: io.clock, config: config as unknown as Readonly<Record<string, unknown>> };
  const unscoredSeen = new Set<string>();
  const unscored = (name: string, symbol: string): void => {
    if (unscoredSeen.has(name) || unscoredSeen.size > 10_000) return;
    unscoredSeen.add(name);
    logger.warn({ result: name, symbol }, `result ${name} has no configured score: it scores 0 (give it one in scores, or in its symbol's score or results)`);
  };
  const context = { config, plan: buildPlan(config), io, driverIo, logger, onTaskEnd: options.onTaskEnd, unscored };
  let active = 0;
  let closed = false;
  const done = <T>(value: T): T => {
    active--;
    return value;
  };
  const failed = (error: unknown): never => {
    active--;
    throw error;
  };
  return {
    config,
    io,
    get active() {
      return active;
    },
    scan(message, envelope = {}, options = {}) {
      if (closed) return Promise.reject(new Error('scanner is closed'));
      const raw = typeof message === 'string' ? encoder.encode(message) : message;
      const id = options.id ?? envelope.queueId ?? nextTaskId();
      active++;
      const scan = new Scan(context, new Message(raw, config.message), envelope, id, recordKeyOf(raw, envelope));
      const scanned = scan.start();
      if (!capture) return scanned.then(done, failed);
      return scanned.then((result) => {
        try {
          capture.add(scan.run, raw, envelope, result);
        } catch (error) {
          // keeping a copy must never cost the scan its result
          logger.error({ task: id, err: error }, 'capture: this scan could not be kept');
        }
        return done(result);
      }, failed);
    },
    async close() {
      closed = true;
      if (ownsCapture) capture?.close();
      if (ownsIo) await io.close?.();
    },
  };
}
