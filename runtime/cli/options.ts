import { isIP } from 'node:net';
import { isHostPort } from '../config/config.ts';
import type { Envelope } from '../scan/task.ts';
import { UsageError } from './main.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import { resolveCapture } from '../corpus/capture-config.ts';
import { CaptureWriter } from '../corpus/capture.ts';

const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `--log-level`: one of pino's levels. */
export function logLevel(value: string): string {
  if (!levels.includes(value)) throw new UsageError(`--log-level ${value}: expected one of ${levels.join(', ')}`);
  return value;
}

/** `--bind HOST:PORT` with a port from 0 to 65535. */
export function bindAddress(value: string, flag = '--bind'): string {
  if (!isHostPort(value)) throw new UsageError(`${flag} ${value}: expected HOST:PORT with a port from 0 to 65535, e.g. 127.0.0.1:11333`);
  return value;
}

export function positiveInteger(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got ${value}`);
  return n;
}

/** The envelope flags of `corax scan`, validated. */
export function envelopeFrom(values: { from?: string; rcpt?: string[]; ip?: string; helo?: string; hostname?: string; user?: string; header?: string[] }): Envelope & { headers: Record<string, string[]> } {
  if (values.ip !== undefined && isIP(values.ip) === 0) throw new UsageError(`--ip ${values.ip}: expected an IPv4 or IPv6 address`);
  for (const [flag, value] of [['from', values.from], ...(values.rcpt ?? []).map((r) => ['rcpt', r])] as const) {
    if (value !== undefined && value !== '' && !/^[^\s<>@]*@?[^\s<>@]*$/.test(value)) throw new UsageError(`--${flag} ${value}: expected an address like user@example.com`);
  }
  const headers: Record<string, string[]> = {};
  for (const h of values.header ?? []) {
    const eq = h.indexOf('=');
    if (eq <= 0) throw new UsageError(`--header ${JSON.stringify(h)}: expected NAME=VALUE`);
    (headers[h.slice(0, eq).trim()] ??= []).push(h.slice(eq + 1));
  }
  return { from: values.from, rcpt: values.rcpt, ip: values.ip, helo: values.helo, hostname: values.hostname, user: values.user, headers };
}

/** `--capture DIR`: the config's capture settings (or the defaults) with that folder; undefined leaves the config's own. */
export function captureWriter(dir: string | undefined, config: Config, logger?: Logger): CaptureWriter | undefined {
  if (dir === undefined) return undefined;
  if (dir === '') throw new UsageError('--capture needs a folder');
  return new CaptureWriter(resolveCapture({ ...(config.capture ?? {}), dir })!, logger);
}
