import type { CoraxError } from '../../effects/errors.ts';
import type { SymbolOutcome } from './symbol-run.ts';
import type { Task } from './task.ts';
import type { TaskRun } from './task-run.ts';

/** What happened inside a scan, for invariant checks and diagnostics. */
export interface TaskReport {
  id: string;
  pendingEffects: number;
  outcomes: Record<string, SymbolOutcome | 'not run'>;
  /** Result name → the symbol that inserted it. */
  origins: Map<string, string>;
  timedOut: boolean;
  error?: CoraxError;
  /** When the scan started and ended, and each symbol that ran, on the interpreter's clock. */
  startedAt: number;
  endedAt: number;
  spans: Record<string, { start: number; end: number }>;
}

/**
 * A scan's report. `origins` is built when read (the server's metrics never
 * read it), by a getter on the class: a getter in an object literal is a
 * new closure and a new accessor for every scan, which V8 keeps in the old
 * generation, and through them the whole scan outlived young collections.
 */
export class Report implements TaskReport {
  readonly id: string;
  readonly pendingEffects: number;
  readonly error?: CoraxError;
  private originsMap: Map<string, string> | undefined;

  constructor(
    run: TaskRun,
    private readonly task: Task,
    readonly outcomes: Record<string, SymbolOutcome | 'not run'>,
    readonly timedOut: boolean,
    error: CoraxError | undefined,
    readonly startedAt: number,
    readonly endedAt: number,
    readonly spans: Record<string, { start: number; end: number }>,
  ) {
    this.id = run.id;
    this.pendingEffects = run.pendingEffects;
    if (error) this.error = error;
  }

  get origins(): Map<string, string> {
    return (this.originsMap ??= this.task.resultOrigins());
  }
}

