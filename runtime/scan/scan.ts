import type { Effect, Operation } from '../../effects/effect.ts';
import { admissionOf } from '../../effects/family.ts';
import type { Interpreter } from '../../effects/handler.ts';
import type { CoraxError } from '../../effects/errors.ts';
import { currentCoroutine, type DriverIo } from '../driver/coroutine.ts';
import { actionFor, type Action, type Config } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import type { Message } from './message.ts';
import type { Group, Plan } from './plan.ts';
import { SymbolRun, type SymbolOutcome, type SymbolParent } from './symbol-run.ts';
import { Task, type Envelope, type PreResult, type SymbolResult, type TaskOwner } from './task.ts';
import { TaskRun } from './task-run.ts';
import { Report, type TaskReport } from './task-report.ts';

export type { TaskReport };

export interface ScanResult {
  score: number;
  requiredScore: number;
  action: Action;
  thresholds: Readonly<Record<string, number>>;
  symbols: Record<string, SymbolResult>;
  /** True when a pre-result made the scan skip symbols. */
  isSkipped: boolean;
  /** The Message-ID without brackets, or `undef` (as Rspamd says). */
  messageId: string;
  /** Seconds the scan took on the interpreter's clock. */
  timeReal: number;
  /** `smtp_message` when a pre-result gave one. */
  messages: Record<string, string>;
  /** Present when the task timeout ended the scan. */
  timedOut?: true;
}

export interface ScanContext {
  readonly config: Config;
  readonly plan: Plan;
  readonly io: Interpreter;
  /** The interpreter as the driver sees it (handle, base, clock, config), made once per scanner. */
  readonly driverIo: DriverIo;
  readonly logger: Logger;
  readonly onTaskEnd?: (report: TaskReport, result: ScanResult | null) => void;
  /** Reports, once per scanner, a result name with no configured score (it scores 0, as in Rspamd). */
  readonly unscored: (name: string, symbol: string) => void;
}

interface GroupState {
  group: Group;
  runs: SymbolRun[];
  waiting: number[];
  launched: boolean[];
  remaining: number;
}

/**
 * One scan: runs the plan's stages over a task, enforces the task timeout,
 * and builds the result. A finished scan ignores whatever arrives late.
 */
export class Scan implements SymbolParent, TaskOwner {
  finished = false;
  readonly run: TaskRun;
  readonly task: Task;
  readonly io: DriverIo;
  private stageIndex = 0;
  private groupIndex = 0;
  private current: GroupState | null = null;
  private starting = false;
  private groupDoneWhileStarting = false;
  private skipRest = false;
  private timedOut = false;
  private cancelTaskTimer: (() => void) | null = null;
  private readonly startedAt: number;
  private readonly outcomes: Record<string, SymbolOutcome | 'not run'> = {};
  private readonly spans: Record<string, { start: number; end: number }> = {};
  private settle: ((result: ScanResult | null, error?: CoraxError) => void) | null = null;

  constructor(
    private readonly ctx: ScanContext,
    private readonly message: Message,
    envelope: Envelope,
    id: string,
    recordKey: () => string,
  ) {
    this.run = new TaskRun(id, recordKey, ctx.logger);
    this.task = new Task(id, message, envelope, this);
    this.io = ctx.driverIo;
    this.startedAt = ctx.io.clock.now();
  }

  get logger(): Logger {
    return this.ctx.logger;
  }

  start(): Promise<ScanResult> {
    return new Promise<ScanResult>((resolve, reject) => {
      this.settle = (result, error) => (error ? reject(error) : resolve(result!));
      this.cancelTaskTimer = this.ctx.io.clock.setTimer(this.ctx.config.taskTimeout, () => this.timeout());
      this.nextGroup();
    });
  }

  setTimer(ms: number, fn: () => void): () => void {
    return this.ctx.io.clock.setTimer(ms, fn);
  }

  // TaskOwner

  currentSymbol(): string {
    return currentCoroutine()?.host.symbol ?? '(task)';
  }

  resultConfig(name: string): { readonly score: number; readonly nshots: number } | undefined {
    const configured = this.ctx.plan.results.get(name);
    if (!configured) this.ctx.unscored(name, this.currentSymbol());
    return configured;
  }

  actionFor(score: number): Action {
    return actionFor(score, this.ctx.config.actions);
  }

  get requiredScore(): number {
    return this.ctx.plan.requiredScore;
  }

  setPreResult(pre: PreResult): void {
    if (this.ctx.plan.stages[this.stageIndex]?.type === 'prefilter') this.skipRest = true;
    this.logger.info({ task: this.run.id, action: pre.action, symbol: pre.symbol, module: pre.module }, 'pre-result set');
  }

  schedule(body: () => Operation<void>, admit?: Effect): boolean {
    const co = currentCoroutine();
    if (this.finished) return false;
    if (admit) {
      const refused = admissionOf(admit, this.run, this.io.config);
      if (refused) {
        this.logger.info({ task: this.run.id, symbol: this.currentSymbol(), reason: refused.message }, 'callback-style call not scheduled');
        return false;
      }
    }
    if (!co || !(co.host instanceof SymbolRun) || co.host.scope !== this.run) {
      this.logger.warn({ task: this.run.id }, 'a callback-style call was made outside a running symbol of this task (from a timer or a promise?); not scheduled');
      return false;
    }
    return co.host.spawn(co, body);
  }

  // stages

  private nextGroup(): void {
    const stages = this.ctx.plan.stages;
    for (;;) {
      if (this.finished) return;
      if (this.skipRest) return this.finish();
      const stage = stages[this.stageIndex];
      if (!stage) return this.finish();
      const group = stage.groups[this.groupIndex++];
      if (!group) {
        this.stageIndex++;
        this.groupIndex = 0;
        continue;
      }
      this.startGroup(group);
      if (!this.groupDoneWhileStarting) return;
      this.groupDoneWhileStarting = false;
    }
  }

  private startGroup(group: Group): void {
    const state: GroupState = {
      group,
      runs: group.defs.map((def) => new SymbolRun(def, this)),
      waiting: [...group.depCount],
      launched: group.defs.map(() => false),
      remaining: group.defs.length,
    };
    this.current = state;
    this.starting = true;
    for (let i = 0; i < state.runs.length && !this.finished; i++) {
      if (state.waiting[i] === 0 && !state.launched[i]) this.launch(state, i);
    }
    this.starting = false;
  }

  private launch(state: GroupState, i: number): void {
    state.launched[i] = true;
    const run = state.runs[i];
    if (run.def.mime && !this.message.bodyParsed) {
      const parse = this.message.parseBody();
      if (parse) {
        const hold = this.ctx.io.clock.hold;
        (hold ? hold.call(this.ctx.io.clock, parse) : parse).then(() => {
          if (this.finished || this.current !== state) return;
          this.task.noteParseProblems();
          run.start(this.task);
        });
        return;
      }
      this.task.noteParseProblems();
    }
    run.start(this.task);
  }

  symbolDone(run: SymbolRun): void {
    this.outcomes[run.def.name] = run.outcome ?? 'ok';
    if (run.startedAt >= 0) this.spans[run.def.name] = { start: run.startedAt, end: run.endedAt };
    if (this.finished) return;
    const state = this.current!;
    const i = state.runs.indexOf(run);
    state.remaining--;
    for (const j of state.group.dependents[i]) {
      if (--state.waiting[j] === 0 && !state.launched[j]) this.launch(state, j);
    }
    if (state.remaining === 0) {
      if (this.starting) this.groupDoneWhileStarting = true;
      else this.nextGroup();
    }
  }

  // endings

  private haltRunning(outcome: SymbolOutcome): void {
    const state = this.current;
    if (!state) return;
    for (const run of state.runs) {
      run.halt(outcome);
      this.outcomes[run.def.name] = run.outcome ?? 'not run';
    }
  }

  private timeout(): void {
    if (this.finished) return;
    this.cancelTaskTimer = null;
    this.timedOut = true;
    this.logger.warn({ task: this.run.id }, `task timed out after ${this.ctx.config.taskTimeout} ms; pending effects cancelled`);
    this.finish();
  }

  fail(error: CoraxError): void {
    if (this.finished) return;
    // settle first: whatever halting the symbols does (their finally blocks), the scan has its answer
    this.finished = true;
    this.settle?.(null, error);
    try {
      this.end();
    } finally {
      this.report(null, error);
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    let result: ScanResult | null = null;
    try {
      this.end();
      result = this.result();
    } catch (error) {
      this.settle?.(null, error as CoraxError);
      throw error;
    }
    this.settle?.(result);
    this.report(result);
  }

  private end(): void {
    this.message.abort();
    this.cancelTaskTimer?.();
    this.cancelTaskTimer = null;
    this.haltRunning('halted');
    this.run.end();
  }

  private report(result: ScanResult | null, error?: CoraxError): void {
    if (!this.ctx.onTaskEnd) return;
    for (const stage of this.ctx.plan.stages) for (const g of stage.groups) for (const d of g.defs) this.outcomes[d.name] ??= 'not run';
    this.ctx.onTaskEnd(new Report(this.run, this.task, this.outcomes, this.timedOut, error, this.startedAt, this.ctx.io.clock.now(), this.spans), result);
  }

  private result(): ScanResult {
    const { config, plan } = this.ctx;
    const symbols = this.task.collectResults((name) => plan.descriptions.get(name));
    let score = 0;
    for (const name in symbols) score += symbols[name].score;
    const pre = this.task.preResult;
    const result: ScanResult = {
      score,
      requiredScore: plan.requiredScore,
      action: pre ? pre.action : actionFor(score, config.actions),
      // the plan's own, frozen: the same object for every scan
      thresholds: plan.thresholds,
      symbols,
      isSkipped: this.skipRest,
      messageId: this.message.messageId ?? 'undef',
      timeReal: (this.ctx.io.clock.now() - this.startedAt) / 1000,
      messages: pre?.message ? { smtp_message: pre.message } : {},
    };
    if (this.timedOut) result.timedOut = true;
    return result;
  }
}
