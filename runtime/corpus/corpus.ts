import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Effect } from '../../effects/effect.ts';
import { decodeValue } from '../../effects/family.ts';
import type { Action } from '../config/config.ts';
import { effectEntryProblem, type RecordingEntry } from '../interpreters/recording.ts';
import type { Envelope } from '../scan/task.ts';

/** The capture line format; a reader refuses others. */
export const CAPTURE_FORMAT = 1;
export const captureFilePattern = /^capture-.*\.jsonl$/;

export interface CapturedResult {
  score: number;
  action: Action;
  symbols: Record<string, { score: number; options?: string[] }>;
  messageId?: string;
  timedOut?: boolean;
}

/** One effect of a captured scan: a recording entry without its task (the line is the task). */
export type CapturedEffect = Omit<RecordingEntry, 'task'>;

/** One scan as the capture kept it: one line of a corpus file. */
export interface CapturedScan {
  'corax-capture': number;
  corax: string;
  /** The task id it had (the queue id when the MTA sent one). */
  id: string;
  /** When it finished (ISO 8601). */
  at: string;
  envelope: Omit<Envelope, 'headers'>;
  headers: Record<string, string[]>;
  /** The message, base64. */
  message: string;
  effects: CapturedEffect[];
  result: CapturedResult;
}

/** A captured scan read back, with where it came from. */
export interface CorpusScan extends CapturedScan {
  /** `file:line`, for reports. */
  where: string;
  raw: Buffer;
}

export interface CorpusProblem {
  where: string;
  problem: string;
}

/** What is wrong with a parsed line, or null. */
function lineProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'a captured scan must be an object';
  const s = v as Record<string, unknown>;
  if (s['corax-capture'] !== CAPTURE_FORMAT) return `capture format ${JSON.stringify(s['corax-capture'])}, this corax reads format ${CAPTURE_FORMAT}`;
  if (typeof s.message !== 'string') return 'no "message"';
  if (!Array.isArray(s.effects)) return 'no "effects" list';
  const r = s.result as Record<string, unknown> | undefined;
  if (typeof r !== 'object' || r === null || typeof r.score !== 'number' || typeof r.action !== 'string' || typeof r.symbols !== 'object') return 'no "result" with score, action and symbols';
  for (const [i, e] of (s.effects as unknown[]).entries()) {
    const problem = effectEntryProblem(e);
    if (problem) return `effects[${i}]: ${problem}`;
  }
  return null;
}

/**
 * Reads every capture file in `dir` (oldest first). A line that cannot be
 * read is reported, not fatal; a file's unterminated last line is what a
 * crash mid-write leaves, and is reported as such.
 */
export function readCorpus(dir: string): { scans: CorpusScan[]; problems: CorpusProblem[] } {
  const scans: CorpusScan[] = [];
  const problems: CorpusProblem[] = [];
  const names = readdirSync(dir).filter((n) => captureFilePattern.test(n) && statSync(join(dir, n)).isFile()).sort();
  for (const name of names) {
    const text = readFileSync(join(dir, name), 'utf8');
    const lines = text.split('\n');
    const unterminated = lines.pop() ?? '';
    if (unterminated !== '') problems.push({ where: `${name}:${lines.length + 1}`, problem: 'an unfinished last line (the writer stopped mid-write); skipped' });
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${name}:${i + 1}`;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        problems.push({ where, problem: 'not valid JSON' });
        return;
      }
      const problem = lineProblem(parsed);
      if (problem) return void problems.push({ where, problem });
      const scan = parsed as CapturedScan;
      scans.push({
        ...scan,
        where,
        raw: Buffer.from(scan.message, 'base64'),
        effects: scan.effects.map((e) => ({ ...e, effect: decodeValue(e.effect) as Effect })),
      });
    });
  }
  return { scans, problems };
}
