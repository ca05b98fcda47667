/**
 * Simulation: many scans of the example rule set under the test interpreter,
 * with faults and completion orders drawn from a seed, and invariants checked
 * after every scan. A failing seed reproduces its failure.
 *
 *   npm run simulate -- --seeds 200 --scans 200     a longer run
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { createScanner, createTestInterpreter, defineConfig, faults, type ScanResult, type TaskReport } from '../../index.ts';
import { actionFor, type Config } from '../../runtime/config/config.ts';
import { diagnostics } from '../../runtime/driver/coroutine.ts';
import { createRandom } from '../../runtime/interpreters/random.ts';
import { exampleSettings } from '../../examples/corax.config.ts';
import { exampleHandlers } from '../../examples/test-handlers.ts';
import { exampleMessages } from '../../examples/run-example.ts';

const messages = exampleMessages().map((f) => readFileSync(f));
// every effect is bounded by its own timeout: a task timeout shorter than the rules' worst case makes some scans end by it
const config = defineConfig({ ...exampleSettings, taskTimeout: 1500 });
const symbolNames = new Set(config.symbols.map((s) => s.name));

export interface SimulationStats {
  seed: number | string;
  scans: number;
  timedOut: number;
  faults: Record<string, number>;
  violations: string[];
}

function checkScan(report: TaskReport, result: ScanResult | null, config: Config, violations: string[], where: string): void {
  if (!result) return void violations.push(`${where}: scan failed: ${report.error?.message}`);
  if (report.pendingEffects !== 0) violations.push(`${where}: ${report.pendingEffects} effects neither settled nor torn down`);
  for (const [name, origin] of report.origins) {
    if (!symbolNames.has(origin)) violations.push(`${where}: result ${name} came from ${origin}, not a symbol of this task`);
  }
  const sum = Object.values(result.symbols).reduce((a, s) => a + s.score, 0);
  if (Math.abs(sum - result.score) > 1e-9) violations.push(`${where}: score ${result.score} is not the sum of its symbols (${sum})`);
  if (!result.isSkipped && result.action !== actionFor(result.score, config.actions)) violations.push(`${where}: action ${result.action} does not match score ${result.score}`);
}

/** One seed: `scans` scans, `concurrency` at a time, random faults and envelopes. */
export async function simulate(seed: number | string, scans = 40, concurrency = 8): Promise<SimulationStats> {
  const random = createRandom(`envelopes:${seed}`);
  const io = faults.inject(createTestInterpreter({ handlers: exampleHandlers(), seed, trace: false }), {
    seed,
    faults: {
      http: { latency: 0.3, latencyMs: [1, 7000], timeout: 0.05, refused: 0.05, reset: 0.05, truncated: 0.05 },
      dns: { latency: 0.2, latencyMs: [1, 400], nxdomain: 0.05, servfail: 0.05, timeout: 0.05 },
      tcp: { latency: 0.2, latencyMs: [1, 900], refused: 0.05, reset: 0.08, timeout: 0.03 },
      redis: { latency: 0.2, latencyMs: [1, 300], error: 0.08, refused: 0.05, timeout: 0.03 },
    },
  });
  const violations: string[] = [];
  let timedOut = 0;
  const before = diagnostics.resumedAfterEnd;
  const scanner = createScanner(config, {
    io,
    logger: pino({ level: 'silent' }),
    onTaskEnd: (report, result) => {
      if (report.timedOut) timedOut++;
      checkScan(report, result, config, violations, `seed ${JSON.stringify(seed)} task ${report.id}`);
    },
  });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < scans) {
      const i = next++;
      const message = messages[Math.floor(random() * messages.length)];
      const envelope = random() < 0.5 ? {} : { ip: `198.51.100.${Math.floor(random() * 30)}`, helo: random() < 0.5 ? 'localhost' : 'mx.example.com', from: `u${i}@spammer.test` };
      try {
        await scanner.scan(message, envelope);
      } catch (error) {
        violations.push(`seed ${JSON.stringify(seed)}: scan ${i} rejected: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (diagnostics.resumedAfterEnd !== before) violations.push(`seed ${JSON.stringify(seed)}: ${diagnostics.resumedAfterEnd - before} resumptions after a task ended`);
  return { seed, scans, timedOut, faults: { ...io.injected }, violations };
}

/** Many seeds; returns the totals and every violation with its seed. */
export async function simulateMany(seeds: number, scansPerSeed: number, firstSeed = 1): Promise<{ scans: number; timedOut: number; faults: Record<string, number>; violations: string[] }> {
  const total = { scans: 0, timedOut: 0, faults: {} as Record<string, number>, violations: [] as string[] };
  for (let s = firstSeed; s < firstSeed + seeds; s++) {
    const stats = await simulate(s, scansPerSeed);
    total.scans += stats.scans;
    total.timedOut += stats.timedOut;
    for (const [k, v] of Object.entries(stats.faults)) total.faults[k] = (total.faults[k] ?? 0) + v;
    total.violations.push(...stats.violations);
  }
  return total;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const seeds = arg('seeds', 100);
  const scans = arg('scans', 100);
  const first = arg('first-seed', 1);
  const started = Date.now();
  const total = await simulateMany(seeds, scans, first);
  console.log(`simulated ${total.scans} scans over seeds ${first}..${first + seeds - 1} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`task timeouts: ${total.timedOut}; faults injected: ${JSON.stringify(total.faults)}`);
  if (total.violations.length) {
    console.log(`${total.violations.length} invariant violations; rerun one seed with --first-seed N --seeds 1:`);
    for (const v of total.violations.slice(0, 20)) console.log(`  ${v}`);
    process.exitCode = 1;
  } else {
    console.log('every invariant held');
  }
}
