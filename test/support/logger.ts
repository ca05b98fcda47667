import { pino, type Logger } from 'pino';

/** Tests pass this logger so expected failures stay out of the output. */
export const silent: Logger = pino({ level: 'silent' });

/** A logger that keeps every line, for tests that assert on logs. */
export function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger: Logger = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { logger, lines };
}
