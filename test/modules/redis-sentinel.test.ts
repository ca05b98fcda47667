import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLiveInterpreter, redis } from '../../index.ts';
import { outcome } from '../support/live.ts';
import { freePort } from '../support/net.ts';

/** A private redis-server (or sentinel) in the foreground, ready when its log says so. */
async function start(args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`cannot start redis-server (is it installed?): ${e.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server ${args.join(' ')} exited with ${code}`)));
    child.stdout!.on('data', (chunk) => {
      if (ready.test(String(chunk))) resolve();
    });
  });
  return child;
}

const Sentinel = suite('redis module: Sentinel');

Sentinel('finds the master through a sentinel and runs commands on it', async () => {
  const masterPort = await freePort();
  const sentinelPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'corax-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, `port ${sentinelPort}\nbind 127.0.0.1\nsentinel monitor corax-master 127.0.0.1 ${masterPort} 1\nsentinel down-after-milliseconds corax-master 5000\n`);
  const master = await start(['--port', String(masterPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/);
  const sentinel = await start([conf, '--sentinel'], /Sentinel ID is|monitor master corax-master/);
  const io = createLiveInterpreter({ symbols: [], redis: { sentinels: `127.0.0.1:${sentinelPort}`, sentinel_master: 'corax-master', prefix: 'sentinel-test:' } });
  try {
    assert.equal(await outcome(io, () => redis.request(redis.params(), ['SET', 'k', 'through sentinel'])), [null, 'OK']);
    assert.equal(await outcome(io, () => redis.request(redis.params(), ['GET', 'k'])), [null, 'through sentinel']);
  } finally {
    await io.close();
    sentinel.kill('SIGKILL');
    master.kill('SIGKILL');
  }
});

Sentinel.run();
