import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { createScanner, createTestInterpreter, defineConfig, defineSymbol, dns, faults, http, time } from '../../../index.ts';
import { CaptureWriter } from '../../../runtime/corpus/capture.ts';
import { resolveCapture } from '../../../runtime/corpus/capture-config.ts';
import { readCorpus } from '../../../runtime/corpus/corpus.ts';
import { whatIf } from '../../../runtime/corpus/whatif.ts';
import { whatIfHtml } from '../../../runtime/report/whatif-html.ts';
import { TimelineRecorder } from '../../../runtime/report/timeline.ts';
import { timelineHtml } from '../../../runtime/report/timeline-html.ts';
import { use } from '../../../runtime/interpreters/use.ts';
import { launchChromium } from '../../support/chromium.ts';
import { corax } from '../../support/corax-process.ts';

/** Where the screenshots go (kept after the run, for people to look at). */
const shots = process.env.CORAX_REPORT_DIR ?? join(tmpdir(), 'corax-reports');

/** Opens a file, collecting console errors and page errors. */
async function open(browser: Browser, file: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`file://${file}`);
  return { page, errors };
}

const Reports = suite('HTML reports in headless Chromium');
let browser: Browser;
let dir = '';
Reports.before(async () => {
  browser = await launchChromium();
  dir = mkdtempSync(join(tmpdir(), 'corax-html-'));
  mkdirSync(shots, { recursive: true });
});
Reports.after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

Reports('the what-if report: cards, one dot per scan, the changed scans and symbols, no console errors', async () => {
  const LISTED = (zone: string, score: number) =>
    defineSymbol({
      name: `LISTED_${zone.toUpperCase()}`,
      score,
      mime: false,
      *callback(task) {
        const [err] = yield* dns.request({ type: 'a', name: `${task.getSubject()}.${zone}.test` });
        if (!err) task.insertResult(`LISTED_${zone.toUpperCase()}`, 1);
      },
    });
  const listed = new Set(['s1', 's3', 's5', 's7', 's8']);
  const capture = new CaptureWriter(resolveCapture({ dir: join(dir, 'corpus') })!);
  const io = createTestInterpreter({ handlers: { 'dns.request': (e) => (listed.has(e.name.split('.')[0]) ? ['127.0.0.2'] : faults.nxdomain()) } });
  const old = defineConfig({ symbols: [LISTED('a', 5)] });
  const scanner = createScanner(old, { io, capture });
  for (let i = 0; i < 10; i++) await scanner.scan(`Subject: s${i}\r\nMessage-ID: <m${i}@example.test>\r\n\r\nhello\r\n`);
  capture.close();
  const { scans, problems } = readCorpus(join(dir, 'corpus'));
  const next = defineConfig({ symbols: [LISTED('a', 5), LISTED('b', 2)] });
  const report = await whatIf(scans, problems, {
    config: next,
    newEffects: { mode: 'handlers', handlers: { 'dns.request': (e) => (e.name.startsWith('s8.') || e.name.startsWith('s9.') ? ['127.0.0.3'] : faults.nxdomain()) } },
  });
  // s8: 5 → 7 (greylist → add header); s9: 0 → 2 (no change of action)
  assert.equal(report.changed.map((c) => c.messageId), ['m8@example.test']);
  const file = join(dir, 'whatif.html');
  writeFileSync(file, whatIfHtml(report, { corpus: 'corpus', config: 'next.config.ts' }));
  const { page, errors } = await open(browser, file);
  assert.is(await page.locator('#scores circle.scan').count(), 10);
  assert.is(await page.locator('#scores circle.changed').count(), 1);
  assert.is(await page.locator('#scores line.threshold').count(), 3);
  assert.is((await page.locator('#card-changed b').textContent())?.trim(), '1');
  assert.match((await page.locator('#changed').textContent()) ?? '', /m8@example\.test.*greylist.*add header/s);
  assert.match((await page.locator('#symbols').textContent()) ?? '', /LISTED_B/);
  assert.match((await page.locator('#new-effects').textContent()) ?? '', /dns\.request\s*10/);
  await page.screenshot({ path: join(shots, 'whatif.png'), fullPage: true });
  assert.equal(errors, []);
});

Reports('the scan timeline from a replayed recording: a row per symbol, effect bars, the timeout and errors marked', async () => {
  const file = join(dir, 'timeline.html');
  const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
  const run = await corax(['scan', '--config', join(examples, 'corax.config.ts'), '--io', `replay:${join(examples, 'recordings/demo.jsonl')}`, '--timeline', file, join(examples, 'messages')]);
  assert.is(run.code, 0, run.stderr);
  const { page, errors } = await open(browser, file);
  assert.is(await page.locator('section.task').count(), 4);
  const first = page.locator('section.task').first();
  assert.match((await first.locator('h2').textContent()) ?? '', /ham\.eml$/);
  assert.is(await first.locator('g.row').count(), 6);
  assert.ok((await first.locator('rect.effect').count()) >= 8);
  // ham's sender is in no blocklist: the DNSBL answer is an error (NXDOMAIN), drawn as one
  assert.ok((await first.locator('rect.effect-error').count()) >= 1);
  const errorTitles = await first.locator('rect.effect-error title').allTextContents();
  assert.ok(errorTitles.some((t) => /dns\.request.*NXDOMAIN/s.test(t)), errorTitles.join(' | '));
  await page.screenshot({ path: join(shots, 'timeline.png'), fullPage: true });
  assert.equal(errors, []);
});

Reports('a scan that hits the task timeout shows the timeout line and the effects it cancelled', async () => {
  const SLOW = defineSymbol({
    name: 'SLOW',
    mime: false,
    *callback() {
      yield* http.request({ url: 'http://slow.test/', timeout: 5000 });
    },
  });
  const FAST = defineSymbol({
    name: 'FAST',
    mime: false,
    *callback() {
      yield* time.sleep(20);
    },
  });
  const config = defineConfig({ symbols: [SLOW, FAST], taskTimeout: 300 });
  const io = createTestInterpreter({
    handlers: {
      'http.request': function* () {
        yield* time.sleep(10_000);
        return { code: 200 };
      },
    },
  });
  const timeline = new TimelineRecorder(io.clock, config);
  const scanner = createScanner(config, { io: use(io, timeline.middleware), onTaskEnd: timeline.taskEnded, logger: pino({ level: 'silent' }) });
  const result = await scanner.scan('Subject: x\r\n\r\ny\r\n', {}, { id: 't1' });
  assert.ok(result.timedOut);
  const file = join(dir, 'timeout.html');
  writeFileSync(file, timelineHtml(timeline.tasks));
  const { page, errors } = await open(browser, file);
  assert.is(await page.locator('line.task-timeout').count(), 1);
  assert.is(await page.locator('rect.effect-canceled').count(), 1);
  assert.match((await page.locator('.meta').nth(1).textContent()) ?? '', /task timed out/);
  assert.match((await page.locator('g.row[data-symbol="SLOW"]').textContent()) ?? '', /halted|timeout/);
  await page.screenshot({ path: join(shots, 'timeline-timeout.png'), fullPage: true });
  assert.equal(errors, []);
});

Reports.run();
