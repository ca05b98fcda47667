import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { action, main, resource, suspend, type Operation } from 'effection';
import { loadConfig } from '../config/config-file.ts';
import { isHostPort } from '../config/config.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { startScanServer, type ScanServer, type ScanServerOptions } from '../server/http-server.ts';
import { superviseWorkers } from '../server/cluster.ts';
import { UsageError } from './main.ts';

/**
 * The scan server as an effection resource: halting the scope (SIGTERM,
 * SIGINT) closes it gracefully: no new connections, scans in flight finish
 * within the task timeout, pools closed.
 */
export function useScanServer(options: ScanServerOptions & { logger: Logger }): Operation<ScanServer> {
  return resource(function* (provide) {
    const server: ScanServer = yield* action<ScanServer>((resolve, reject) => {
      startScanServer(options).then(resolve, reject);
      return () => {};
    });
    try {
      yield* provide(server);
    } finally {
      options.logger.info({ active: server.stats.active }, 'shutting down: finishing scans in flight');
      yield* action<void>((resolve, reject) => {
        server.close().then(resolve, reject);
        return () => {};
      });
      options.logger.info({ scanned: server.stats.scanned }, 'stopped');
      options.logger.flush?.();
    }
  });
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      bind: { type: 'string' },
      workers: { type: 'string' },
      'log-level': { type: 'string', default: process.env.CORAX_LOG_LEVEL ?? 'info' },
    },
  });
  const { config, path } = await loadConfig(values.config);
  const workers = Number(values.workers ?? config.server.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers must be a positive integer, got ${values.workers}`);
  if (values.bind !== undefined && !isHostPort(values.bind)) throw new UsageError(`--bind ${values.bind}: expected HOST:PORT`);
  const logger = createLogger({ level: values['log-level'], async: true });
  const bind = values.bind ?? config.server.bind;

  if (workers > 1 && cluster.isPrimary) {
    await main(function* () {
      yield* superviseWorkers({ workers, logger, bind, shutdownGrace: config.taskTimeout + 5000 });
    });
    return 0;
  }

  await main(function* () {
    const server = yield* useScanServer({ config, bind, logger });
    logger.info({ url: server.url, config: path, worker: cluster.isWorker ? cluster.worker?.id : undefined }, `listening on ${server.url}`);
    yield* suspend();
  });
  return 0;
}
