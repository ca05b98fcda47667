import { coraxVersion } from '../version.ts';
import { ConfigError } from '../config/config.ts';

const usage = `corax — mail-filter rules as TypeScript generators

Usage:
  corax scan  [--config F] [--io live|record:FILE|replay:FILE] [--json] FILE|DIR...
  corax serve [--config F] [--bind HOST:PORT] [--workers N] [--log-level LEVEL]

scan options:
  -c, --config F        configuration (default: ./corax.config.ts, .mts, .js or .mjs)
      --io SPEC         live (default), record:FILE (live, writing a recording), replay:FILE (offline)
      --json            one /checkv2 JSON object per message, one per line
      --from, --rcpt, --ip, --helo, --hostname, --user   the SMTP envelope for every message
      --header NAME=VALUE   a scan-request header (repeatable), read by task.getRequestHeader
      --concurrency N   messages scanned at once (default 8)

serve options:
  -c, --config F        configuration
      --bind HOST:PORT  default server.bind, else 127.0.0.1:11333
      --workers N       N processes on one port (node:cluster); crashed ones are replaced
      --log-level L     pino level (default info)
`;

/** Runs the CLI; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'scan':
        return await (await import('./scan.ts')).scanCommand(rest);
      case 'serve':
        return await (await import('./serve.ts')).serveCommand(rest);
      case '--version':
      case '-v':
        console.log(coraxVersion());
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(usage);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`corax: unknown command ${JSON.stringify(command)}\n\n${usage}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (error as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || error instanceof UsageError) {
      process.stderr.write(`corax: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}

export class UsageError extends Error {}
