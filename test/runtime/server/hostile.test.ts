// Hostile messages against a running `corax serve` while 8 clients keep scanning normal mail.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture, serve, type ServeProcess } from '../../support/corax-process.ts';
import { attack } from '../../support/hostile-load.ts';

const taskTimeout = 2000; // body-rules.config.ts

let server: ServeProcess;
const Hostile = suite('corax serve: hostile messages');

Hostile.before(async () => {
  server = await serve(['--config', fixture('body-rules.config.ts')]);
});

Hostile.after(async () => {
  await server.stop();
});

Hostile('every hostile scan answers within the task timeout, a body rule sees the spam URL, and normal scans keep their latency', async () => {
  const report = await attack(server.url);
  for (const h of report.hostile) {
    assert.is(h.status, 200, h.name);
    // the scan ends by its task timeout at the latest; the reply then crosses loopback
    assert.ok(h.ms < taskTimeout + 250, `${h.name}: answered after ${h.ms.toFixed(0)} ms (task timeout ${taskTimeout} ms)`);
    if (h.spamUrl) assert.ok(h.symbols.SPAM_URL, `${h.name}: the body rule did not see the spam URL (${Object.keys(h.symbols).join(', ')})`);
  }
  const byName = (prefix: string) => report.hostile.find((h) => h.name.includes(prefix))!;
  assert.equal(byName('MIME parts').symbols.MIME_LIMIT_EXCEEDED.options, ['parts>2048']);
  assert.equal(byName('300-deep').symbols.MIME_LIMIT_EXCEEDED.options, ['depth>64']);
  // a floor keeps a sub-millisecond baseline from turning one GC pause into a failure
  const allowed = Math.max(3 * report.baselineP99, 15);
  assert.ok(report.duringP99 <= allowed, `normal p99 ${report.duringP99.toFixed(1)} ms during the attack, baseline ${report.baselineP99.toFixed(1)} ms (allowed ${allowed.toFixed(1)} ms)`);
});

Hostile.run();
