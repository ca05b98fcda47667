/**
 * Run by garbage.test.ts under `--trace-gc-nvp`: scans the bench message
 * SCANS times, 16 at a time, with a rule that reads the body and a rule
 * that runs a Redis pipeline (the failover tests' COUNTED), through a
 * scanner with an onTaskEnd (as the server's), so that V8's trace shows what
 * each scan leaves in the old generation.
 */
import { readFileSync } from 'node:fs';
import { createScanner, defineSymbol } from '../../index.ts';
import { COUNTED } from '../fixtures/failover-counter.ts';
import { silent } from './logger.ts';

const raw = readFileSync(new URL('../../bench/e2e/message.eml', import.meta.url));
const total = Number(process.env.SCANS ?? 20000);

const BODY = defineSymbol({
  name: 'BODY',
  score: 1,
  *callback(task) {
    task.insertResult('BODY', 1, `urls=${task.getUrls().length} text=${task.getText().length} subject=${task.getSubject()?.length ?? 0}`);
  },
});

const scanner = createScanner(
  { symbols: [BODY, COUNTED], redis: { servers: process.env.REDIS_SERVER!, prefix: process.env.REDIS_PREFIX! } },
  { logger: silent, onTaskEnd: () => {}, capture: false },
);
let started = 0;
let failed = 0;
async function loop(): Promise<void> {
  while (started < total) {
    started++;
    const result = await scanner.scan(Buffer.from(raw), { ip: '192.0.2.1' });
    const counted = result.symbols.COUNTED?.options?.[0];
    if (!result.symbols.BODY || counted === undefined || counted.startsWith('error')) failed++;
  }
}
await Promise.all(Array.from({ length: 16 }, loop));
await scanner.close();
process.stderr.write(`scans=${total} failed=${failed}\n`);
process.exit(0);
