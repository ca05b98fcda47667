import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config-file.ts';
import { createLogger } from '../log/logger.ts';
import { createScanner, nextTaskId } from '../scan/scanner.ts';
import type { ScanResult } from '../scan/scan.ts';
import { checkReply } from '../server/reply.ts';
import { interpreterFor } from './io.ts';
import { use } from '../interpreters/use.ts';
import { TimelineRecorder } from '../report/timeline.ts';
import { timelineHtml } from '../report/timeline-html.ts';
import { formatResult } from './format.ts';
import { UsageError } from './main.ts';
import { captureWriter, envelopeFrom, logLevel, positiveInteger } from './options.ts';

export const scanUsage = `Usage: corax scan [options] FILE|DIR|-...

Scans messages (.eml files, folders of them, or - for standard input) and prints each result.

Options:
  -c, --config F        configuration (default: ./corax.config.ts, .mts, .cts, .js, .mjs or .cjs)
      --io SPEC         live (default), record:FILE (live, writing a recording), replay:FILE (offline)
      --json            one /checkv2 JSON object per message, one per line
      --from ADDR       the SMTP sender for every message
      --rcpt ADDR       an SMTP recipient (repeatable)
      --ip IP           the client's address
      --helo, --hostname, --user NAME   the rest of the SMTP envelope
      --header NAME=VALUE   a scan-request header (repeatable), read by task.getRequestHeader
      --concurrency N   messages scanned at once (default 8)
      --capture DIR     keep each scan (message, effects, result) there for corax whatif
      --timeline FILE   write an HTML timeline of the scans: one row per symbol, its effects as bars
      --log-level L     fatal, error, warn (default), info, debug, trace or silent
  -h, --help            this text

Exit status: 0 when every message was scanned, 1 when one could not be read or scanned, 2 for a usage or config mistake.
`;

/** Every .eml under a directory, sorted, recursively; entries that cannot be read are reported, the rest kept. */
function emlFiles(dir: string, problems: string[]): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    problems.push(`cannot read ${dir}: ${reason(error)}`);
    return [];
  }
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...emlFiles(path, problems));
    else if (entry.isFile() && entry.name.endsWith('.eml')) out.push(path);
  }
  return out;
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
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
      capture: { type: 'string' },
      timeline: { type: 'string' },
      'log-level': { type: 'string', default: process.env.CORAX_LOG_LEVEL ?? 'warn' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(scanUsage);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('scan: give at least one .eml file, directory, or - for standard input (see corax scan --help)');
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('scan: standard input (-) can be given once');
  const concurrency = positiveInteger('concurrency', values.concurrency!);
  const level = logLevel(values['log-level']!);
  const { headers, ...envelope } = envelopeFrom(values);

  const { config } = await loadConfig(values.config);
  let exitCode = 0;
  const problems: string[] = [];
  const files: string[] = [];
  for (const p of positionals) {
    if (p === '-') {
      files.push('-');
      continue;
    }
    try {
      files.push(...(statSync(p).isDirectory() ? emlFiles(p, problems) : [p]));
    } catch (error) {
      problems.push(`cannot read ${p}: ${reason(error)}`);
    }
  }
  for (const problem of problems) process.stderr.write(`corax: ${problem}\n`);
  if (problems.length) exitCode = 1;

  const io = await interpreterFor(values.io!, config);
  const logger = createLogger({ level });
  const capture = captureWriter(values.capture, config, logger);
  const timeline = values.timeline ? new TimelineRecorder(io.clock, config) : null;
  const scanner = createScanner(config, { io: timeline ? use(io, timeline.middleware) : io, logger, capture, onTaskEnd: timeline?.taskEnded });
  const progress = process.stderr.isTTY && files.length > 5;
  const outputs: (string | null)[] = new Array(files.length).fill(null);
  const actions = new Map<string, number>();
  let failed = 0;
  let printed = 0;
  let done = 0;
  const started = performance.now();
  const flush = (): void => {
    while (printed < files.length && outputs[printed] !== null) {
      if (progress) process.stderr.write('\r\x1b[K');
      process.stdout.write(outputs[printed]!);
      outputs[printed++] = '';
    }
    if (progress && done < files.length) process.stderr.write(`\r\x1b[Kscanning ${done}/${files.length} ${relative('.', files[Math.min(done, files.length - 1)])}`);
  };
  const failure = (message: string): void => {
    process.stderr.write(`${progress ? '\r\x1b[K' : ''}corax: ${message}\n`);
    exitCode = 1;
    failed++;
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const file = files[i];
      const name = file === '-' ? '(stdin)' : file;
      let raw: Buffer | null = null;
      try {
        raw = file === '-' ? await readStdin() : readFileSync(file);
      } catch (error) {
        failure(`cannot read ${name}: ${reason(error)}`);
      }
      if (raw) {
        try {
          const id = nextTaskId();
          timeline?.label(id, name);
          const result: ScanResult = await scanner.scan(raw, { ...envelope, headers: { ...headers } }, { id });
          actions.set(result.action, (actions.get(result.action) ?? 0) + 1);
          outputs[i] = values.json ? `${checkReply(result, { file: name })}\n` : formatResult(name, result);
        } catch (error) {
          failure(`scanning ${name} failed: ${(error as Error).message}`);
        }
      }
      outputs[i] ??= '';
      done++;
      flush();
    }
  };
  // SIGINT/SIGTERM: stop taking files, let the scans in flight end, write what was recorded, exit 130/143
  let interrupted: NodeJS.Signals | null = null;
  const interrupt = (signal: NodeJS.Signals): void => {
    interrupted = signal;
    next = files.length;
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    if (progress) process.stderr.write('\r\x1b[K');
    await scanner.close();
    capture?.close();
    await io.close();
    if (timeline) {
      // in the order the files were given, whatever order the scans finished in
      const order = new Map(files.map((f, i) => [f === '-' ? '(stdin)' : f, i]));
      writeFileSync(values.timeline!, timelineHtml(timeline.tasks.sort((a, b) => (order.get(a.label) ?? 0) - (order.get(b.label) ?? 0))));
    }
  }
  if (interrupted) {
    process.stderr.write(`corax: ${interrupted}: stopped after ${done} of ${files.length} messages${values.io!.startsWith('record:') ? `; the recording has those ${done}` : ''}\n`);
    return interrupted === 'SIGINT' ? 130 : 143;
  }
  if (files.length > 1 || failed > 0) {
    const tally = [...actions].sort((a, b) => b[1] - a[1]).map(([action, n]) => `${n} ${action}`);
    if (failed) tally.push(`${failed} failed`);
    process.stderr.write(`${files.length - failed} of ${files.length} messages scanned in ${((performance.now() - started) / 1000).toFixed(2)} s${tally.length ? `: ${tally.join(', ')}` : ''}\n`);
  }
  return exitCode;
}
