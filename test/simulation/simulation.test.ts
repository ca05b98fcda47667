import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { simulate, simulateMany } from './simulate.ts';

const Simulation = suite('simulation: the example rule set under random faults and orders');

Simulation('thousands of scans over many seeds: every invariant holds', async () => {
  const total = await simulateMany(50, 40);
  assert.equal(total.violations, [], total.violations.slice(0, 5).join('\n'));
  assert.is(total.scans, 2000);
  assert.ok(total.timedOut > 0, 'some scans hit the task timeout');
  for (const kind of ['latency', 'timeout', 'refused', 'reset', 'nxdomain', 'servfail', 'error', 'truncated']) {
    assert.ok((total.faults[kind] ?? 0) > 0, `no ${kind} fault was injected`);
  }
});

Simulation('a seed reproduces its run exactly', async () => {
  const a = await simulate(4242, 30);
  const b = await simulate(4242, 30);
  assert.equal(a, b);
  const c = await simulate(4243, 30);
  assert.not.equal(a.faults, c.faults);
});

Simulation.run();
