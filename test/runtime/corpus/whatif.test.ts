import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createLiveInterpreter, createScanner, createTestInterpreter, defineConfig, defineSymbol, faults, http, time } from '../../../index.ts';
import { CaptureWriter } from '../../../runtime/corpus/capture.ts';
import { resolveCapture } from '../../../runtime/corpus/capture-config.ts';
import { readCorpus } from '../../../runtime/corpus/corpus.ts';
import { whatIf } from '../../../runtime/corpus/whatif.ts';
import { exampleMessages } from '../../../examples/run-example.ts';
import { startExampleServices } from '../../../examples/services/index.ts';
import { cleanup, requireRedis, testPrefix } from '../../support/redis.ts';
import { corax } from '../../support/corax-process.ts';

const quiet = pino({ level: 'silent' });
const name = (where: string, scans: { where: string; id: string }[]): string => scans.find((s) => s.where === where)!.id;

/**
 * Captures the example messages scanned live against the example services
 * and the real Redis, then stops them. The rules read where the services are
 * from the environment: it stays set, as the same deployment's would.
 */
async function captureExamples(dir: string): Promise<void> {
  const redis = await requireRedis();
  const services = await startExampleServices('any');
  const prefix = testPrefix('whatif');
  Object.assign(process.env, services.env, { CORAX_EXAMPLE_REDIS_PREFIX: prefix });
  try {
    const { default: config } = await import(`../../../examples/corax.config.ts?whatif=${Date.now()}`);
    const io = createLiveInterpreter(config);
    const capture = new CaptureWriter(resolveCapture({ dir })!);
    const scanner = createScanner(config, { io, logger: quiet, capture });
    for (const file of exampleMessages()) await scanner.scan(readFileSync(file), {}, { id: file.split('/').pop()! });
    capture.close();
    await io.close();
  } finally {
    await services.stop();
    await cleanup(redis, prefix);
    redis.disconnect();
  }
}

const WhatIf = suite('whatIf: captured live scans re-run offline with changed rules');
let dir = '';
const savedEnv = { ...process.env };
WhatIf.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'corax-whatif-'));
  await captureExamples(dir);
});
WhatIf.after(() => {
  process.env = savedEnv;
  rmSync(dir, { recursive: true, force: true });
});

WhatIf('the capture keeps every scan with its effects and result', () => {
  const { scans, problems } = readCorpus(dir);
  assert.equal(problems, []);
  assert.equal(scans.map((s) => s.id), ['ham.eml', 'newsletter.eml', 'phish.eml', 'spam.eml']);
  assert.equal(scans.map((s) => s.result.action), ['no action', 'greylist', 'reject', 'reject']);
  for (const s of scans) {
    assert.ok(s.effects.length >= 8, `${s.id}: ${s.effects.length} effects`);
    assert.ok(s.raw.toString().includes('Message-ID'), s.id);
  }
  const types = new Set(scans.flatMap((s) => s.effects.map((e) => e.effect.type.split('.')[0])));
  assert.equal([...types].sort(), ['dns', 'http', 'redis', 'tcp']);
});

WhatIf('the same rules give the same results from the capture alone (the services are stopped)', async () => {
  const { scans, problems } = readCorpus(dir);
  const { default: config } = await import('../../../examples/corax.config.ts');
  const report = await whatIf(scans, problems, { config });
  assert.is(report.compared, 4);
  assert.equal(report.changed, []);
  assert.is(report.scoreChanged, 0);
  assert.is(report.newEffects.total, 0);
  assert.equal(report.notCompared, []);
});

WhatIf('a lower threshold and a new DNS lookup: the exact changed verdicts, and the new effects counted', async () => {
  const { scans, problems } = readCorpus(dir);
  const { default: config } = await import('../../fixtures/whatif.config.ts');
  const report = await whatIf(scans, problems, {
    config,
    newEffects: { mode: 'handlers', handlers: { 'dns.request': (e) => (e.name === 'spammer.test.dbl.corax.test' ? ['127.0.0.2'] : faults.nxdomain()) } },
  });
  assert.is(report.compared, 4);
  assert.equal(
    report.changed.map((c) => [name(c.where, scans), c.before.action, c.after.action, c.before.score, c.after.score]),
    [['newsletter.eml', 'greylist', 'add header', 5.5, 5.5]],
  );
  assert.equal(report.transitions, { 'greylist → add header': 1 });
  // phish and spam come from spammer.test: +3 each, still reject
  assert.is(report.scoreChanged, 2);
  assert.equal(report.symbols.SENDER_DBL, { before: 0, after: 2 });
  assert.equal(report.symbols.URIBL_LISTED, { before: 3, after: 3 });
  assert.equal(report.newEffects, { mode: 'handlers', total: 4, scans: 4, byType: { 'dns.request': 4 }, bySymbol: { SENDER_DBL: 4 } });
});

WhatIf('with --new-effects fail, a scan that needs an effect the capture lacks is not compared, and says why', async () => {
  const { scans, problems } = readCorpus(dir);
  const { default: config } = await import('../../fixtures/whatif.config.ts');
  const report = await whatIf(scans, problems, { config });
  assert.is(report.compared, 0);
  assert.is(report.notCompared.length, 4);
  assert.match(report.notCompared[0].reason, /SENDER_DBL makes dns\.request\(a friends\.test\.dbl\.corax\.test\), which is not in the capture; answer new effects with --new-effects live or handlers:FILE/);
});

WhatIf('corax whatif prints the report, writes JSON and exits 1 past --fail-on', async () => {
  const handlers = join(import.meta.dirname, '../../fixtures/whatif-handlers.ts');
  const config = join(import.meta.dirname, '../../fixtures/whatif.config.ts');
  const env = { CORAX_EXAMPLE_HTTP: process.env.CORAX_EXAMPLE_HTTP!, CORAX_EXAMPLE_DNS: process.env.CORAX_EXAMPLE_DNS!, CORAX_EXAMPLE_TCP_PORT: process.env.CORAX_EXAMPLE_TCP_PORT! };
  const text = await corax(['whatif', '--config', config, '--corpus', dir, '--new-effects', `handlers:${handlers}`], env);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /4 captured scans, 4 compared\naction changed: 1   score changed: 2\n +1  greylist → add header/);
  assert.match(text.stdout, /new effects \(answered by the handlers\): 4 in 4 scans/);
  const json = await corax(['whatif', '--config', config, '--corpus', dir, '--new-effects', `handlers:${handlers}`, '--json', '--fail-on', '0'], env);
  assert.is(json.code, 1);
  assert.match(json.stderr, /1 of 4 scans change action, more than --fail-on 0 allows/);
  assert.is(JSON.parse(json.stdout).changed[0].after.action, 'add header');
  const share = await corax(['whatif', '--config', config, '--corpus', dir, '--new-effects', `handlers:${handlers}`, '--fail-on', '25%'], env);
  assert.is(share.code, 0, share.stderr);
  const bad = await corax(['whatif', '--config', config, '--corpus', dir, '--new-effects', 'sometimes']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--new-effects sometimes: expected fail, live or handlers:FILE/);
});

WhatIf.run();

const Timing = suite('whatIf: captured answers keep their captured time');

Timing('a lowered timeout fires where the captured answer came later; a longer one still gets the captured answer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corax-whatif-t-'));
  try {
    const rule = (timeout: number) =>
      defineSymbol({
        name: 'SCORER',
        mime: false,
        *callback(task) {
          const [err] = yield* http.request({ url: 'http://scorer.test/score', timeout });
          task.insertResult(err ? 'SCORER_ERROR' : 'SCORER_OK', 1, err?.code ?? 'ok');
          yield* time.sleep(1);
        },
      });
    const settings = (timeout: number) => ({ symbols: [rule(timeout)], scores: { SCORER_ERROR: 1, SCORER_OK: 0 } });
    const io = createTestInterpreter({
      handlers: {
        'http.request': function* (e) {
          yield* time.sleep(e.url.includes('slow') ? 500 : 50);
          return { code: 200, content: 'ok' };
        },
      },
    });
    const capture = new CaptureWriter(resolveCapture({ dir })!);
    const scanner = createScanner(defineConfig(settings(100)), { io, logger: quiet, capture });
    await scanner.scan('Subject: a\r\n\r\nb\r\n', {}, { id: 'a' });
    capture.close();
    const { scans, problems } = readCorpus(dir);
    assert.is(scans[0].effects.find((e) => e.effect.type === 'http.request')!.ms, 50);

    const lower = await whatIf(scans, problems, { config: defineConfig(settings(20)) });
    assert.equal(Object.keys(lower.comparisons[0].after.symbols), ['SCORER_ERROR']);
    assert.equal(lower.comparisons[0].after.symbols.SCORER_ERROR.options, ['ETIMEDOUT']);
    assert.is(lower.newEffects.total, 0);

    const same = await whatIf(scans, problems, { config: defineConfig(settings(300)) });
    assert.equal(Object.keys(same.comparisons[0].after.symbols), ['SCORER_OK']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Timing.run();
