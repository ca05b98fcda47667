// corax serve under the node flags operators give (heap sizes, GC tracing): the parse threads start and large messages are parsed on them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { workerExecArgv } from '../../../runtime/scan/mime/pool.ts';
import { bin, fixture } from '../../support/corax-process.ts';
import { freePort } from '../../support/net.ts';

const Flags = suite('node flags and the parse threads');

Flags('a parse thread keeps the module-loading flags and drops V8 and process-wide ones', () => {
  assert.equal(
    workerExecArgv(['--max-old-space-size=512', '--conditions', 'development', '--import', 'tsx', '--max-semi-space-size=32', '--trace-gc', '--title=corax', '--enable-source-maps', '--require=./x.cjs', '--no-warnings']),
    ['--conditions', 'development', '--import', 'tsx', '--enable-source-maps', '--require=./x.cjs', '--no-warnings'],
  );
});

Flags('node --max-old-space-size=512 --max-semi-space-size=32 corax serve: starts, and a 300 KB message is scanned (on a parse thread)', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--max-old-space-size=512', '--max-semi-space-size=32', bin, 'serve', '--config', fixture('body-rules.config.ts'), '--bind', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d) => {
        log += d;
        if (/listening/.test(log)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`corax serve exited with ${code}: ${log}`)));
    });
    const body = `Subject: big\r\nContent-Type: text/plain\r\n\r\n${'see http://spam.test/x now\r\n'.repeat(9000)}`;
    const res = await fetch(`http://127.0.0.1:${port}/checkv2`, { method: 'POST', body });
    assert.is(res.status, 200, await res.clone().text());
    const result = (await res.json()) as { symbols: Record<string, unknown> };
    assert.ok(result.symbols.SPAM_URL, JSON.stringify(result.symbols));
  } finally {
    child.kill('SIGTERM');
  }
});

Flags.run();
