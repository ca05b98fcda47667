import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLiveInterpreter, createScanner, record, replay } from '../../index.ts';
import { callbackStyle, syncStyle } from '../../examples/rspamd-guide/index.ts';
import { guideConformance } from '../support/conformance.ts';
import { startGuideServices } from '../support/guide-live.ts';
import { guideExpected, guideTask, optionsOf } from '../support/guide.ts';
import { silent } from '../support/logger.ts';

// Record every guide example live against local servers, stop the servers, then
// replay: the conformance suite must pass offline with the same results.
guideConformance('replayed from a live recording, servers stopped', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'corax-guide-')), 'guide.jsonl');
  const services = await startGuideServices('guide-record');
  const live = record(createLiveInterpreter({ symbols: [], ...services.config }), { path });
  for (const [style, symbols] of [['callback', callbackStyle], ['sync', syncStyle]] as const) {
    const { message, ...envelope } = guideTask;
    const result = await createScanner({ ...services.config, symbols }, { io: live, logger: silent }).scan(message, { ...envelope, queueId: `guide-${style}` });
    assert.equal(optionsOf(result), guideExpected[style], 'the live run itself');
  }
  await live.close();
  await services.stop();
  const text = readFileSync(path, 'utf8');
  for (const type of ['http.request', 'dns.request', 'tcp.connect', 'tcp.read', 'redis.request', 'redis.exec']) {
    assert.ok(text.includes(`"type":"${type}"`), `the recording covers ${type}`);
  }
  return { io: replay({ path }), config: services.config };
});
