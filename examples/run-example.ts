/** Scans with the example config, in-process (shared by the demo and the tests). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createScanner, type Config, type Interpreter, type ScanResult } from 'corax';

export const messagesDir = fileURLToPath(new URL('./messages/', import.meta.url));

export function exampleMessages(): string[] {
  return readdirSync(messagesDir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => join(messagesDir, f));
}

/** Scans the example messages one after another (the rate limit counts in order). */
export async function scanExamples(io: Interpreter, config?: Config): Promise<{ file: string; result: ScanResult }[]> {
  config ??= (await import('./corax.config.ts')).default;
  const scanner = createScanner(config, { io, logger: pino({ level: process.env.CORAX_LOG_LEVEL ?? 'silent' }) });
  const out: { file: string; result: ScanResult }[] = [];
  for (const file of exampleMessages()) out.push({ file, result: await scanner.scan(readFileSync(file)) });
  return out;
}
