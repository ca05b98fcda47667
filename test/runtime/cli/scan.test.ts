import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { corax, fixture } from '../../support/corax-process.ts';

const Scan = suite('corax scan');
const config = fixture('basic.config.ts');

Scan('prints a table per message: action, score, symbols with scores and options', async () => {
  const r = await corax(['scan', '--config', config, fixture('messages')]);
  assert.is(r.code, 0, r.stderr);
  assert.is(
    r.stdout,
    [
      `${fixture('messages/ham.eml')}`,
      '  Action: no action   Score: 0.00 / 15.00',
      '  ENVELOPE     0.00  friend@example.com|you@example.org|-|-|-|-',
      `${fixture('messages/spam.eml')}`,
      '  Action: greylist   Score: 5.10 / 15.00',
      '  BODY_URLS        0.10  evil.test',
      '  ENVELOPE         0.00  spam@example.com|you@example.org|-|-|-|-',
      '  SPAM_SUBJECT     5.00  Buy now, this is spam',
      '',
    ].join('\n'),
  );
});

Scan('--json prints the /checkv2 JSON, one object per line; envelope and headers from flags', async () => {
  const r = await corax(['scan', '--config', config, '--json', '--ip', '192.0.2.1', '--from', 'x@example.com', '--header', 'x-corax-test=flag', fixture('messages/spam.eml'), fixture('messages/ham.eml')]);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(lines.length, 2);
  assert.equal(Object.keys(lines[0]), ['file', 'is_skipped', 'score', 'required_score', 'action', 'thresholds', 'symbols', 'messages', 'message-id', 'time_real']);
  assert.is(lines[0].action, 'greylist');
  assert.equal(lines[0].symbols.REQUEST_HEADER.options, ['flag']);
  assert.match(lines[1].symbols.ENVELOPE.options[0], /^x@example\.com\|you@example\.org\|192\.0\.2\.1\|/);
});

Scan('a file that cannot be read: the others are scanned, exit code 1 and a message', async () => {
  const r = await corax(['scan', '--config', config, fixture('messages/ham.eml'), '/nonexistent/message.eml']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /corax: cannot read \/nonexistent\/message\.eml: no such file or directory/);
  assert.match(r.stdout, /ham\.eml\n  Action: no action/);
});

Scan('an invalid config: exit code 2 and an error that names the option', async () => {
  const r = await corax(['scan', '--config', fixture('bad.config.ts'), fixture('messages/ham.eml')]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /corax: invalid config: taskTimeout is "soon"; expected a positive number/);
  const missing = await corax(['scan', '--config', '/nonexistent/corax.config.ts', fixture('messages/ham.eml')]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /config file not found: \/nonexistent\/corax\.config\.ts/);
});

Scan('usage errors exit 2 with the usage', async () => {
  const r = await corax(['scan', '--config', config]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /scan: give at least one \.eml file, directory, or - for standard input/);
  const unknown = await corax(['frobnicate']);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"[\s\S]*Usage:/);
  const flag = await corax(['scan', '--bogus', 'x.eml']);
  assert.is(flag.code, 2);
  assert.match(flag.stderr, /unknown option --bogus/);
});

Scan.run();
