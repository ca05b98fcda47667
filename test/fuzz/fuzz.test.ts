import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fuzzDns, fuzzHttp } from './fuzz.ts';

const Fuzz = suite('fuzzing (bounded; npm run fuzz for a longer run)');

Fuzz('the DNS answer path: random and mutated datagrams are answers, errors or ignored, never a crash', () => {
  const stats = fuzzDns(20_000, 7);
  assert.equal(stats.failures, []);
  assert.is(stats.inputs, 20_000);
  assert.ok(stats.accepted > 0 && stats.malformed > 0 && stats.ignored > 0, JSON.stringify({ ...stats, failures: undefined }));
});

Fuzz('the scan server: random and mutated requests get an answer or a close, no 5xx, no leaked handle', async () => {
  const stats = await fuzzHttp(600, 7);
  assert.equal(stats.failures, []);
  assert.is(stats.inputs, 600);
  assert.ok((stats.statuses['200'] ?? 0) > 0 && (stats.statuses['400'] ?? 0) > 0, JSON.stringify(stats.statuses));
  assert.ok(stats.handlesAfter <= stats.handlesBefore, `handles: ${stats.handlesBefore} before, ${stats.handlesAfter} after`);
});

Fuzz.run();
