// The per-effect tallies export what prom-client's own counters and histograms would, in the text format and through cluster aggregation.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { TallyCounter, TallyHistogram } from '../../../runtime/server/tally.ts';

const bounds = [0.001, 0.01, 0.1, 1];
const Tally = suite('metric tallies');

Tally('a tally counter and histogram print as prom-client\'s own', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const counter = new TallyCounter('x_effects_total', 'Effects.', ['family', 'outcome'], ours);
  const histogram = new TallyHistogram('x_effect_seconds', 'Time.', 'family', bounds, ours);
  const pCounter = new Counter({ name: 'x_effects_total', help: 'Effects.', labelNames: ['family', 'outcome'], registers: [theirs] });
  const pHistogram = new Histogram({ name: 'x_effect_seconds', help: 'Time.', labelNames: ['family'], buckets: bounds, registers: [theirs] });
  const seen: [string, string, number][] = [['http', 'ok', 0.0005], ['http', 'ok', 0.02], ['dns', 'error', 2], ['http', 'timeout', 0.1], ['dns', 'ok', 0.001]];
  for (const [family, outcome, seconds] of seen) {
    counter.inc(family, outcome);
    pCounter.inc({ family, outcome });
    histogram.observe(family, seconds);
    pHistogram.observe({ family }, seconds);
  }
  // the same lines (series may come in another order, which Prometheus does not mind)
  const lines = async (r: Registry): Promise<string[]> => (await r.metrics()).split('\n').sort();
  assert.equal(await lines(ours), await lines(theirs));
  // and as the primary aggregates workers' registries
  const aggregated = AggregatorRegistry.aggregate([await ours.getMetricsAsJSON(), await ours.getMetricsAsJSON()]);
  const text = await aggregated.metrics();
  assert.match(text, /x_effects_total\{family="http",outcome="ok"\} 4/);
  assert.match(text, /x_effect_seconds_bucket\{le="0\.01",family="http"\} 2/);
  assert.match(text, /x_effect_seconds_count\{family="dns"\} 4/);
});

Tally.run();
