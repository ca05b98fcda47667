import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const Bench = suite('benchmarks, once each with tiny counts (so none rots)');

Bench('npm run bench -- --quick: every benchmark runs and reports', () => {
  const run = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', fileURLToPath(new URL('../../bench/index.ts', import.meta.url)), '--quick'], { encoding: 'utf8', timeout: 240_000 });
  assert.is(run.status, 0, run.stderr);
  for (const title of ['Dispatch', 'Live protocols', 'Replay', 'End to end', 'Scale', 'Load under faults']) {
    assert.match(run.stdout, new RegExp(`^## ${title}`, 'm'), `${title} missing`);
  }
  assert.match(run.stdout, /\| corax effect \(test interpreter\) \| [\d,]+ /);
  assert.match(run.stdout, /\| 200 \| 200 \| 0 \|/, 'load: every request answered');
});

Bench.run();
