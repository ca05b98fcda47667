import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config-file.ts';
import { createLogger } from '../log/logger.ts';
import { createScanner } from '../scan/scanner.ts';
import type { Envelope } from '../scan/task.ts';
import { checkReply } from '../server/reply.ts';
import { interpreterFor } from './io.ts';
import { formatResult } from './format.ts';
import { UsageError } from './main.ts';

/** Every .eml under a directory, sorted, recursively. */
function emlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...emlFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.eml')) out.push(path);
  }
  return out;
}

export async function scanCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      io: { type: 'string', default: 'live' },
      json: { type: 'boolean', default: false },
      from: { type: 'string' },
      rcpt: { type: 'string', multiple: true },
      ip: { type: 'string' },
      helo: { type: 'string' },
      hostname: { type: 'string' },
      user: { type: 'string' },
      header: { type: 'string', multiple: true },
      concurrency: { type: 'string', default: '8' },
      'log-level': { type: 'string', default: process.env.CORAX_LOG_LEVEL ?? 'warn' },
    },
  });
  if (positionals.length === 0) throw new UsageError('scan: give at least one .eml file or directory');
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a positive integer, got ${values.concurrency}`);
  const headers: Record<string, string[]> = {};
  for (const h of values.header ?? []) {
    const eq = h.indexOf('=');
    if (eq <= 0) throw new UsageError(`--header ${JSON.stringify(h)}: expected NAME=VALUE`);
    (headers[h.slice(0, eq).trim()] ??= []).push(h.slice(eq + 1));
  }
  const envelope: Envelope = { from: values.from, rcpt: values.rcpt, ip: values.ip, helo: values.helo, hostname: values.hostname, user: values.user, headers };

  const { config } = await loadConfig(values.config);
  let exitCode = 0;
  const files: string[] = [];
  for (const p of positionals) {
    try {
      files.push(...(statSync(p).isDirectory() ? emlFiles(p) : [p]));
    } catch (error) {
      process.stderr.write(`corax: cannot read ${p}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}\n`);
      exitCode = 1;
    }
  }

  const io = await interpreterFor(values.io!, config);
  const logger = createLogger({ level: values['log-level'] });
  const scanner = createScanner(config, { io, logger });
  const progress = process.stderr.isTTY && files.length > 5;
  const outputs: (string | null)[] = new Array(files.length).fill(null);
  let printed = 0;
  let done = 0;
  const flush = (): void => {
    while (printed < files.length && outputs[printed] !== null) {
      if (progress) process.stderr.write('\r\x1b[K');
      process.stdout.write(outputs[printed]!);
      outputs[printed++] = '';
    }
    if (progress && done < files.length) process.stderr.write(`\r\x1b[Kscanning ${done}/${files.length} ${relative('.', files[Math.min(done, files.length - 1)])}`);
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const file = files[i];
      let raw: Buffer;
      try {
        raw = readFileSync(file);
      } catch (error) {
        process.stderr.write(`${progress ? '\r\x1b[K' : ''}corax: cannot read ${file}: ${(error as Error).message}\n`);
        exitCode = 1;
        outputs[i] = '';
        done++;
        flush();
        continue;
      }
      try {
        const result = await scanner.scan(raw, { ...envelope, headers: { ...headers } });
        outputs[i] = values.json ? `${checkReply(result, { file })}\n` : formatResult(file, result);
      } catch (error) {
        process.stderr.write(`${progress ? '\r\x1b[K' : ''}corax: scanning ${file} failed: ${(error as Error).message}\n`);
        exitCode = 1;
        outputs[i] = '';
      }
      done++;
      flush();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  } finally {
    if (progress) process.stderr.write('\r\x1b[K');
    await scanner.close();
    await io.close();
  }
  return exitCode;
}
