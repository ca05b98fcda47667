import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { action, resource, run, suspend, type Operation } from 'effection';
import { loadConfig } from '../config/config-file.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { startScanServer, type ScanServer, type ScanServerOptions } from '../server/http-server.ts';
import { superviseWorkers } from '../server/cluster.ts';
import { startMilterServer } from '../server/milter.ts';
import { parseHostPort } from '../../effects/host-port.ts';
import { bindAddress, captureWriter, logLevel, positiveInteger } from './options.ts';

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

/** The milter listener beside the scan server, sharing its scanner; closed with the scope. */
function useMilterServer(bind: string, scan: ScanServer, logger: Logger): Operation<void> {
  return resource(function* (provide) {
    const { host, port } = parseHostPort(bind, 11332)!;
    const server = yield* action<import('node:net').Server>((resolve, reject) => {
      startMilterServer({ bind: { host, port }, logger, maxBodySize: scan.scanner.config.server.maxBodySize, gate: scan.gate, scan: (raw, envelope) => scan.scan(raw, envelope, 'milter') }).then(resolve, reject);
      return () => {};
    });
    try {
      yield* provide();
    } finally {
      server.close();
    }
  });
}

export const serveUsage = `Usage: corax serve [options]

Runs the scan server: Rspamd's protocol (POST /checkv2, rspamc, MTA plugins), /ping, /stat, /metrics.

Options:
  -c, --config F        configuration (default: ./corax.config.ts, .mts, .cts, .js, .mjs or .cjs)
      --bind HOST:PORT  where to listen (default: the config's server.bind, else 127.0.0.1:11333)
      --workers N       N processes on one port (node:cluster); crashed ones are replaced
      --milter HOST:PORT  also speak the milter protocol there (Postfix, Sendmail; default: server.milter)
      --capture DIR     keep every scan (message, effects, result) there for corax whatif; this stores mail
      --log-level L     fatal, error, warn, info (default), debug, trace or silent
  -h, --help            this text

SIGTERM or SIGINT stops it gracefully: scans in flight finish, then it exits 0.
`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      bind: { type: 'string' },
      workers: { type: 'string' },
      milter: { type: 'string' },
      capture: { type: 'string' },
      'log-level': { type: 'string', default: process.env.CORAX_LOG_LEVEL ?? 'info' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(serveUsage);
    return 0;
  }
  const level = logLevel(values['log-level']!);
  if (values.bind !== undefined) bindAddress(values.bind);
  if (values.milter !== undefined) bindAddress(values.milter, '--milter');
  if (values.workers !== undefined) positiveInteger('workers', values.workers);
  const { config, path } = await loadConfig(values.config);
  const workers = values.workers === undefined ? config.server.workers : Number(values.workers);
  const logger = createLogger({ level, async: true });
  const bind = values.bind ?? config.server.bind;
  const milter = values.milter ?? config.server.milter;

  if (workers > 1 && cluster.isPrimary) {
    await untilSignal(() => superviseWorkers({ workers, logger, bind, shutdownGrace: config.taskTimeout + 5000 }));
    return 0;
  }

  let failure: Error | undefined;
  let failedBind = bind;
  const capture = captureWriter(values.capture, config, logger);
  await untilSignal(function* () {
    let server: ScanServer;
    try {
      server = yield* useScanServer({ config, bind, logger, capture });
    } catch (error) {
      failure = error as Error;
      return;
    }
    if (milter) {
      try {
        yield* useMilterServer(milter, server, logger);
      } catch (error) {
        failure = error as Error;
        failedBind = milter;
        return;
      }
    }
    logger.info({ url: server.url, milter, config: path, worker: cluster.isWorker ? cluster.worker?.id : undefined }, `listening on ${server.url}${milter ? ` and milter ${milter}` : ''}`);
    yield* suspend();
  }).finally(() => capture?.close());
  if (failure) {
    const code = (failure as NodeJS.ErrnoException).code;
    throw new Error(code === 'EADDRINUSE' ? `cannot listen on ${failedBind}: the address is in use` : code === 'EACCES' ? `cannot listen on ${failedBind}: permission denied` : `cannot listen on ${failedBind}: ${failure.message}`);
  }
  return 0;
}

/**
 * Runs an operation until it returns or SIGTERM/SIGINT halts it (its
 * cleanup runs: a graceful shutdown). A shutdown asked for is a success:
 * the CLI exits 0, as daemons do.
 */
async function untilSignal(body: () => Operation<void>): Promise<void> {
  const task = run(body);
  let halted = false;
  const stop = (): void => {
    halted = true;
    task.halt().then(ignore, ignore);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await task;
  } catch (error) {
    if (!halted) throw error;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}

function ignore(): void {}
