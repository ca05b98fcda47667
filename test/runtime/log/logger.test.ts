import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../runtime/log/logger.ts';

const Logger = suite('createLogger');

Logger('secrets logged by mistake are redacted', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'corax-log-')), 'log.jsonl');
  const log = createLogger({ level: 'info', destination: path });
  log.info({ password: 'hunter2', redis: { password: 'redispass' }, headers: { authorization: 'Bearer tok3n', cookie: 'sid=abc' }, effect: { password: 'p4ss', headers: { authorization: 'Basic xyz' } } }, 'oops');
  log.child({ task: 't1' }).warn({ params: { password: 'childpass' } }, 'nested');
  log.flush();
  await new Promise((r) => setTimeout(r, 50));
  const text = readFileSync(path, 'utf8');
  for (const secret of ['hunter2', 'redispass', 'tok3n', 'sid=abc', 'p4ss', 'Basic xyz', 'childpass']) assert.not.ok(text.includes(secret), `${secret} leaked: ${text}`);
  assert.match(text, /\[redacted\]/);
  assert.match(text, /"task":"t1"/);
});

Logger.run();
