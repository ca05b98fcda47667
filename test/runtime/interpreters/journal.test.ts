// Recordings that survive a crash: a journal line per completed effect, a lock against a second recorder, tidy.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScanner, createTestInterpreter, defineSymbol, dns, record, replay } from '../../../index.ts';
import { tidyRecording } from '../../../runtime/interpreters/journal.ts';
import { bin, fixture } from '../../support/corax-process.ts';
import { silent } from '../../support/logger.ts';

let dir = '';
const LOOKUP = defineSymbol({
  name: 'LOOKUP',
  mime: false,
  *callback(task) {
    const [err, records] = yield* dns.request({ type: 'a', name: task.getSubject() ?? 'x.test' });
    task.insertResult('LOOKUP', 1, err ?? records[0]);
  },
});
const io = () => createTestInterpreter({ handlers: { 'dns.request': (e: { name: string }) => [`192.0.2.${e.name.length}`] } });

const Journal = suite('record(): the journal');
Journal.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'corax-journal-'));
});
Journal.after(() => rmSync(dir, { recursive: true, force: true }));

Journal('each completed effect is a line of FILE.partial at once; close writes FILE and removes the journal and the lock', async () => {
  const path = join(dir, 'a.jsonl');
  const recorder = record(io(), { path });
  const scanner = createScanner({ symbols: [LOOKUP] }, { io: recorder, logger: silent });
  await scanner.scan('Subject: one.test\r\n\r\nx');
  await scanner.scan('Subject: two.test\r\n\r\nx');
  assert.is(readFileSync(`${path}.partial`, 'utf8').trim().split('\n').length, 3, 'header and two entries, before close');
  assert.ok(existsSync(`${path}.lock`));
  await recorder.close();
  assert.not.ok(existsSync(`${path}.partial`));
  assert.not.ok(existsSync(`${path}.lock`));
  const replayed = await createScanner({ symbols: [LOOKUP] }, { io: replay({ path }), logger: silent }).scan('Subject: two.test\r\n\r\nx');
  assert.equal(replayed.symbols.LOOKUP.options, ['192.0.2.8']);
});

Journal('a second recorder of the same file, while the first is alive, is refused by name', async () => {
  const path = join(dir, 'b.jsonl');
  const first = record(io(), { path });
  assert.throws(() => record(io(), { path }), (e: Error) => e.name === 'RecordingLockedError' && e.message.includes(`${path} is being recorded by process ${process.pid}`));
  await first.close();
});

Journal('after a crash, tidy turns the journal into a recording that replays, dropping a cut-off line', async () => {
  const path = join(dir, 'c.jsonl');
  const recorder = record(io(), { path });
  await createScanner({ symbols: [LOOKUP] }, { io: recorder, logger: silent }).scan('Subject: crash.test\r\n\r\nx');
  // the process dies here: no close(); and a last line was cut off mid-write
  appendFileSync(`${path}.partial`, '{"task":"x","key":"LOOK');
  const done = tidyRecording(path);
  assert.equal([done.entries, done.dropped], [1, 1]);
  const replayed = await createScanner({ symbols: [LOOKUP] }, { io: replay({ path }), logger: silent }).scan('Subject: crash.test\r\n\r\nx');
  assert.equal(replayed.symbols.LOOKUP.options, ['192.0.2.10']);
});

Journal('tidy refuses a journal whose recorder is still alive', async () => {
  const path = join(dir, 'live.jsonl');
  writeFileSync(`${path}.partial`, '');
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    writeFileSync(`${path}.lock`, String(other.pid));
    assert.throws(() => tidyRecording(path), new RegExp(`is being recorded by process ${other.pid} .*tidy it once that process has stopped`));
    assert.ok(existsSync(`${path}.partial`) && existsSync(`${path}.lock`));
  } finally {
    other.kill('SIGKILL');
  }
});

Journal('corax scan --io record:FILE over 400 messages, SIGKILLed halfway: tidy keeps what finished, and exactly that replays', async () => {
  const messages = join(dir, 'msgs');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(messages);
  for (let i = 0; i < 400; i++) writeFileSync(join(messages, `m${String(i).padStart(3, '0')}.eml`), `Subject: m${i}\r\n\r\nx\r\n`);
  const path = join(dir, 'cli.jsonl');
  const child = spawn(process.execPath, [bin, 'scan', '--config', fixture('slow-sleep.config.ts'), '--io', `record:${path}`, '--concurrency', '1', messages], { stdio: 'ignore' });
  const lines = (): number => (existsSync(`${path}.partial`) ? readFileSync(`${path}.partial`, 'utf8').split('\n').length - 2 : 0);
  for (let i = 0; i < 800 && lines() < 200; i++) await new Promise((r) => setTimeout(r, 10));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.not.ok(existsSync(path), 'no final file after SIGKILL');
  const run = (args: string[]): Promise<{ code: number | null; out: string }> =>
    new Promise((resolve) => {
      const c = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CORAX_LOG_LEVEL: 'fatal' } });
      let out = '';
      c.stdout!.on('data', (d) => (out += d));
      c.stderr!.on('data', (d) => (out += d));
      c.once('exit', (code) => resolve({ code, out }));
    });
  const tidy = await run(['recording', 'tidy', path]);
  assert.is(tidy.code, 0, tidy.out);
  assert.not.ok(existsSync(`${path}.lock`), 'the dead recorder\'s lock is gone with its journal');
  const kept = Number(/(\d+) entries from/.exec(tidy.out)?.[1]);
  assert.ok(kept >= 200 && kept < 400, tidy.out);
  // every message whose effect finished replays; the others have nothing recorded
  const replayed = await run(['scan', '--config', fixture('slow-sleep.config.ts'), '--io', `replay:${path}`, messages]);
  assert.match(replayed.out, new RegExp(`${kept} of 400 messages scanned`));
});

Journal.run();
