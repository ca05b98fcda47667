import type { Clock, Middleware } from '../../effects/handler.ts';
import { describeEffect } from '../../effects/family.ts';
import { traceInto, type TraceEntry } from '../interpreters/trace.ts';
import { redactEffect } from '../interpreters/recording.ts';
import type { Config } from '../config/config.ts';
import type { ScanResult, TaskReport } from '../scan/scan.ts';

export interface TimelineEffect {
  key: string;
  symbol: string;
  /** The effect, described (`dns.request(a 2.0.0.127.bl.example)`), secrets redacted. */
  what: string;
  start: number;
  end: number;
  outcome: 'ok' | 'error' | 'timeout' | 'canceled';
  error?: string;
  /** The effect's own timeout, when it had one. */
  timeout?: number;
}

export interface TimelineTask {
  id: string;
  label: string;
  start: number;
  end: number;
  taskTimeout: number;
  timedOut: boolean;
  /** Each configured symbol in plan order, how it ended and when it ran. */
  symbols: { name: string; outcome: string; start?: number; end?: number }[];
  effects: TimelineEffect[];
  action?: string;
  score?: number;
}

/** A traced effect as the picture draws it: described, secrets redacted, with how it ended. */
function timelineEffect(t: TraceEntry): TimelineEffect {
  const outcome = t.ended ?? (t.ok ? 'ok' : 'error');
  const entry: TimelineEffect = { key: t.key, symbol: t.symbol, what: describeEffect(redactEffect(t.effect)), start: t.started, end: t.at, outcome };
  if (t.timeout !== undefined) entry.timeout = t.timeout;
  if (outcome === 'error' && t.error) entry.error = `${t.error.code}: ${t.error.message}`;
  return entry;
}

/** Collects what a timeline shows: every effect's start and end per task, and each task's symbols and result. */
export class TimelineRecorder {
  readonly tasks: TimelineTask[] = [];
  private readonly effects = new Map<string, TraceEntry[]>();
  private readonly labels = new Map<string, string>();

  /** The effects of each task still running, as the trace has them. */
  readonly middleware: Middleware;

  constructor(
    clock: Clock,
    private readonly config: Config,
  ) {
    this.middleware = traceInto((entry) => {
      const list = this.effects.get(entry.task);
      if (list) list.push(entry);
      else this.effects.set(entry.task, [entry]);
    }, clock);
  }

  /** Names the task `id` in the picture (a file name). */
  label(id: string, label: string): void {
    this.labels.set(id, label);
  }

  /** When a scan ends, its effects and symbols become one task of the picture. */
  readonly taskEnded = (report: TaskReport, result: ScanResult | null): void => {
    const names = this.config.symbols.map((s) => s.name);
    this.tasks.push({
      id: report.id,
      label: this.labels.get(report.id) ?? report.id,
      start: report.startedAt,
      end: report.endedAt,
      taskTimeout: this.config.taskTimeout,
      timedOut: report.timedOut,
      symbols: names.map((name) => ({ name, outcome: report.outcomes[name] ?? 'not run', ...report.spans[name] })),
      effects: (this.effects.get(report.id) ?? []).map(timelineEffect).sort((a, b) => a.start - b.start || a.key.localeCompare(b.key)),
      action: result?.action,
      score: result?.score,
    });
    this.effects.delete(report.id);
  };
}
