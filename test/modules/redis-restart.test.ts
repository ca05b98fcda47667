import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createLiveInterpreter, redis } from '../../index.ts';
import { outcome } from '../support/live.ts';
import { freePort } from '../support/net.ts';


/** A private redis-server on `port`, in the foreground, ready when it says so. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`cannot start redis-server (is it installed?): ${e.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
    child.stdout!.on('data', (chunk) => {
      if (/Ready to accept connections/.test(String(chunk))) resolve();
    });
  });
  return child;
}

const Restart = suite('redis module: the server stops and comes back');

Restart('rules see errors while Redis is down and recover when it is back, without restarting corax', async () => {
  const port = await freePort();
  let server = await startRedis(port);
  const io = createLiveInterpreter({ symbols: [] });
  const params = { servers: `127.0.0.1:${port}`, timeout: 500 };
  try {
    assert.equal(await outcome(io, () => redis.request(params, ['SET', 'k', 'before'])), [null, 'OK']);

    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGKILL');
    await exited;
    const down: (string | null)[] = [];
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const [code] = await outcome(io, () => redis.request(params, ['GET', 'k']));
      down.push(code);
      assert.ok(Date.now() - started < 700, 'errors come quickly, not after a queue');
    }
    assert.ok(down.every((c) => c === 'ECONNREFUSED' || c === 'ECONNRESET'), `while down: ${down}`);

    server = await startRedis(port);
    let back: [string | null, unknown] = ['never', null];
    for (let i = 0; i < 60 && back[0] !== null; i++) {
      back = await outcome(io, () => redis.request(params, ['SET', 'k', 'after']));
      if (back[0] !== null) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(back, [null, 'OK'], 'the same interpreter works again');
    assert.equal(await outcome(io, () => redis.request(params, ['GET', 'k'])), [null, 'after']);
  } finally {
    await io.close();
    server.kill('SIGKILL');
  }
});

Restart.run();
