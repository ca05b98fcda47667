import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

const Quickstart = suite('quick start, from a clean clone');

Quickstart('npm run demo scans the examples live and prints the report; the README replay command agrees', () => {
  const clone = join(mkdtempSync(join(tmpdir(), 'corax-clone-')), 'corax');
  execFileSync('git', ['clone', '--quiet', root, clone]);
  // the clone gets the installed dependencies instead of a second `npm ci`
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');

  const demo = spawnSync('npm', ['run', '--silent', 'demo'], { cwd: clone, encoding: 'utf8', timeout: 60_000 });
  assert.is(demo.status, 0, demo.stderr);
  const out = demo.stdout;
  assert.match(out, /^corax demo: the example rule set, live against local services/);
  for (const [file, action] of [['ham', 'no action'], ['newsletter', 'greylist'], ['phish', 'reject'], ['spam', 'reject']]) {
    assert.match(out, new RegExp(`examples/messages/${file}\\.eml\\n  Action: ${action} `));
  }
  assert.match(out, /4 messages scanned live in \d+\.\d\d s: 1 no action, 1 greylist, 2 reject\./);
  assert.match(out, /npx corax scan --config examples\/corax\.config\.ts --io replay:examples\/recordings\/demo\.jsonl examples\/messages/);

  const replayed = spawnSync('npx', ['corax', 'scan', '--config', 'examples/corax.config.ts', '--io', 'replay:examples/recordings/demo.jsonl', 'examples/messages'], {
    cwd: clone,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.is(replayed.status, 0, replayed.stderr);
  const tables = (text: string) => text.split('\n').filter((l) => /^(examples\/|  )/.test(l) && !/^  (content scorer|npx)/.test(l));
  assert.equal(tables(replayed.stdout), tables(out));
});

Quickstart.run();
