import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cleanup, redisServer, requireRedis, testPrefix } from '../../support/redis.ts';

const Garbage = suite('garbage: what a finished scan leaves in the old generation');

/** Bytes the main thread's young collections promoted in a child that scanned `scans` messages. */
function promotedBy(scans: number, prefix: string): { bytes: number; scavenges: number } {
  const child = fileURLToPath(new URL('../../support/garbage-child.ts', import.meta.url));
  const run = spawnSync(process.execPath, ['--no-allocation-site-pretenuring', '--trace-gc-nvp', '--conditions=development', '--import', 'tsx', child], {
    encoding: 'utf8',
    env: { ...process.env, SCANS: String(scans), REDIS_SERVER: redisServer(), REDIS_PREFIX: prefix },
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stderr, new RegExp(`scans=${scans} failed=0`));
  // the main thread's collections: the isolate with the most of them (tsx's loader thread has its own)
  const lines = run.stdout.split('\n').filter((l) => l.includes(' gc='));
  const counts = new Map<string, number>();
  for (const l of lines) {
    const isolate = /^\[\d+:(0x[0-9a-f]+)\]/.exec(l)?.[1] ?? '';
    counts.set(isolate, (counts.get(isolate) ?? 0) + 1);
  }
  const main = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  let bytes = 0;
  let scavenges = 0;
  for (const l of lines) {
    if (!l.includes(`:${main}]`)) continue;
    bytes += Number(/\bpromoted=(\d+)/.exec(l)?.[1] ?? 0);
    if (l.includes(' gc=s ')) scavenges++;
  }
  return { bytes, scavenges };
}

/**
 * V8's own account (--trace-gc-nvp) of the bytes its young collections
 * promote while scanning the bench message. A scan that nothing keeps
 * after it ends promotes next to nothing; the failures this guards against
 * promoted 4 to 10 KB per scan: an object made per scan that V8 keeps in the
 * old generation and that points back at the scan (a getter with a closure
 * of its own on every report or ioredis pipeline), and allocation-site
 * pretenuring, off in the `corax` command and here.
 */
Garbage('a scan with a body rule and a Redis pipeline promotes under 1.5 KB (measured: about 0.5; the bugs this guards against: 4 to 10)', async () => {
  const client = await requireRedis();
  const prefix = testPrefix('garbage');
  try {
    // what loading the code promotes is the same in both runs; the difference is what 18,000 scans promoted
    const few = promotedBy(2_000, prefix);
    const many = promotedBy(20_000, prefix);
    assert.ok(many.scavenges - few.scavenges >= 20, `too few young collections to judge (${many.scavenges - few.scavenges})`);
    const perScan = (many.bytes - few.bytes) / 1024 / 18_000;
    assert.ok(perScan < 1.5, `promoted ${perScan.toFixed(2)} KB per scan over ${many.scavenges - few.scavenges} young collections`);
  } finally {
    await cleanup(client, prefix);
    client.disconnect();
  }
});

Garbage.run();
