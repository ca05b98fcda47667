import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Counter, Gauge, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { Effect } from '../../effects/effect.ts';
import type { CoraxError } from '../../effects/errors.ts';
import type { CancelReason, Middleware } from '../../effects/handler.ts';
import { actionNames } from '../config/config.ts';
import { observe, type Observer } from '../interpreters/use.ts';
import { EffectCall } from '../driver/effect-call.ts';
import { TallyCounter, TallyHistogram } from './tally.ts';
import type { ScanResult, TaskReport } from '../scan/scan.ts';

const durationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The server's metrics, in a prom-client registry of its own: scans and
 * their actions and durations, symbols' outcomes and results, effects and
 * their errors by family, request errors, and the process metrics. Under
 * `--workers N` every worker keeps its own and /stat and /metrics answer
 * with all of them aggregated by the primary (prom-client's cluster
 * aggregation), whichever worker is asked.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly started = Date.now();
  active = 0;
  /** Scans answered by this process (for its own shutdown log). */
  scanned = 0;
  // what is counted on every scan or effect is a tally: plain numbers, exported when read
  private readonly scans = new TallyCounter('corax_scanned_total', 'Messages scanned.', [], this.registry);
  private readonly actions = new TallyCounter('corax_actions_total', 'Scans by resulting action.', ['action'], this.registry);
  private readonly duration = new TallyHistogram('corax_scan_duration_seconds', 'Time from request to result.', null, durationBuckets, this.registry);
  private readonly timeouts = new TallyCounter('corax_scan_timeouts_total', 'Scans ended by the task timeout.', [], this.registry);
  private readonly failures = new Counter({ name: 'corax_scan_failures_total', help: 'Scans that failed (no result).', registers: [this.registry] });
  private readonly errors = new Counter({ name: 'corax_request_errors_total', help: 'Requests answered with an error status.', labelNames: ['status'], registers: [this.registry] });
  private readonly outcomes = new TallyCounter('corax_symbol_runs_total', 'Symbol runs by outcome (ok, error, timeout, halted, skipped, not run).', ['symbol', 'outcome'], this.registry);
  private readonly results = new TallyCounter('corax_results_total', 'Results inserted, by name.', ['name'], this.registry);
  readonly effects = new TallyCounter('corax_effects_total', 'Effects performed, by family and outcome.', ['family', 'outcome'], this.registry);
  readonly effectErrors = new TallyCounter('corax_effect_errors_total', 'Effects that failed, by family and error code.', ['family', 'code'], this.registry);
  readonly effectDuration = new TallyHistogram('corax_effect_duration_seconds', 'Time from effect to answer, by family.', 'family', durationBuckets, this.registry);
  readonly symbolDuration = new TallyHistogram('corax_symbol_effect_seconds', 'Time a symbol spent waiting on each effect, by symbol.', 'symbol', durationBuckets, this.registry);

  constructor() {
    const active = this;
    new Gauge({ name: 'corax_active_scans', help: 'Scans in progress.', registers: [this.registry], collect() { this.set(active.active); } });
    new Gauge({ name: 'corax_uptime_seconds', help: 'Seconds since the server started.', registers: [this.registry], aggregator: 'max', collect() { this.set(Math.round((Date.now() - active.started) / 1000)); } });
    for (const action of [...actionNames, 'no action']) this.actions.inc(action, '', 0);
    this.scans.inc('', '', 0);
    this.timeouts.inc('', '', 0);
    collectDefaultMetrics({ register: this.registry, prefix: 'corax_' });
  }

  scanDone(result: ScanResult): void {
    this.scanned++;
    this.scans.inc();
    this.actions.inc(result.action);
    this.duration.observe('', result.timeReal);
    if (result.timedOut) this.timeouts.inc();
    for (const name in result.symbols) this.results.inc(name);
  }

  scanFailed(): void {
    this.failures.inc();
  }

  requestError(status: number): void {
    this.errors.inc({ status: String(status) });
  }

  /** The scanner's end-of-task report: each symbol's outcome. */
  taskEnded = (report: TaskReport): void => {
    const { outcomes } = report;
    for (const symbol in outcomes) this.outcomes.inc(symbol, outcomes[symbol]);
  };

  /** Middleware counting effects and timing them, by family and by symbol. */
  middleware: Middleware = (next) => (effect: Effect, ctx) => {
    const metrics = new EffectMetrics(this, familyOf(effect.type), ctx.symbol);
    // the driver reports the end of the effects it runs; any other caller's answers are wrapped
    return ctx instanceof EffectCall && ctx.watch(metrics) ? next(effect, ctx) : observe(next, effect, ctx, metrics);
  };

  /** What /metrics shows: this process's metrics, or under --workers every worker's, aggregated. */
  async prometheus(): Promise<string> {
    return cluster.isWorker ? (await clusterMetrics()).text : this.registry.metrics();
  }

  /** What /stat shows, for this process or (under --workers) the whole server. */
  async json(): Promise<Record<string, unknown>> {
    const metrics = cluster.isWorker ? (await clusterMetrics()).json : await this.registry.getMetricsAsJSON();
    return statFrom(metrics);
  }
}

const families = new Map<string, string>();

/** `dns` of `dns.request`, computed once per effect type. */
function familyOf(type: string): string {
  let family = families.get(type);
  if (family === undefined) families.set(type, (family = type.slice(0, type.indexOf('.'))));
  return family;
}

/** One effect's counting, as it ends (an object, not closures: this runs for every effect). */
class EffectMetrics implements Observer {
  private readonly started = performance.now();

  constructor(
    private readonly metrics: ServerMetrics,
    private readonly family: string,
    private readonly symbol: string,
  ) {}

  settled(ok: boolean, value: unknown): void {
    const seconds = (performance.now() - this.started) / 1000;
    const { metrics, family } = this;
    metrics.effects.inc(family, ok ? 'ok' : 'error');
    metrics.effectDuration.observe(family, seconds);
    metrics.symbolDuration.observe(this.symbol, seconds);
    if (!ok) metrics.effectErrors.inc(family, (value as CoraxError)?.code ?? 'EUNKNOWN');
  }

  canceled(reason: CancelReason): void {
    this.metrics.effects.inc(this.family, reason === 'timeout' ? 'timeout' : 'canceled');
    if (reason === 'timeout') this.metrics.effectErrors.inc(this.family, 'ETIMEDOUT');
  }
}

function values(metrics: MetricObjectWithValues<MetricValue<string>>[], name: string): MetricValue<string>[] {
  return metrics.find((m) => m.name === name)?.values ?? [];
}

function total(metrics: MetricObjectWithValues<MetricValue<string>>[], name: string): number {
  return values(metrics, name).reduce((sum, v) => sum + v.value, 0);
}

/** Rspamd-like /stat JSON from metrics (one process's or the aggregate). */
function statFrom(metrics: MetricObjectWithValues<MetricValue<string>>[]): Record<string, unknown> {
  const scanned = total(metrics, 'corax_scanned_total');
  const sum = values(metrics, 'corax_scan_duration_seconds').find((v) => (v as { metricName?: string }).metricName === 'corax_scan_duration_seconds_sum')?.value ?? 0;
  const byLabel = (name: string, label: string): Record<string, number> => Object.fromEntries(values(metrics, name).map((v) => [String(v.labels[label]), v.value]));
  return {
    scanned,
    actions: byLabel('corax_actions_total', 'action'),
    avg_scan_time: scanned ? sum / scanned : 0,
    timed_out: total(metrics, 'corax_scan_timeouts_total'),
    failed: total(metrics, 'corax_scan_failures_total'),
    active: total(metrics, 'corax_active_scans'),
    errors: byLabel('corax_request_errors_total', 'status'),
    uptime: total(metrics, 'corax_uptime_seconds'),
    rss: total(metrics, 'corax_process_resident_memory_bytes'),
    // the process that answered (under --workers, the figures above are the whole server's)
    pid: process.pid,
  };
}

// under --workers: a worker asks the primary, the primary asks every worker and aggregates

type Ask = { corax: 'metrics?'; id: number } | { corax: 'metrics-collect'; id: number } | { corax: 'metrics-json'; id: number; json: unknown } | { corax: 'metrics!'; id: number; text: string; json: MetricObjectWithValues<MetricValue<string>>[] };

let asked = 0;
const waiting = new Map<number, (answer: { text: string; json: MetricObjectWithValues<MetricValue<string>>[] }) => void>();
let workerRegistry: Registry | null = null;

/** A worker's side: answer the primary's collection requests with this registry, and receive aggregates. */
export function serveClusterMetrics(registry: Registry): void {
  if (!cluster.isWorker || workerRegistry) return;
  workerRegistry = registry;
  process.on('message', (message: Ask) => {
    if (message?.corax === 'metrics-collect') {
      void registry.getMetricsAsJSON().then((json) => process.send?.({ corax: 'metrics-json', id: message.id, json }));
    } else if (message?.corax === 'metrics!') {
      waiting.get(message.id)?.({ text: message.text, json: message.json });
      waiting.delete(message.id);
    }
  });
}

function clusterMetrics(): Promise<{ text: string; json: MetricObjectWithValues<MetricValue<string>>[] }> {
  const id = ++asked;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('the primary did not answer for the cluster metrics within 5 s'));
    }, 5000);
    waiting.set(id, (answer) => {
      clearTimeout(timer);
      resolve(answer);
    });
    process.send?.({ corax: 'metrics?', id });
  });
}

/** The primary's side: on a worker's request, collect every worker's metrics, aggregate, and answer it. */
export function aggregateClusterMetrics(): void {
  let collecting = 0;
  cluster.on('message', (from, message: Ask) => {
    if (message?.corax !== 'metrics?') return;
    const round = ++collecting;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
    const replies: unknown[] = [];
    let settled = false;
    const finish = async (): Promise<void> => {
      if (settled) return;
      settled = true;
      cluster.off('message', collect);
      const registry = AggregatorRegistry.aggregate(replies as MetricObjectWithValues<MetricValue<string>>[][]);
      from.send({ corax: 'metrics!', id: message.id, text: await registry.metrics(), json: await registry.getMetricsAsJSON() });
    };
    const collect = (_worker: unknown, reply: Ask): void => {
      if (reply?.corax !== 'metrics-json' || reply.id !== round) return;
      replies.push(reply.json);
      if (replies.length === workers.length) void finish();
    };
    cluster.on('message', collect);
    for (const w of workers) w.send({ corax: 'metrics-collect', id: round });
    setTimeout(() => void finish(), 2000).unref();
  });
}
