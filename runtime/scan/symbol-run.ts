import type { Instruction, Operation } from '../../effects/effect.ts';
import { isThenable } from '../../effects/handler.ts';
import type { CoraxError } from '../../effects/errors.ts';
import { Coroutine, type DriverIo, type Host } from '../driver/coroutine.ts';
import type { SymbolDefinition } from './symbol.ts';
import type { Task } from './task.ts';
import type { TaskRun } from './task-run.ts';
import type { Logger } from '../log/logger.ts';

export type SymbolOutcome = 'ok' | 'error' | 'timeout' | 'halted' | 'skipped';

/** What a running symbol needs from its scan. */
export interface SymbolParent {
  readonly run: TaskRun;
  readonly io: DriverIo;
  readonly logger: Logger;
  setTimer(ms: number, fn: () => void): () => void;
  fail(error: CoraxError): void;
  symbolDone(symbol: SymbolRun): void;
}

function isIterator(value: unknown): value is Iterator<Instruction, unknown, unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Iterator<unknown>).next === 'function';
}

const finished = { done: true, value: undefined } as const;

/**
 * The rule as an operation: iterating it calls the rule and hands back the
 * generator itself (no delegation per step); a plain callback has already
 * done its work and ends.
 */
class RuleOperation implements Operation<unknown> {
  constructor(
    private readonly def: SymbolDefinition,
    private readonly task: Task,
  ) {}

  [Symbol.iterator](): Iterator<Instruction, unknown, unknown> {
    const r = this.def.callback(this.task);
    if (isIterator(r)) return r;
    if (isThenable(r)) {
      r.then(undefined, () => {});
      throw new TypeError(`symbol ${this.def.name}: async callbacks are not supported; write \`*callback(task)\` and yield* effects`);
    }
    return { next: () => finished };
  }
}

/**
 * One symbol of one scan. It is the host of the symbol's coroutines: the
 * rule's own and the background ones its callback-style calls start. The
 * symbol is done when all of them are.
 */
export class SymbolRun implements Host {
  status: 'waiting' | 'running' | 'done' = 'waiting';
  outcome: SymbolOutcome | null = null;
  /** When it started and ended, on the interpreter's clock (-1: not yet). */
  startedAt = -1;
  endedAt = -1;
  /** Live coroutines: the rule's own and its background work. */
  private roots: Coroutine[] = [];
  private cancelTimer: (() => void) | null = null;

  constructor(
    readonly def: SymbolDefinition,
    private readonly parent: SymbolParent,
  ) {}

  get scope(): TaskRun {
    return this.parent.run;
  }

  get symbol(): string {
    return this.def.name;
  }

  get io(): DriverIo {
    return this.parent.io;
  }

  fail(error: CoraxError): void {
    this.parent.fail(error);
  }

  pending(delta: 1 | -1): void {
    this.parent.run.pendingEffects += delta;
  }

  report(error: unknown): void {
    this.parent.logger.error({ task: this.parent.run.id, symbol: this.def.name, err: error }, `symbol ${this.def.name}: error while halting`);
  }

  start(task: Task): void {
    if (this.status !== 'waiting') return;
    this.status = 'running';
    this.startedAt = this.parent.io.clock.now();
    if (this.def.timeout !== undefined) this.cancelTimer = this.parent.setTimer(this.def.timeout, () => this.timedOut());
    this.launch(this.def.name, new RuleOperation(this.def, task));
  }

  /** Background work for a callback-style call made by one of this symbol's coroutines. */
  spawn(parent: Coroutine, body: () => Operation<void>): boolean {
    if (this.status !== 'running') return false;
    this.launch(parent.childPath(), body());
    return true;
  }

  private launch(path: string, op: Operation<unknown>): void {
    const co: Coroutine = new Coroutine(this, path, op, (ok, value) => this.exited(co, ok, value));
    this.roots.push(co);
    co.start();
  }

  private exited(co: Coroutine, ok: boolean, value: unknown): void {
    const i = this.roots.indexOf(co);
    if (i < 0) return;
    this.roots.splice(i, 1);
    if (!ok) {
      this.outcome = 'error';
      this.parent.logger.error(
        { task: this.parent.run.id, symbol: this.def.name, err: value },
        `symbol ${this.def.name} failed: ${value instanceof Error ? value.message : String(value)}`,
      );
    }
    if (this.roots.length === 0 && this.status === 'running') this.complete(this.outcome ?? 'ok');
  }

  private timedOut(): void {
    this.cancelTimer = null;
    if (this.status !== 'running') return;
    this.parent.logger.warn({ task: this.parent.run.id, symbol: this.def.name }, `symbol ${this.def.name} timed out after ${this.def.timeout} ms`);
    this.halt('timeout');
  }

  /** Stops every coroutine of this symbol; their pending effects are cancelled. */
  halt(outcome: SymbolOutcome): void {
    if (this.status === 'done') return;
    if (this.status === 'waiting') {
      this.status = 'done';
      this.outcome = 'skipped';
      return;
    }
    const roots = this.roots;
    this.roots = [];
    for (const co of roots) co.halt();
    this.complete(outcome);
  }

  private complete(outcome: SymbolOutcome): void {
    if (this.status === 'done') return;
    this.status = 'done';
    this.outcome = outcome;
    this.endedAt = this.parent.io.clock.now();
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.parent.symbolDone(this);
  }
}
