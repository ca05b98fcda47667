import type { Config } from '../config/config.ts';
import { toCoraxError } from '../../effects/errors.ts';
import { VirtualClock } from '../interpreters/clock.ts';
import { createScanner } from '../scan/scanner.ts';
import type { ScanResult } from '../scan/scan.ts';
import { capturedResult } from './capture.ts';
import type { CapturedResult, CorpusProblem, CorpusScan } from './corpus.ts';
import { CapturedTask, whatIfInterpreter, type NewEffects } from './whatif-io.ts';
import { createLogger } from '../log/logger.ts';

export interface ScanComparison {
  id: string;
  where: string;
  messageId?: string;
  before: CapturedResult;
  after: CapturedResult;
  scoreDelta: number;
  /** Result names the new rules inserted that the old ones did not, and the other way round. */
  appeared: string[];
  disappeared: string[];
  /** Effects the capture had no answer for (answered live or by handlers). */
  newEffects: number;
}

export interface WhatIfReport {
  /** The new configuration's action thresholds. */
  thresholds: Record<string, number>;
  scans: number;
  compared: number;
  /** Scans whose action changed. */
  changed: ScanComparison[];
  /** Every compared scan, for charts. */
  comparisons: ScanComparison[];
  /** "from → to": how many scans moved so. */
  transitions: Record<string, number>;
  scoreChanged: number;
  /** Per result name, how many scans it was in before and after. */
  symbols: Record<string, { before: number; after: number }>;
  newEffects: { mode: NewEffects['mode']; total: number; scans: number; byType: Record<string, number>; bySymbol: Record<string, number> };
  notCompared: { id: string; where: string; reason: string }[];
  /** Corpus lines that could not be read. */
  problems: CorpusProblem[];
}

export interface WhatIfOptions {
  /** The new configuration. */
  config: Config;
  newEffects?: NewEffects;
  /** Scans re-run at once (default 16). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

const tally = (map: Record<string, number>, key: string): void => void (map[key] = (map[key] ?? 0) + 1);

/** The differences between a captured result and a new one. */
function compare(scan: CorpusScan, after: CapturedResult, newEffects: number): ScanComparison {
  const before = scan.result;
  const was = new Set(Object.keys(before.symbols));
  const now = new Set(Object.keys(after.symbols));
  return {
    id: scan.id,
    where: scan.where,
    messageId: before.messageId,
    before,
    after,
    scoreDelta: Math.round((after.score - before.score) * 1000) / 1000,
    appeared: [...now].filter((s) => !was.has(s)).sort(),
    disappeared: [...was].filter((s) => !now.has(s)).sort(),
    newEffects,
  };
}

/**
 * Re-runs captured scans with new rules, answering every effect the old and
 * new rules share from the capture, and reports what would have changed.
 *
 * @example
 * const { scans, problems } = readCorpus('corpus');
 * const report = await whatIf(scans, problems, { config: defineConfig(next) });
 */
export async function whatIf(corpus: CorpusScan[], problems: CorpusProblem[], options: WhatIfOptions): Promise<WhatIfReport> {
  const newEffects: NewEffects = options.newEffects ?? { mode: 'fail' };
  const tasks = new Map<string, CapturedTask>();
  const start = corpus.length ? Date.parse(corpus[0].at) || 0 : 0;
  const clock = new VirtualClock({ start });
  const io = whatIfInterpreter(tasks, newEffects, { clock, redact: { fields: [...(options.config.capture?.redact ?? [])] } });
  const scanner = createScanner(options.config, { io, logger: createLogger({ level: 'silent' }), capture: false });
  const report: WhatIfReport = {
    thresholds: { ...options.config.actions } as Record<string, number>,
    scans: corpus.length,
    compared: 0,
    changed: [],
    comparisons: [],
    transitions: {},
    scoreChanged: 0,
    symbols: {},
    newEffects: { mode: newEffects.mode, total: 0, scans: 0, byType: {}, bySymbol: {} },
    notCompared: [],
    problems,
  };
  const one = async (scan: CorpusScan, i: number): Promise<void> => {
    const id = `whatif-${i}`;
    const task = new CapturedTask(scan.effects);
    tasks.set(id, task);
    let result: ScanResult | null = null;
    let failure: string | null = null;
    try {
      result = await scanner.scan(scan.raw, { ...scan.envelope, headers: scan.headers }, { id });
    } catch (error) {
      failure = toCoraxError(error).message;
    } finally {
      tasks.delete(id);
    }
    if (task.fresh.length) {
      report.newEffects.scans++;
      for (const f of task.fresh) {
        report.newEffects.total++;
        tally(report.newEffects.byType, f.type);
        tally(report.newEffects.bySymbol, f.symbol);
      }
    }
    if (!result) return void report.notCompared.push({ id: scan.id, where: scan.where, reason: failure ?? 'no result' });
    const c = compare(scan, capturedResult(result), task.fresh.length);
    report.compared++;
    report.comparisons.push(c);
    if (c.before.action !== c.after.action) {
      report.changed.push(c);
      tally(report.transitions, `${c.before.action} → ${c.after.action}`);
    }
    if (c.scoreDelta !== 0) report.scoreChanged++;
    for (const name of Object.keys(c.before.symbols)) (report.symbols[name] ??= { before: 0, after: 0 }).before++;
    for (const name of Object.keys(c.after.symbols)) (report.symbols[name] ??= { before: 0, after: 0 }).after++;
  };
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < corpus.length) {
      const i = next++;
      await one(corpus[i], i);
      options.onProgress?.(++done, corpus.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, corpus.length) }, worker));
  } finally {
    await scanner.close();
    await io.close?.();
  }
  // the corpus order, whatever order the scans finished in
  const order = new Map(corpus.map((s, i) => [s.where, i]));
  const byCorpus = (a: { where: string }, b: { where: string }): number => order.get(a.where)! - order.get(b.where)!;
  report.changed.sort(byCorpus);
  report.comparisons.sort(byCorpus);
  report.notCompared.sort(byCorpus);
  return report;
}
