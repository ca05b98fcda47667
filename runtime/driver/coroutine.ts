import type { Instruction, Operation } from '../../effects/effect.ts';
import { isControl, CONTROL, type Control } from '../../effects/concurrency.ts';
import type { Clock, Handle, TaskScope } from '../../effects/handler.ts';
import { effectEntry } from '../../effects/family.ts';
import { CanceledError, type CoraxError } from '../../effects/errors.ts';
import { EffectCall } from './effect-call.ts';
import { failureOf, ForkWait, isPending, Wait } from './wait.ts';

/** What the driver hands effects to: the interpreter as a scan sees it. */
export interface DriverIo {
  readonly handle: Handle;
  /** Where a handler's own operation performs its effects (the interpreter beneath the middleware). */
  readonly base: Handle;
  readonly clock: Clock;
  /** The resolved config, whose family sections give each effect its default timeout. */
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * Whom a coroutine works for and where its effects go. A symbol of a task is
 * a host; so is a handler's own operation.
 */
export interface Host {
  readonly scope: TaskScope;
  readonly symbol: string;
  readonly io: DriverIo;
  /** A test failure (unexpected effect, divergence): abort the whole scan. */
  fail(error: CoraxError): void;
  /** Counts effects waiting on an interpreter, for the end-of-task invariant. */
  pending(delta: 1 | -1): void;
  /** An error nobody can receive: thrown from a `finally` block while halting. */
  report(error: unknown): void;
}

const enum State {
  Idle,
  Running,
  Waiting,
  Done,
  Halted,
}

/** Counters for what must never happen; the simulation suite checks they stay at zero. */
export const diagnostics = { resumedAfterEnd: 0 };

/** The coroutine whose generator is executing right now (callback-style calls attribute to it). */
let current: Coroutine | null = null;

export function currentCoroutine(): Coroutine | null {
  return current;
}

type Exit = (ok: boolean, value: unknown) => void;

/** The host of a handler's own operation: its effects go to the interpreter beneath the middleware. */
class HandlerHost implements Host {
  readonly io: DriverIo;
  constructor(private readonly parent: Host) {
    this.io = { ...parent.io, handle: parent.io.base };
  }
  get scope(): TaskScope {
    return this.parent.scope;
  }
  get symbol(): string {
    return this.parent.symbol;
  }
  fail(error: CoraxError): void {
    this.parent.fail(error);
  }
  pending(delta: 1 | -1): void {
    this.parent.pending(delta);
  }
  report(error: unknown): void {
    this.parent.report(error);
  }
}

/**
 * Steps one generator. Effects go to the host's interpreter; an answer that
 * is already there resumes the generator in the same loop, anything else
 * parks it on a Wait until the answer (or the effect's timeout) arrives. A
 * halted coroutine is never resumed: its wait is torn down and its `finally`
 * blocks run.
 */
export class Coroutine {
  private state = State.Idle;
  private iter: Iterator<Instruction, unknown, unknown> | null = null;
  private seq = 0;
  private spawned = 0;
  /** What the coroutine waits on now; an answer for any other wait is not for it. */
  private wait: Wait | ForkWait | null = null;
  /** Set while this coroutine's drive loop is on the stack: a synchronous answer is stashed, not recursed into. */
  private driving = false;
  private stashed = false;
  private stashInput: unknown;
  private stashIsErr = false;

  constructor(
    readonly host: Host,
    readonly path: string,
    private readonly op: Operation<unknown>,
    private readonly exit: Exit,
  ) {}

  /** A method, not a field read, so checks after calls out are not narrowed away. */
  private isHalted(): boolean {
    return this.state === State.Halted;
  }

  get done(): boolean {
    return this.state >= State.Done;
  }

  /** A fresh position under this coroutine for work it schedules in the background. */
  childPath(): string {
    return `${this.path}!${this.spawned++}`;
  }

  start(): void {
    if (this.state !== State.Idle) return;
    this.state = State.Running;
    const prev = current;
    current = this; // a plain rule runs here, and its callback-style calls attribute to this coroutine
    let iter: Iterator<Instruction, unknown, unknown>;
    try {
      iter = this.op[Symbol.iterator]();
    } catch (error) {
      current = prev;
      if (!this.isHalted()) this.finish(false, error);
      return;
    }
    current = prev;
    this.iter = iter;
    if (this.isHalted()) {
      // halted while the rule's first step ran (a fatal test failure in a call it made)
      unwind(iter, this.host);
      return;
    }
    this.drive(undefined, false);
  }

  /** Stops the coroutine for good: cancels what it waits on, runs its `finally` blocks. */
  halt(): void {
    if (this.state >= State.Done) return;
    const wasIdle = this.state === State.Idle;
    this.state = State.Halted;
    this.cancelWait();
    // never started, still creating its iterator (start() unwinds it), or unwound by the drive loop
    if (wasIdle || this.driving || !this.iter) return;
    unwind(this.iter, this.host);
  }

  private cancelWait(): void {
    const wait = this.wait;
    if (wait) {
      this.wait = null;
      wait.cancel();
    }
  }

  private drive(input: unknown, isErr: boolean): void {
    const iter = this.iter!;
    const host = this.host;
    const io = host.io;
    this.driving = true;
    for (;;) {
      let r: IteratorResult<Instruction, unknown>;
      const prev = current;
      current = this;
      try {
        r = isErr ? throwInto(iter, input) : iter.next(input);
      } catch (error) {
        this.driving = false;
        if (this.isHalted()) return;
        this.finish(false, error);
        return;
      } finally {
        current = prev;
      }
      if (this.isHalted()) {
        this.driving = false;
        if (!r.done) unwind(iter, host);
        return;
      }
      if (r.done) {
        this.driving = false;
        this.finish(true, r.value);
        return;
      }
      const instruction = r.value;
      const entry = effectEntry(instruction);
      if (entry) {
        const effect = instruction as never;
        const spec = entry.spec;
        const settings = entry.settingsKey === undefined ? undefined : io.config[entry.settingsKey];
        const refused = spec.admit?.(effect, host.scope, settings);
        if (refused) {
          input = [refused, undefined];
          isErr = false;
          continue;
        }
        const timeout = spec.timeout?.(effect, settings);
        const ctx = new EffectCall(this.path, this.seq++, host.symbol, host.scope, timeout);
        let out: unknown;
        let thrown = false;
        try {
          out = io.handle(effect, ctx);
        } catch (error) {
          out = error;
          thrown = true;
        }
        if (this.isHalted()) {
          this.driving = false;
          ctx.abort('canceled'); // halted by a call the handler made: nobody takes this answer
          unwind(iter, host);
          return;
        }
        if (thrown) {
          const err = failureOf(effect, out);
          if (err.fatal) {
            this.driving = false;
            ctx.answered(false, err);
            host.fail(err);
            return;
          }
          if (err.fault !== 'timeout' || timeout === undefined) {
            ctx.answered(false, err);
            input = [err, undefined];
            isErr = false;
            continue;
          }
          this.park(ctx, effect, entry, undefined, timeout); // the peer never answers: only the timeout will
        } else if (!isPending(out)) {
          ctx.answered(true, out);
          input = [null, out];
          isErr = false;
          continue;
        } else {
          this.park(ctx, effect, entry, out, timeout);
        }
      } else if (isControl(instruction)) {
        this.fork(instruction);
      } else {
        input = new TypeError(
          `a symbol yielded ${describe(instruction)}: effects are performed with yield*, e.g. \`yield* http.request({...})\``,
        );
        isErr = true;
        continue;
      }
      if (this.isHalted()) {
        this.driving = false;
        unwind(iter, host);
        return;
      }
      // parked; continue here only if the answer came back synchronously
      if (this.stashed) {
        this.stashed = false;
        input = this.stashInput;
        isErr = this.stashIsErr;
        this.stashInput = undefined;
        continue;
      }
      this.driving = false;
      return;
    }
  }

  private park(ctx: EffectCall, effect: never, entry: NonNullable<ReturnType<typeof effectEntry>>, out: unknown, timeout: number | undefined): void {
    const wait = new Wait(this, ctx, effect, entry);
    this.wait = wait;
    this.state = State.Waiting;
    this.host.pending(1);
    wait.begin(out as never, timeout);
  }

  /** Runs a handler's own operation as a child coroutine; returns its teardown. */
  runHandlerOperation(op: Operation<unknown>, key: string, settle: (ok: boolean, value: unknown) => void): () => void {
    const child = new Coroutine(new HandlerHost(this.host), `${key}>`, op, settle);
    child.start();
    return () => child.halt();
  }

  /** Called by a Wait when its answer (or its timeout) arrives. The one check that the answer is for the wait in progress. */
  answer(wait: Wait, ok: boolean, value: unknown): void {
    if (this.wait !== wait) return;
    this.wait = null;
    if (!ok && (value as CoraxError).fatal) {
      this.host.fail(value as CoraxError);
      return;
    }
    this.resume(ok ? [null, value] : [value, undefined], false);
  }

  private resume(input: unknown, isErr: boolean): void {
    if (this.state !== State.Waiting) return;
    if (this.host.scope.ended) {
      // every wait of an ended task was torn down, so no answer can get here; refuse and count it if one does
      diagnostics.resumedAfterEnd++;
      return;
    }
    this.state = State.Running;
    if (this.driving) {
      this.stashed = true;
      this.stashInput = input;
      this.stashIsErr = isErr;
      return;
    }
    this.drive(input, isErr);
  }

  private fork(control: Control): void {
    const key = `${this.path}#${this.seq++}`;
    const ops = control.ops;
    const kids: Coroutine[] = [];
    const results: unknown[] = new Array(ops.length);
    let remaining = ops.length;
    this.state = State.Waiting;
    const fork = new ForkWait(kids);
    this.wait = fork;
    const done = (ok: boolean, value: unknown, kid: Coroutine, i: number): void => {
      if (fork.finished || this.wait !== fork) return;
      if (!ok || control[CONTROL] === 'race') {
        fork.finished = true;
        fork.haltAll(kid);
        this.wait = null;
        this.resume(value, !ok);
        return;
      }
      results[i] = value;
      if (--remaining === 0) {
        fork.finished = true;
        this.wait = null;
        this.resume(results, false);
      }
    };
    for (let i = 0; i < ops.length && !fork.finished; i++) {
      const kid: Coroutine = new Coroutine(this.host, `${key}.${i}`, ops[i], (ok, value) => done(ok, value, kid, i));
      kids.push(kid);
      kid.start();
    }
  }

  private finish(ok: boolean, value: unknown): void {
    this.state = State.Done;
    this.exit(ok, value);
  }
}

function throwInto(iter: Iterator<Instruction, unknown, unknown>, error: unknown): IteratorResult<Instruction, unknown> {
  if (typeof iter.throw === 'function') return iter.throw(error);
  throw error;
}

/**
 * Runs a halted generator's `finally` blocks. Effects yielded during cleanup
 * are answered at once with ECANCELED: the task is over, nothing more goes out.
 */
function unwind(iter: Iterator<Instruction, unknown, unknown>, host: Host): void {
  if (typeof iter.return !== 'function') return;
  try {
    let r = iter.return(undefined);
    for (let guard = 0; !r.done && guard < 100; guard++) {
      r = effectEntry(r.value) ? iter.next([new CanceledError(), undefined]) : throwInto(iter, new CanceledError());
    }
  } catch (error) {
    if (!(error instanceof CanceledError)) host.report(error);
  }
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'object' && typeof (value as Iterator<unknown>).next === 'function') return 'a generator object (missing `*` after yield?)';
  if (typeof value === 'object') return `an object without a registered effect type (${JSON.stringify(value).slice(0, 60)})`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
