// The CLI as users meet it: help, one-line errors with the right exit status, stdin, folder walks, init.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, corax, fixture } from '../../support/corax-process.ts';

const config = fixture('basic.config.ts');
const message = 'From: a@b.test\r\nSubject: spam offer\r\n\r\nbody\r\n';
let dir = '';
let busy: Server;
let busyPort = 0;

const Cli = suite('corax CLI: help and mistakes');
Cli.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'corax-cli-'));
  writeFileSync(join(dir, 'm.eml'), message);
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  busyPort = (busy.address() as { port: number }).port;
});
Cli.after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await new Promise((r) => busy.close(r));
});

for (const command of ['scan', 'serve', 'init']) {
  Cli(`corax ${command} --help prints its usage and exits 0`, async () => {
    const r = await corax([command, '--help']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Usage: corax ${command}`));
  });
}

const mistakes: Array<[string, string[], number, RegExp]> = [
  ['an unknown option', ['scan', '--config', config, '--nope', 'x.eml'], 2, /^corax: unknown option --nope \(see corax scan --help\)\n$/],
  ['a port out of range', ['serve', '--config', config, '--bind', '127.0.0.1:99999'], 2, /^corax: --bind 127\.0\.0\.1:99999: expected HOST:PORT with a port from 0 to 65535/],
  ['an unknown log level', ['serve', '--config', config, '--log-level', 'loud'], 2, /^corax: --log-level loud: expected one of fatal, error, warn, info/],
  ['an invalid --ip', ['scan', '--config', config, '--ip', 'not-an-ip', 'm.eml'], 2, /^corax: --ip not-an-ip: expected an IPv4 or IPv6 address/],
  ['a bad --workers', ['serve', '--config', config, '--workers', 'many'], 2, /^corax: --workers must be a positive integer, got many/],
  ['a missing config file', ['scan', '--config', 'nope.config.ts', 'm.eml'], 2, /^corax: config file not found: .*nope\.config\.ts/],
  ['a missing message', ['scan', '--config', config, 'missing.eml'], 1, /^corax: cannot read missing\.eml: no such file or directory/],
];
for (const [what, args, code, pattern] of mistakes) {
  Cli(`${what}: one line on stderr, exit ${code}, no stack trace`, async () => {
    const r = await corax(args, {}, dir);
    assert.is(r.code, code, r.stderr);
    assert.match(r.stderr, pattern);
    assert.not.match(r.stderr, /\n\s+at /);
  });
}

Cli('a port in use: one line, exit 1', async () => {
  const r = await corax(['serve', '--config', config, '--bind', `127.0.0.1:${busyPort}`], { CORAX_LOG_LEVEL: 'fatal' });
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`corax: cannot listen on 127\\.0\\.0\\.1:${busyPort}: the address is in use`));
  assert.not.match(r.stderr, /\n\s+at /);
});

const Scan = suite('corax scan: inputs and summary');
Scan.before(Cli.before as never);

Scan('- reads the message from standard input', () => {
  const r = spawnSync(process.execPath, [bin, 'scan', '--config', config, '-'], { input: message, encoding: 'utf8', env: { ...process.env, CORAX_LOG_LEVEL: 'warn' } });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\(stdin\)\n {2}Action: greylist/);
  assert.match(r.stdout, /SPAM_SUBJECT/);
});

Scan('an unreadable subfolder is reported; the rest of the folder is scanned; a summary follows', async () => {
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'locked'), { recursive: true });
  writeFileSync(join(tree, 'a.eml'), message);
  writeFileSync(join(tree, 'b.eml'), 'Subject: fine\r\n\r\nx\r\n');
  writeFileSync(join(tree, 'locked', 'c.eml'), message);
  chmodSync(join(tree, 'locked'), 0o000);
  try {
    // root reads everything: run as nobody where the test runs as root
    const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
    const r = spawnSync(asNobody[0], [...asNobody.slice(1), bin, 'scan', '--config', config, tree], { encoding: 'utf8', env: { ...process.env, CORAX_LOG_LEVEL: 'warn' } });
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, /corax: cannot read .*locked: permission denied/);
    assert.match(r.stdout, /a\.eml\n/);
    assert.match(r.stdout, /b\.eml\n/);
    assert.match(r.stderr, /2 of 2 messages scanned in [\d.]+ s: 1 greylist, 1 no action/);
  } finally {
    chmodSync(join(tree, 'locked'), 0o755);
  }
});

const Init = suite('corax init');
Init.before(Cli.before as never);

Init('writes a config, a rule, a test, a sample and npm scripts, and keeps existing files', async () => {
  const target = join(dir, 'starter');
  const first = await corax(['init', target]);
  assert.is(first.code, 0, first.stderr);
  for (const f of ['corax.config.ts', 'rules/sender-no-mx.ts', 'test/sender-no-mx.test.ts', 'messages/sample.eml', 'package.json']) assert.match(first.stdout, new RegExp(`wrote ${f.replace('.', '\\.')}`));
  const again = await corax(['init', target]);
  assert.match(again.stdout, /kept {2}corax\.config\.ts \(exists\)/);
});

Cli.run();
Scan.run();
Init.run();
void spawn;
