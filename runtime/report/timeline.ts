import type { Clock, Middleware } from '../../effects/handler.ts';
import { toCoraxError } from '../../effects/errors.ts';
import { describeEffect } from '../../effects/family.ts';
import { observe } from '../interpreters/use.ts';
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

/** Collects what a timeline shows: every effect's start and end per task, and each task's symbols and result. */
export class TimelineRecorder {
  readonly tasks: TimelineTask[] = [];
  private readonly effects = new Map<string, TimelineEffect[]>();
  private readonly labels = new Map<string, string>();

  constructor(
    private readonly clock: Clock,
    private readonly config: Config,
  ) {}

  /** Names the task `id` in the picture (a file name). */
  label(id: string, label: string): void {
    this.labels.set(id, label);
  }

  readonly middleware: Middleware = (next) => (effect, ctx) => {
    const start = this.clock.now();
    const list = this.effects.get(ctx.task.id) ?? this.effects.set(ctx.task.id, []).get(ctx.task.id)!;
    const add = (outcome: TimelineEffect['outcome'], error?: unknown): void => {
      const entry: TimelineEffect = { key: ctx.key, symbol: ctx.symbol, what: describeEffect(redactEffect(effect)), start, end: this.clock.now(), outcome };
      if (ctx.timeout !== undefined) entry.timeout = ctx.timeout;
      if (error !== undefined) {
        const e = toCoraxError(error);
        entry.error = `${e.code}: ${e.message}`;
      }
      list.push(entry);
    };
    return observe(next, effect, ctx, {
      settled: (ok, value) => (ok ? add('ok') : add('error', value)),
      canceled: (reason) => add(reason === 'timeout' ? 'timeout' : 'canceled'),
    });
  };

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
      effects: (this.effects.get(report.id) ?? []).sort((a, b) => a.start - b.start || a.key.localeCompare(b.key)),
      action: result?.action,
      score: result?.score,
    });
    this.effects.delete(report.id);
  };
}
