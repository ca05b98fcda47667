import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corax, fixture } from '../../support/corax-process.ts';
import { startDnsServer } from '../../support/dns-server.ts';

const Cli = suite('corax scan --io record / replay');

Cli('recording live and replaying offline print the same report', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'corax-cli-')), 'scan.jsonl');
  const names = await startDnsServer({ 'resolve-me.test': { records: { A: ['192.0.2.20'] } } });
  const args = ['scan', '--config', fixture('basic.config.ts'), '--header', 'to-resolve=resolve-me.test', fixture('messages')];
  const live = await corax([...args.slice(0, 1), '--io', `record:${path}`, ...args.slice(1)], { CORAX_TEST_DNS: names.address });
  const jsonPath = `${path}.json-run`;
  const liveJson = await corax([...args.slice(0, 1), '--io', `record:${jsonPath}`, '--json', ...args.slice(1)], { CORAX_TEST_DNS: names.address });
  await names.close();
  assert.is(live.code, 0, live.stderr);
  assert.match(live.stdout, /RESOLVE\s+1\.00\s+192\.0\.2\.20/);
  assert.match(readFileSync(path, 'utf8'), /"type":"dns\.request"/);

  // the DNS server is gone: only the recording can answer
  const replayed = await corax([...args.slice(0, 1), '--io', `replay:${path}`, ...args.slice(1)]);
  assert.is(replayed.code, 0, replayed.stderr);
  assert.is(replayed.stdout, live.stdout);

  const json = await corax([...args.slice(0, 1), '--io', `replay:${jsonPath}`, '--json', ...args.slice(1)]);
  const strip = (s: string) => s.replace(/"time_real":[0-9.]+/g, '');
  assert.is(strip(json.stdout), strip(liveJson.stdout), 'the same JSON, the scan time aside');
  assert.is(json.stdout.trim().split('\n').length, 2);
});

Cli('a bad --io spec is a usage error', async () => {
  const r = await corax(['scan', '--config', fixture('basic.config.ts'), '--io', 'tape:x', fixture('messages/ham.eml')]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--io tape:x: expected live, record:FILE or replay:FILE/);
  const missing = await corax(['scan', '--config', fixture('basic.config.ts'), '--io', 'replay:/nonexistent.jsonl', fixture('messages/ham.eml')]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /no such file/);
});

Cli.run();
