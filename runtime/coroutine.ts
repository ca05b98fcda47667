import { isEffect, type Effect, type Instruction, type Operation } from '../effects/effect.ts';
import { isControl, CONTROL, type Control } from '../effects/concurrency.ts';
import {
  isOperation,
  isSuspension,
  isThenable,
  SUSPEND,
  type EffectContext,
  type HandlerResult,
  type Suspension,
  type TaskScope,
} from '../effects/handler.ts';
import { CanceledError, toCoraxError, type CoraxError } from '../effects/errors.ts';
import { EffectCall } from './effect-call.ts';
import { ForkWait, Wait } from './wait.ts';

/**
 * Where a coroutine's effects go and whom it works for. A symbol of a task is
 * a host; so is a handler's own operation under the test interpreter.
 */
export interface Host {
  readonly scope: TaskScope;
  readonly symbol: string;
  handle(effect: Effect, ctx: EffectContext): HandlerResult<unknown>;
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

/**
 * Steps one generator. Effects go to the host's handler; an answer that is
 * already there resumes the generator in the same loop, anything else parks
 * it until the answer arrives. A halted coroutine is never resumed: its wait
 * is torn down and its `finally` blocks run.
 */
export class Coroutine {
  private state = State.Idle;
  private iter!: Iterator<Instruction, unknown, unknown>;
  private seq = 0;
  private spawned = 0;
  /** Bumped on every wait, so an answer that arrives late for an old wait is dropped. */
  private token = 0;
  private teardown: Wait | ForkWait | null = null;
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
    try {
      this.iter = this.op[Symbol.iterator]();
    } catch (error) {
      current = prev;
      this.finish(false, error);
      return;
    }
    current = prev;
    if (this.isHalted()) return;
    this.drive(undefined, false);
  }

  /** Stops the coroutine for good: cancels what it waits on, runs its `finally` blocks. */
  halt(): void {
    if (this.state >= State.Done) return;
    const wasIdle = this.state === State.Idle;
    this.state = State.Halted;
    this.token++;
    this.cancelWait();
    if (wasIdle || this.driving) return; // never started, or unwound by the drive loop when it regains control
    unwind(this.iter, this.host);
  }

  private cancelWait(): void {
    const teardown = this.teardown;
    if (teardown) {
      this.teardown = null;
      teardown.cancel();
    }
  }

  private drive(input: unknown, isErr: boolean): void {
    const iter = this.iter;
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
        if (!r.done) unwind(iter, this.host);
        return;
      }
      if (r.done) {
        this.driving = false;
        this.finish(true, r.value);
        return;
      }
      const instruction = r.value;
      if (isEffect(instruction)) {
        const ctx = new EffectCall(this.path, this.seq++, this.host.symbol, this.host.scope);
        let out: unknown;
        try {
          out = this.host.handle(instruction, ctx);
        } catch (error) {
          const err = toCoraxError(error);
          if (err.fatal) {
            this.driving = false;
            this.host.fail(err);
            return;
          }
          input = [err, undefined];
          isErr = false;
          continue;
        }
        if (this.isHalted()) {
          this.driving = false;
          unwind(iter, this.host);
          return;
        }
        if (typeof out !== 'object' || out === null || !(isThenable(out) || isSuspension(out) || isOperation(out))) {
          input = [null, out];
          isErr = false;
          continue;
        }
        this.waitFor(out, ctx);
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
        unwind(iter, this.host);
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

  /** Resumes after a wait; `token` must still be the current wait's. */
  private resume(token: number, input: unknown, isErr: boolean): void {
    if (token !== this.token || this.state !== State.Waiting) return;
    if (this.host.scope.ended) {
      // every wait of an ended task was torn down, so no answer can get here; refuse and count it if one does
      diagnostics.resumedAfterEnd++;
      return;
    }
    this.state = State.Running;
    this.teardown = null;
    if (this.driving) {
      this.stashed = true;
      this.stashInput = input;
      this.stashIsErr = isErr;
      return;
    }
    this.drive(input, isErr);
  }

  private waitFor(out: PromiseLike<unknown> | Suspension<unknown> | Operation<unknown>, ctx: EffectCall): void {
    const wait = new Wait(this, ++this.token, ctx);
    this.state = State.Waiting;
    this.host.pending(1);
    this.teardown = wait;
    if (isThenable(out)) {
      out.then(
        (value) => wait.settle(true, value),
        (error) => wait.settle(false, error),
      );
    } else if (isSuspension(out)) {
      try {
        wait.inner = out[SUSPEND]((ok, value) => wait.settle(ok, value));
      } catch (error) {
        wait.settle(false, error);
      }
      if (wait.settled) wait.inner = null;
    } else {
      const child = new Coroutine(this.host, `${ctx.key}>`, out, (ok, value) => wait.settle(ok, value));
      wait.inner = () => child.halt();
      child.start();
    }
  }

  /** Called by a Wait when its answer arrives. */
  answer(token: number, ok: boolean, value: unknown): void {
    if (token !== this.token) return;
    if (ok) return this.resume(token, [null, value], false);
    const err = toCoraxError(value);
    if (err.fatal) {
      this.teardown = null;
      this.host.fail(err);
      return;
    }
    this.resume(token, [err, undefined], false);
  }

  private fork(control: Control): void {
    const key = `${this.path}#${this.seq++}`;
    const token = ++this.token;
    const ops = control.ops;
    const kids: Coroutine[] = [];
    const results: unknown[] = new Array(ops.length);
    let remaining = ops.length;
    this.state = State.Waiting;
    const teardown = new ForkWait(kids);
    this.teardown = teardown;
    for (let i = 0; i < ops.length && !teardown.finished; i++) {
      const kid: Coroutine = new Coroutine(this.host, `${key}.${i}`, ops[i], (ok, value) => {
        if (teardown.finished) return;
        if (!ok || control[CONTROL] === 'race') {
          teardown.finished = true;
          teardown.haltAll(kid);
          this.resume(token, value, !ok);
          return;
        }
        results[i] = value;
        if (--remaining === 0) {
          teardown.finished = true;
          this.resume(token, results, false);
        }
      });
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
      r = isEffect(r.value) ? iter.next([new CanceledError(), undefined]) : throwInto(iter, new CanceledError());
    }
  } catch (error) {
    if (!(error instanceof CanceledError)) host.report(error);
  }
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'object' && typeof (value as Iterator<unknown>).next === 'function') return 'a generator object (missing `*` after yield?)';
  if (typeof value === 'object') return `an object without an effect type (${JSON.stringify(value).slice(0, 60)})`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
