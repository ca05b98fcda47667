// Redis Cluster: a private three-master cluster (a replica each) on loopback; commands routed by key slot, pipelines kept in one slot, and a master's failover during scans.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import { createLiveInterpreter, createScanner, defineConfig, redis } from '../../index.ts';
import { COUNTED } from '../fixtures/failover-counter.ts';
import { outcome } from '../support/live.ts';
import { silent } from '../support/logger.ts';
import { startRedisCluster, type LocalRedisCluster } from '../support/redis-cluster.ts';

const keySlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;
const prefix = 'corax-cluster-test:';

let cluster: LocalRedisCluster;
const Cluster = suite('redis module: Redis Cluster');
Cluster.before(async () => {
  cluster = await startRedisCluster();
});
Cluster.after(async () => {
  await cluster?.stop();
});

Cluster('commands go to the master that owns their key, whichever seed is given', async () => {
  const io = createLiveInterpreter({ symbols: [], redis: { cluster: cluster.seeds, prefix } });
  try {
    const keys = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
    for (const key of keys) assert.equal(await outcome(io, () => redis.request(redis.params(), ['SET', key, `value of ${key}`])), [null, 'OK']);
    for (const key of keys) assert.equal(await outcome(io, () => redis.request(redis.params(), ['GET', key])), [null, `value of ${key}`]);
    const masters = new Set(keys.map((k) => cluster.masterOf(keySlot(prefix + k)).port));
    assert.ok(masters.size >= 2, `the keys live on ${masters.size} masters`);
    // one seed is enough: the client learns the rest of the cluster from it
    const one = createLiveInterpreter({ symbols: [], redis: { cluster: `127.0.0.1:${cluster.nodes[5]!.port}`, prefix } });
    try {
      assert.equal(await outcome(one, () => redis.request(redis.params(), ['GET', 'charlie'])), [null, 'value of charlie']);
    } finally {
      await one.close();
    }
  } finally {
    await io.close();
  }
});

Cluster('a pipeline whose keys share a hash tag runs on one node; one that spans slots is refused before anything is sent', async () => {
  const io = createLiveInterpreter({ symbols: [], redis: { cluster: cluster.seeds, prefix } });
  try {
    const tagged = await outcome(io, function* () {
      const [, conn] = yield* redis.connect(redis.params());
      conn!.addCmd('SET', ['{user42}:seen', 'yes']);
      conn!.addCmd('INCR', ['{user42}:sent']);
      conn!.addCmd('GET', ['{user42}:seen']);
      return yield* conn!.exec();
    });
    assert.equal(tagged, [null, [[null, 'OK'], [null, 1], [null, 'yes']]]);
    const spanning = await outcome(io, function* () {
      const [, conn] = yield* redis.connect(redis.params());
      conn!.addCmd('SET', ['alpha', 'changed']);
      conn!.addCmd('SET', ['bravo', 'changed']);
      return yield* conn!.exec();
    });
    assert.is(spanning[0], 'EINVAL');
    assert.match(String(spanning[1]), /^a Redis Cluster pipeline must keep its keys in one slot: "corax-cluster-test:alpha" is in slot \d+, "corax-cluster-test:bravo" in slot \d+; give them one hash tag/);
    assert.equal(await outcome(io, () => redis.request(redis.params(), ['GET', 'alpha'])), [null, 'value of alpha'], 'nothing of the refused pipeline was sent');
    // a multi-key command across slots is Redis's own error
    const cross = await outcome(io, () => redis.request(redis.params(), ['MGET', 'alpha', 'bravo']));
    assert.is(cross[0], 'EREDIS');
    assert.match(String(cross[1]), /^CROSSSLOT/);
  } finally {
    await io.close();
  }
});

Cluster('a script runs for keys on every master: it is loaded on each of them', async () => {
  const io = createLiveInterpreter({ symbols: [], redis: { cluster: cluster.seeds, prefix } });
  try {
    const incr = redis.script(`return redis.call('INCRBY', KEYS[1], ARGV[1])`);
    const keys = ['s-alpha', 's-bravo', 's-charlie', 's-delta', 's-echo', 's-foxtrot', 's-golf', 's-hotel'];
    assert.ok(new Set(keys.map((k) => cluster.masterOf(keySlot(prefix + k)).port)).size >= 2);
    for (const key of keys) assert.equal(await outcome(io, () => incr.exec(redis.params(), [key], [5], { write: true })), [null, 5], key);
    // a module's command, which the client cannot map to keys, is left for Redis to judge
    const unknown = await outcome(io, function* () {
      const [, conn] = yield* redis.connect(redis.params());
      conn!.addCmd('NOSUCH.CMD', ['{t}:a']);
      conn!.addCmd('GET', ['{t}:a']);
      return yield* conn!.exec();
    });
    assert.is(unknown[0], null, String(unknown[1]));
  } finally {
    await io.close();
  }
});

Cluster('a config with cluster and a database other than 0 is refused', () => {
  assert.throws(() => defineConfig({ symbols: [], redis: { cluster: '127.0.0.1:7000', db: 2 } }), /redis\.db is 2; expected 0 with cluster \(Redis Cluster has only database 0\)/);
  assert.throws(() => defineConfig({ symbols: [], redis: { cluster: 'not a node' } }), /redis\.cluster\[0\] is "not a node"; expected host:port/);
});

Cluster('a master killed during a run of scans: its replica takes over, every scan answers, only pipelines in flight on the dead master see an error', async () => {
  const scanner = createScanner({ symbols: [COUNTED], taskTimeout: 10_000, redis: { cluster: cluster.seeds, prefix, timeout: 5000 } }, { logger: silent });
  const victim = cluster.masterOf(keySlot(`${prefix}{failover}:scans`));
  const outcomes: string[] = [];
  let running = true;
  // eight clients scanning back to back until told to stop
  const clients = Array.from({ length: 8 }, async () => {
    while (running) {
      const result = await scanner.scan('Subject: count me\r\n\r\nbody\r\n');
      outcomes.push(result.symbols.COUNTED?.options?.[0] ?? 'no result');
    }
  });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const before = outcomes.length;
    const took = await cluster.fail(victim);
    const during = outcomes.length - before;
    await new Promise((r) => setTimeout(r, 1000));
    running = false;
    await Promise.all(clients);
    const errors = outcomes.filter((o) => !/^\d+$/.test(o));
    // a pipeline in flight on the killed master cannot know whether it ran: its rule sees the reset, as in Rspamd (at most one per client);
    // every later command waits for the promoted replica
    assert.ok(errors.length <= 8 && errors.every((e) => e === 'error ECONNRESET'), `errors: ${errors.join(', ')}`);
    assert.ok(outcomes.slice(-200).every((o) => /^\d+$/.test(o)), 'scans after the failover succeed');
    console.log(`    failover: ${took} ms to a promoted replica; ${during} scans answered meanwhile; ${outcomes.length} scans, ${errors.length} saw a reset`);
  } finally {
    running = false;
    await Promise.all(clients);
    await scanner.close();
  }
});

Cluster.run();
