import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { BodySnapshot } from './body.ts';
import type { MessageLimits } from './limits.ts';

let pool: Piscina | null = null;

/**
 * The process's parse threads, started on first use. Running from
 * TypeScript sources, the threads load tsx as this process did.
 */
function parsePool(minThreads = 0): Piscina {
  if (pool) return pool;
  const fromSources = import.meta.url.endsWith('.ts');
  const filename = new URL(fromSources ? './worker.ts' : './worker.js', import.meta.url).href;
  const hasLoader = process.execArgv.some((arg, i, all) => arg.includes('tsx') && (arg.startsWith('--import') || all[i - 1] === '--import'));
  const own = workerExecArgv(process.execArgv);
  const execArgv = fromSources && !hasLoader ? [...own, '--import', 'tsx'] : own;
  pool = new Piscina({ filename, execArgv, minThreads, maxThreads: Math.max(1, availableParallelism() - 1), idleTimeout: 30_000 });
  return pool;
}

// flags that take a value, of those a thread may have
const withValue = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C']);
const alone = /^--(?:no-)?(?:experimental-[a-z-]+|enable-source-maps|warnings|deprecation|trace-warnings|trace-deprecation)$/;

/**
 * The flags a parse thread gets from this process's: those that decide how
 * modules load (hooks, conditions) and warnings. V8 and process-wide flags
 * (`--max-old-space-size`, `--max-semi-space-size`, `--trace-gc`, `--title`)
 * make Node refuse to start a thread at all, and apply to the whole process
 * anyway.
 */
export function workerExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.split('=', 1)[0]!;
    if (withValue.has(name)) {
      if (arg.includes('=')) out.push(arg);
      else if (i + 1 < argv.length) out.push(arg, argv[++i]!);
    } else if (alone.test(name)) out.push(arg);
  }
  return out;
}

/** Starts one parse thread now (a server does, so no scan waits for a thread to start). */
export function warmParsePool(): void {
  parsePool(1);
}

/** Parses a body on a parse thread; aborting ends the thread's work at once. */
export function parseOffThread(raw: Uint8Array, limits: MessageLimits, signal: AbortSignal): Promise<BodySnapshot> {
  return parsePool().run({ raw, limits }, { signal });
}

/** Stops the parse threads (they also stop by themselves when idle). */
export async function closeParsePool(): Promise<void> {
  const current = pool;
  pool = null;
  if (current) await current.destroy();
}
