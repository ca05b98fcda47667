import cluster, { type Worker } from 'node:cluster';
import { action, suspend, type Operation } from 'effection';
import type { Logger } from '../log/logger.ts';
import { aggregateClusterMetrics } from './metrics.ts';

export interface ClusterOptions {
  workers: number;
  logger: Logger;
  bind: string;
  /** How long workers get to finish in-flight scans on shutdown before SIGKILL. */
  shutdownGrace: number;
}

/**
 * The primary of `corax serve --workers N`: N workers share one port; a
 * worker that dies is replaced (with a pause if they keep dying); on halt
 * every worker gets SIGTERM and the grace period to finish its scans.
 */
export function* superviseWorkers(options: ClusterOptions): Operation<void> {
  const { logger, workers } = options;
  const live = new Set<Worker>();
  let stopping = false;
  const recentDeaths: number[] = [];
  let listening = 0;

  const fork = (replacement = false): void => {
    const worker = cluster.fork();
    live.add(worker);
    worker.once('listening', (address) => {
      if (replacement) return void logger.info({ worker: worker.id, pid: worker.process.pid }, `replacement worker ${worker.process.pid} listening`);
      if (++listening !== workers) return;
      const host = address.address ?? options.bind.replace(/:\d+$/, '');
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
      logger.info({ workers, url }, `listening on ${url} with ${workers} workers`);
    });
    worker.once('exit', (code, signal) => {
      live.delete(worker);
      if (stopping) return;
      const now = Date.now();
      recentDeaths.push(now);
      while (recentDeaths.length && recentDeaths[0] < now - 10_000) recentDeaths.shift();
      const pause = recentDeaths.length > 5 ? 1000 : 0;
      logger.error({ worker: worker.id, pid: worker.process.pid, code, signal }, `worker ${worker.process.pid} died (${signal ?? code}); starting a new one${pause ? ' after a pause' : ''}`);
      setTimeout(() => {
        if (!stopping) fork(true);
      }, pause).unref();
    });
  };

  aggregateClusterMetrics();
  try {
    for (let i = 0; i < workers; i++) fork();
    yield* suspend();
  } finally {
    stopping = true;
    logger.info({ workers: live.size }, 'stopping workers');
    yield* action<void>((resolve) => {
      if (live.size === 0) {
        resolve();
        return () => {};
      }
      const killer = setTimeout(() => {
        for (const w of live) w.process.kill('SIGKILL');
      }, options.shutdownGrace);
      for (const w of live) {
        w.once('exit', () => {
          if (live.size === 0) {
            clearTimeout(killer);
            resolve();
          }
        });
        w.process.kill('SIGTERM');
      }
      return () => clearTimeout(killer);
    });
    logger.info('all workers stopped');
    logger.flush?.();
  }
}

