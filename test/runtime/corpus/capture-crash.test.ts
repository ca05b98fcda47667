import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCorpus } from '../../../runtime/corpus/corpus.ts';
import { whatIf } from '../../../runtime/corpus/whatif.ts';
import { exampleMessages } from '../../../examples/run-example.ts';
import { startExampleServices } from '../../../examples/services/index.ts';
import { cleanup, requireRedis, testPrefix } from '../../support/redis.ts';
import { serve } from '../../support/corax-process.ts';

const exampleConfig = fileURLToPath(new URL('../../../examples/corax.config.ts', import.meta.url));

const Crash = suite('capture: a server killed with SIGKILL mid-load');

Crash('keeps every scan it answered, and they replay', async () => {
  const redis = await requireRedis();
  const services = await startExampleServices('any');
  const prefix = testPrefix('capture-crash');
  const dir = mkdtempSync(join(tmpdir(), 'corax-capture-crash-'));
  const env = { ...services.env, CORAX_EXAMPLE_REDIS_PREFIX: prefix };
  const saved = { ...process.env };
  try {
    const server = await serve(['--config', exampleConfig, '--capture', dir], env);
    const messages = exampleMessages().map((f) => readFileSync(f));
    const answered = new Set<string>();
    let sent = 0;
    let killed = false;
    const client = async (): Promise<void> => {
      while (!killed) {
        const id = `q${sent++}`;
        try {
          const res = await fetch(`${server.url}/checkv2`, { method: 'POST', body: messages[sent % messages.length], headers: { 'Queue-Id': id } });
          if (res.ok) {
            await res.json();
            answered.add(id);
          }
        } catch {
          // the server is gone: this scan was in flight
        }
        if ((answered.size >= 150 || sent > 3000) && !killed) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    await server.exited;
    assert.ok(answered.size >= 150, `only ${answered.size} of ${sent} requests answered`);

    const { scans, problems } = readCorpus(dir);
    const kept = new Set(scans.map((s) => s.id));
    const lost = [...answered].filter((id) => !kept.has(id));
    assert.equal(lost, [], 'every answered scan is in the corpus');
    // what may be missing is only what was in flight: at most the 8 clients' requests
    assert.ok(scans.length <= answered.size + 8, `${scans.length} kept, ${answered.size} answered`);
    assert.ok(problems.every((p) => /unfinished last line/.test(p.problem)), JSON.stringify(problems));

    Object.assign(process.env, env);
    const { default: config } = await import(`../../../examples/corax.config.ts?crash=${Date.now()}`);
    const report = await whatIf(scans, problems, { config });
    assert.is(report.compared, scans.length);
    assert.equal(report.notCompared, []);
    assert.equal(report.changed, []);
    assert.is(report.scoreChanged, 0);
  } finally {
    process.env = saved;
    await services.stop();
    await cleanup(redis, prefix);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
});

Crash.run();
