import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { createLiveInterpreter, createTestInterpreter, replay, type ScanResult } from '../../index.ts';
import { exampleHandlers } from '../../examples/test-handlers.ts';
import { scanExamples } from '../../examples/run-example.ts';
import { startExampleServices } from '../../examples/services/index.ts';
import { cleanup, requireRedis, testPrefix } from '../support/redis.ts';

/** What the example rule set finds in each example message, however it is run. */
const expected: Record<string, { action: string; score: number; symbols: Record<string, string[]> }> = {
  'ham.eml': { action: 'no action', score: 0, symbols: {} },
  'newsletter.eml': { action: 'greylist', score: 5.5, symbols: { CONTENT_SPAMMY: ['unsubscribe'], URIBL_LISTED: ['evil.test'] } },
  'phish.eml': {
    action: 'reject',
    score: 16.5,
    symbols: {
      CONTENT_SPAMMY: ['verify your account'],
      HELO_BAD: ['helo-is-ip'],
      RBL_SENDER_IP: ['203.0.113.66:127.0.0.4'],
      SENDER_NO_MX: ['spammer.test'],
      SENDER_SPF_PASS_ALL: ['v=spf1 +all'],
      URIBL_LISTED: ['phish.test'],
    },
  },
  'spam.eml': {
    action: 'reject',
    score: 23.5,
    symbols: {
      CONTENT_SPAMMY: ['winner', 'free money', 'click here', 'act now'],
      HELO_BAD: ['helo-localhost'],
      RBL_SENDER_IP: ['198.51.100.23:127.0.0.2'],
      SENDER_NO_MX: ['spammer.test'],
      SENDER_RATELIMIT: ['spammer.test: 2/min'],
      SENDER_SPF_PASS_ALL: ['v=spf1 +all'],
      URIBL_LISTED: ['cheap-pills.test'],
    },
  },
};

function check(results: { file: string; result: ScanResult }[]): void {
  assert.is(results.length, 4);
  for (const { file, result } of results) {
    const name = file.split('/').pop()!;
    const want = expected[name];
    const got = Object.fromEntries(Object.values(result.symbols).map((s) => [s.name, s.options ?? []]));
    assert.equal(got, want.symbols, name);
    assert.is(result.action, want.action, name);
    assert.ok(Math.abs(result.score - want.score) < 1e-9, `${name}: score ${result.score}`);
  }
}

const Ruleset = suite('examples/ruleset: the same results three ways');

Ruleset('under the test interpreter, answering from the services’ own data', async () => {
  check(await scanExamples(createTestInterpreter({ handlers: exampleHandlers() })));
  check(await scanExamples(createTestInterpreter({ handlers: exampleHandlers(), seed: 'demo' })));
});

Ruleset('replayed from examples/recordings/demo.jsonl', async () => {
  check(await scanExamples(replay({ path: fileURLToPath(new URL('../../examples/recordings/demo.jsonl', import.meta.url)) })));
});

Ruleset('live against examples/services and the real Redis', async () => {
  const redis = await requireRedis();
  const services = await startExampleServices('any');
  const prefix = testPrefix('ruleset');
  const saved = { ...process.env };
  Object.assign(process.env, services.env, { CORAX_EXAMPLE_REDIS_PREFIX: prefix });
  try {
    const { default: config } = await import(`../../examples/corax.config.ts?live=${Date.now()}`);
    const io = createLiveInterpreter(config);
    try {
      check(await scanExamples(io, config));
    } finally {
      await io.close();
    }
  } finally {
    process.env = saved;
    await services.stop();
    await cleanup(redis, prefix);
    redis.disconnect();
  }
});

Ruleset.run();
