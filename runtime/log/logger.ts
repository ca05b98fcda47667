import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line. */
export const redactedLogPaths = [
  'password',
  '*.password',
  '*.*.password',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  'effect.password',
  'effect.headers.authorization',
];

export interface LoggerOptions {
  /** pino level; default `CORAX_LOG_LEVEL` or `warn`. */
  level?: string;
  /** File descriptor or path; default stderr, so stdout stays clean for results. */
  destination?: number | string;
  /** Write asynchronously (for servers); default synchronous. */
  async?: boolean;
}

/** A structured logger; every task gets a child bound to its id. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.CORAX_LOG_LEVEL ?? 'warn',
      base: { pid: process.pid },
      redact: { paths: redactedLogPaths, censor: '[redacted]' },
    },
    pino.destination({ dest: options.destination ?? 2, sync: !options.async }),
  );
}

let fallback: Logger | null = null;

/** The logger used when a scanner is given none. */
export function defaultLogger(): Logger {
  return (fallback ??= createLogger());
}
