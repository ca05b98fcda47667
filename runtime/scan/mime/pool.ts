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
  const execArgv = fromSources && !hasLoader ? [...process.execArgv, '--import', 'tsx'] : process.execArgv;
  pool = new Piscina({ filename, execArgv, minThreads, maxThreads: Math.max(1, availableParallelism() - 1), idleTimeout: 30_000 });
  return pool;
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
