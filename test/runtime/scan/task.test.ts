import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTestInterpreter, defineSymbol, runSymbol, type Task } from '../../../index.ts';
import { silent } from '../../support/logger.ts';

async function inspect<T>(read: (task: Task) => T, task: Parameters<typeof runSymbol>[1]['task'], config?: Parameters<typeof runSymbol>[1]['config']): Promise<T> {
  let out: T | undefined;
  const S = defineSymbol({ name: 'S', callback: (t) => void (out = read(t)) });
  await runSymbol(S, { io: createTestInterpreter({ handlers: {} }), task, logger: silent, config });
  return out as T;
}

const message = [
  'Received: from a by b',
  'Received: from c',
  '  by d',
  'From: "Alice" <alice@example.com>',
  'To: Bob <bob@example.org>, carol@example.net',
  'Cc: dave@example.com',
  'Subject: =?ISO-8859-1?Q?caf=E9?= time',
  'Message-ID: <id-1@example.com>',
  'X-Spam-Flag: YES',
  '',
  'Body http://www.example.com/',
  '',
].join('\r\n');

const Envelope = suite('Task: envelope and request headers');

Envelope('envelope accessors return the scan request values', async () => {
  const got = await inspect(
    (t) => [t.getFrom(), t.getRecipients(), t.getIp(), t.getHelo(), t.getHostname(), t.getUser(), t.getQueueId()],
    { message, from: 'env@example.com', rcpt: ['r1@x.test', 'r2@x.test'], ip: '192.0.2.1', helo: 'mx.example.com', hostname: 'host.example.com', user: 'u', queueId: 'Q1' },
  );
  assert.equal(got, ['env@example.com', ['r1@x.test', 'r2@x.test'], '192.0.2.1', 'mx.example.com', 'host.example.com', 'u', 'Q1']);
});

Envelope('without an envelope, sender and recipients come from the headers', async () => {
  const got = await inspect((t) => [t.getFrom(), t.getRecipients()], { message });
  assert.equal(got, ['alice@example.com', ['bob@example.org', 'carol@example.net', 'dave@example.com']]);
});

Envelope('request headers are case-insensitive; repeated ones give the first', async () => {
  const got = await inspect((t) => [t.getRequestHeader('to-resolve'), t.getRequestHeader('X-MULTI'), t.getRequestHeader('missing')], {
    headers: { 'To-Resolve': 'example.com', 'x-multi': ['a', 'b'] },
  });
  assert.equal(got, ['example.com', 'a', undefined]);
});

const Headers = suite('Task: message headers');

Headers('getHeader/getHeaders unfold and decode; names are case-insensitive', async () => {
  const got = await inspect((t) => [t.getHeader('received'), t.getHeaders('RECEIVED'), t.getHeader('x-spam-flag'), t.getHeader('nope'), t.getHeaders('nope')], { message });
  assert.equal(got, ['from a by b', ['from a by b', 'from c by d'], 'YES', undefined, []]);
});

Headers('getSubject decodes encoded words; getMessageId drops the brackets', async () => {
  const got = await inspect((t) => [t.getSubject(), t.getMessageId()], { message });
  assert.equal(got, ['café time', 'id-1@example.com']);
});

Headers('getRaw returns the bytes as received', async () => {
  const got = await inspect((t) => new TextDecoder().decode(t.getRaw()), { message });
  assert.is(got, message);
});

Headers('getUrls finds www. links in text', async () => {
  const got = await inspect((t) => t.getUrls(), { message });
  assert.equal(got, [{ url: 'http://www.example.com/', scheme: 'http', host: 'www.example.com', domain: 'example.com', path: '/' }]);
});

const Results = suite('Task: results');

Results('hasSymbol, getSymbol and getScore see results inserted so far', async () => {
  const got = await inspect((t) => {
    t.insertResult('A', 2, 'opt');
    return [t.hasSymbol('A'), t.hasSymbol('B'), t.getSymbol('A'), t.getScore()];
  }, {}, { scores: { A: 1.5 } });
  assert.equal(got, [true, false, { name: 'A', score: 3, metricScore: 1.5, options: ['opt'] }, 3]);
});

Results("setPreResult takes Rspamd's forms: action, message, module; a table; accept; underscores", async () => {
  const cases: [(t: Task) => void, unknown][] = [
    [(t) => t.setPreResult('reject', 'positional message', 'positional-module'), { action: 'reject', message: 'positional message', module: 'positional-module' }],
    [(t) => t.setPreResult('add header'), { action: 'add header', message: undefined, module: 'S' }],
    [(t) => t.setPreResult({ action: 'rewrite subject', message: 'table message', module: 'table-module' }), { action: 'rewrite subject', message: 'table message', module: 'table-module' }],
    [(t) => t.setPreResult('accept', 'accept message'), { action: 'no action', message: 'accept message', module: 'S' }],
    [(t) => t.setPreResult('soft_reject'), { action: 'soft reject', message: undefined, module: 'S' }],
  ];
  for (const [set, expected] of cases) {
    const got = await inspect((t) => {
      set(t);
      const { action, message, module } = t.preResult!;
      return { action, message, module };
    }, {});
    assert.equal(got, expected);
  }
});

Results('setPreResult rejects an unknown action with the list of actions', async () => {
  const got = await inspect((t) => {
    try {
      t.setPreResult('explode');
    } catch (error) {
      return (error as Error).message;
    }
  }, {});
  assert.match(String(got), /^unknown action explode; use one of reject, soft reject, rewrite subject, add header, greylist, no action, accept$/);
});

Results('task.log is bound to the task id', async () => {
  const got = await inspect((t) => (t.log.bindings() as { task: string }).task === t.id, {});
  assert.ok(got);
});

Envelope.run();
Headers.run();
Results.run();
