/**
 * The quick start: starts the example services, scans the example messages
 * live with the example rule set, prints the report, stops everything.
 *
 *   npm run demo               scan live
 *   npm run demo -- --record   and refresh examples/recordings/demo.jsonl
 */
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { Redis } from 'ioredis';
import { createLiveInterpreter, formatResult, record, type Interpreter } from 'corax';
import { startExampleServices } from './services/index.ts';
import { scanExamples } from './run-example.ts';

const recordingPath = fileURLToPath(new URL('./recordings/demo.jsonl', import.meta.url));
const refresh = process.argv.includes('--record');
const started = performance.now();

let services;
try {
  services = await startExampleServices('default');
} catch (error) {
  if (refresh) throw new Error(`the recording must be made on the default ports, and one is taken: ${(error as Error).message}`);
  services = await startExampleServices('any');
}
Object.assign(process.env, services.env);
const prefix = `corax-demo:${process.pid}:`;
process.env.CORAX_EXAMPLE_REDIS_PREFIX = prefix;

const { default: config } = await import('./corax.config.ts');
const live = createLiveInterpreter(config);
const io: Interpreter & { close(): Promise<void> } = refresh ? record(live, { path: recordingPath }) : live;

console.log(`corax demo: the example rule set, live against local services
  content scorer ${services.http}   blocklist DNS ${services.dns}   line service ${services.tcpHost}:${services.tcpPort}   Redis ${process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'}
`);
let results;
try {
  results = await scanExamples(io, config);
} finally {
  await io.close();
  await services.stop();
}
for (const { file, result } of results) process.stdout.write(`${formatResult(relative(process.cwd(), file), result)}\n`);

const actions = new Map<string, number>();
for (const { result } of results) actions.set(result.action, (actions.get(result.action) ?? 0) + 1);
const summary = [...actions].map(([a, n]) => `${n} ${a}`).join(', ');
console.log(`${results.length} messages scanned live in ${((performance.now() - started) / 1000).toFixed(2)} s: ${summary}.`);
if (results.some((r) => r.result.symbols.REDIS_UNAVAILABLE)) console.log('Redis did not answer: the rate-limit rule reported it and everything else still scored.');
console.log(`
The same scan, offline, from the recording:
  npx corax scan --config examples/corax.config.ts --io replay:examples/recordings/demo.jsonl examples/messages`);
if (refresh) console.log(`(recording refreshed: ${relative(process.cwd(), recordingPath)})`);

// the demo's rate counters live under their own prefix; leave nothing behind
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
redis.on('error', () => {});
try {
  await redis.connect();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
} catch {
  // no Redis: nothing to clean
}
redis.disconnect();
