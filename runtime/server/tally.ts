import type { Registry } from 'prom-client';

/**
 * Counters and histograms for what happens on every effect, cheap enough for
 * that: a value is found by its label values in nested maps (no label
 * object hashed per call, as prom-client's own metrics do), and turned into
 * prom-client's form only when /metrics or /stat reads the registry.
 */
interface Exported {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: { labels: Record<string, string | number>; sharedLabels?: Record<string, string>; value: number; metricName?: string }[];
  aggregator: 'sum';
}

abstract class Tallied<Cell> {
  readonly aggregator = 'sum';
  protected readonly cells = new Map<string, Map<string, Cell>>();

  constructor(
    readonly name: string,
    readonly help: string,
    protected readonly labelNames: readonly [] | readonly [string] | readonly [string, string],
    registry: Registry,
  ) {
    // prom-client reads any registered object that answers get() in its own metrics' form
    registry.registerMetric(this as never);
  }

  protected cell(a: string, b: string, make: () => Cell): Cell {
    let row = this.cells.get(a);
    if (!row) this.cells.set(a, (row = new Map()));
    let cell = row.get(b);
    if (cell === undefined) row.set(b, (cell = make()));
    return cell;
  }

  protected labels(a: string, b: string): Record<string, string> {
    const [first, second] = this.labelNames;
    if (first === undefined) return {};
    return second === undefined ? { [first]: a } : { [first]: a, [second]: b };
  }

  reset(): void {
    this.cells.clear();
  }

  abstract get(): Promise<Exported>;
}

const zero = (): { value: number } => ({ value: 0 });

/** A counter with no label, one or two. */
export class TallyCounter extends Tallied<{ value: number }> {
  readonly type = 'counter';

  inc(a = '', b = '', by = 1): void {
    this.cell(a, b, zero).value += by;
  }

  async get(): Promise<Exported> {
    const values: Exported['values'] = [];
    for (const [a, row] of this.cells) for (const [b, cell] of row) values.push({ labels: this.labels(a, b), value: cell.value });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

interface Buckets {
  counts: Float64Array;
  sum: number;
  count: number;
}

/** A histogram with one label or none (`label` null) and fixed upper bounds (seconds). */
export class TallyHistogram extends Tallied<Buckets> {
  readonly type = 'histogram';

  constructor(name: string, help: string, label: string | null, private readonly bounds: readonly number[], registry: Registry) {
    super(name, help, label === null ? [] : [label], registry);
    // without labels the one series is there, all zeroes, before the first observation (as prom-client shows it)
    if (label === null) this.cell('', '', this.empty);
  }

  private readonly empty = (): Buckets => ({ counts: new Float64Array(this.bounds.length), sum: 0, count: 0 });

  observe(a: string, seconds: number): void {
    const cell = this.cell(a, '', this.empty);
    cell.sum += seconds;
    cell.count++;
    const { bounds } = this;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]!) {
        cell.counts[i]!++;
        break;
      }
    }
  }

  /** The JSON form (/stat, cluster aggregation): each value with all its labels. */
  async get(): Promise<Exported> {
    const out = await this.getForPromString();
    out.values = out.values.map(({ labels, sharedLabels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
    return out;
  }

  /** The text form, laid out as prom-client's histograms are. */
  async getForPromString(): Promise<Exported> {
    const values: Exported['values'] = [];
    const bucket = `${this.name}_bucket`;
    for (const [a, row] of this.cells) {
      const cell = row.get('')!;
      const labels = this.labels(a, '');
      // in prom-client's own layout: `le` first, the metric's labels shared by the series
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += cell.counts[i]!;
        values.push({ labels: { le }, sharedLabels: labels, value: cumulative, metricName: bucket });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: labels, value: cell.count, metricName: bucket });
      values.push({ labels: {}, sharedLabels: labels, value: cell.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: labels, value: cell.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
