/** corax as a real process, for CLI and server tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const bin = fileURLToPath(new URL('../../bin/corax.js', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `corax …` to completion. */
export function corax(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, CORAX_LOG_LEVEL: 'warn', ...env }, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ServeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Every log line so far, parsed. */
  logs: Record<string, unknown>[];
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Resolves with the first log line (so far or to come) whose message matches; rejects if the process exits first. */
  logged(pattern: RegExp): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `corax serve` on a free port and waits until it listens. */
export async function serve(args: string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
  const bind = args.includes('--bind') ? [] : ['--bind', '127.0.0.1:0'];
  const child = spawn(process.execPath, [bin, 'serve', ...(args.includes('--config') ? [] : ['--config', fixture('basic.config.ts')]), ...bind, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const watchers = new Set<{ pattern: RegExp; resolve: (entry: Record<string, unknown>) => void }>();
  // with --workers, the primary says when all of them listen; each worker also logs its own line
  const cluster = args.includes('--workers');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stderr! });
    rl.on('line', (line) => {
      try {
        const entry = JSON.parse(line);
        logs.push(entry);
        for (const w of watchers) {
          if (w.pattern.test(String(entry.msg))) {
            watchers.delete(w);
            w.resolve(entry);
          }
        }
        if (typeof entry.url === 'string' && /^listening/.test(entry.msg) && (!cluster || entry.workers !== undefined)) resolve(entry.url);
      } catch {
        logs.push({ raw: line });
      }
    });
    exited.then((code) => reject(new Error(`corax serve exited with ${code}: ${JSON.stringify(logs)}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    child,
    logs,
    exited,
    logged(pattern) {
      const seen = logs.find((l) => pattern.test(String(l.msg)));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        watchers.add({ pattern, resolve });
        exited.then((code) => reject(new Error(`corax serve exited with ${code} before logging ${pattern}`)));
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
