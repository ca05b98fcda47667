/**
 * Side-by-side measurement: the contenders run in turns (A B A B …) in one
 * process, and results are reported as medians with min and max, plus ratios,
 * because absolute figures on a shared machine drift.
 */
import os from 'node:os';

export interface Contender {
  name: string;
  /** Runs `n` operations; returns nothing, or how many operations it did when that differs. */
  run(n: number): Promise<number | void> | number | void;
}

export interface Figures {
  name: string;
  /** Operations per second, one figure per round. */
  rates: number[];
  median: number;
  min: number;
  max: number;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Whether the benchmark runs as a smoke test (tiny counts), e.g. under `npm test`. */
export const quick = process.argv.includes('--quick') || process.env.CORAX_BENCH_QUICK === '1';

export async function alternate(contenders: Contender[], options: { n: number; rounds: number; warmup?: number }): Promise<Figures[]> {
  const rates = contenders.map(() => [] as number[]);
  for (const c of contenders) await c.run(options.warmup ?? Math.max(1, Math.floor(options.n / 10)));
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const t0 = process.hrtime.bigint();
      const did = await contenders[i].run(options.n);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      rates[i].push((typeof did === 'number' ? did : options.n) / seconds);
    }
  }
  return contenders.map((c, i) => ({ name: c.name, rates: rates[i], median: median(rates[i]), min: Math.min(...rates[i]), max: Math.max(...rates[i]) }));
}

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A Markdown table of figures with each row's ratio to `base`. */
export function table(figures: Figures[], unit: string, base = figures[figures.length - 1]): string {
  const rows = figures.map(
    (f) => `| ${f.name} | ${fmt(f.median)} | ${fmt(f.min)} – ${fmt(f.max)} | ${(f.median / base.median).toFixed(2)}× |`,
  );
  return [`| contender | median ${unit} | min – max | ratio to ${base.name} |`, '|---|---|---|---|', ...rows].join('\n');
}

/** Prints a section and returns it, so `npm run bench` can collect it into BENCHMARKS.md. */
export function report(title: string, body: string): string {
  const text = `## ${title}\n\n${body}\n`;
  console.log(text);
  return text;
}

/** A numeric command-line option (`--name 5`), or `fallback`. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
