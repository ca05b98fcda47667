import { coraxVersion } from '../version.ts';
import { ConfigError } from '../config/config.ts';

export const usage = `corax — mail-filter rules as TypeScript generators

Usage:
  corax scan  [options] FILE|DIR|-...   scan messages, print their results
  corax serve [options]                 the scan server (Rspamd's protocol)
  corax init  [DIR]                     a starter project: config, rule, test
  corax whatif --corpus DIR [options]   re-run captured scans with new rules: what would change
  corax recording tidy FILE             finish a recording a crashed recorder left
  corax --version

Run \`corax COMMAND --help\` for a command's options.
`;

/** A mistake in how the CLI was called: one line on stderr, exit 2. */
export class UsageError extends Error {}

/** Runs the CLI; resolves to the exit code (0 ok, 1 a runtime failure, 2 a usage or config mistake). */
export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'scan':
        return await (await import('./scan.ts')).scanCommand(rest);
      case 'serve':
        return await (await import('./serve.ts')).serveCommand(rest);
      case 'init':
        return await (await import('./init.ts')).initCommand(rest);
      case 'whatif':
        return await (await import('./whatif.ts')).whatifCommand(rest);
      case 'recording':
        return await (await import('./recording.ts')).recordingCommand(rest);
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
    const code = (error as { code?: string }).code ?? '';
    if (error instanceof ConfigError || error instanceof UsageError || code.startsWith('ERR_PARSE_ARGS_')) {
      process.stderr.write(`corax: ${code.startsWith('ERR_PARSE_ARGS_') ? `${argsMessage(error as Error)} (see corax ${command} --help)` : (error as Error).message}\n`);
      return 2;
    }
    // a runtime failure (a port in use, a file that cannot be written): one line, no stack unless asked for
    process.stderr.write(`corax: ${(error as Error).message ?? String(error)}\n`);
    if (process.env.CORAX_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return 1;
  }
}

/** node:util parseArgs' errors, said shortly: "unknown option --nope", "option --io needs a value". */
function argsMessage(error: Error): string {
  const unknown = /Unknown option '([^']+)'/.exec(error.message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(error.message);
  if (missing) return `option ${missing[1]} needs a value`;
  return error.message;
}
