import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTestInterpreter, defineSymbol, runSymbol, type Task } from '../../../index.ts';
import { closeParsePool } from '../../../runtime/scan/mime/pool.ts';
import { silent } from '../../support/logger.ts';

type Config = Parameters<typeof runSymbol>[1]['config'];

async function inspect<T>(read: (task: Task) => T, message: string, config?: Config): Promise<{ value: T; symbols: Record<string, { options?: string[] }> }> {
  let value: T | undefined;
  const S = defineSymbol({ name: 'S', callback: (t) => void (value = read(t)) });
  const result = await runSymbol(S, { io: createTestInterpreter({ handlers: {} }), task: { message }, logger: silent, config });
  return { value: value as T, symbols: result.symbols };
}

const crlf = (...lines: string[]): string => lines.join('\r\n');

const phish = crlf(
  'From: =?utf-8?q?Bank_Security?= <alerts@bank.example>',
  'To: "Doe, Jane" <jane@x.test>, bob@y.test',
  'Subject: account',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="alt"',
  '',
  '--alt',
  'Content-Type: text/plain; charset=iso-8859-1',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Caf=E9 offer: visit https://www.promo.example.co.uk/deal=',
  '?id=3D1 today.',
  '--alt',
  'Content-Type: text/html; charset=utf-8',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from(`<html><head><style>p{}</style></head><body><p>&#70;ree m&#x6f;ney</p><a href='http://ev&#105;l2.test/login'>login</a></body></html>`).toString('base64'),
  '--alt--',
  '',
);

const Parts = suite('Message: text parts, URLs and addresses');

Parts('text parts are decoded from their transfer encoding and charset, with their headers', async () => {
  const { value } = await inspect((t) => t.getTextParts().map((p) => [p.mimeType, p.html, p.charset, p.content, p.headers[0].name, p.lines, p.empty]), phish);
  assert.equal(value, [
    ['text/plain', false, 'iso-8859-1', 'Café offer: visit https://www.promo.example.co.uk/deal?id=1 today.', 'Content-Type', 1, false],
    ['text/html', true, 'utf-8', 'Free money\nlogin', 'Content-Type', 2, false],
  ]);
});

Parts('an HTML part keeps its markup as rawContent and getHtml', async () => {
  const { value } = await inspect((t) => [t.getTextParts()[1].rawContent.startsWith('<html>'), t.getHtml()?.includes('&#70;ree')], phish);
  assert.equal(value, [true, true]);
});

Parts('URLs from text and markup, with character references decoded and the registrable domain', async () => {
  const { value } = await inspect((t) => t.getUrls().map((u) => [u.url, u.host, u.domain]), phish);
  assert.equal(value, [
    ['https://www.promo.example.co.uk/deal?id=1', 'www.promo.example.co.uk', 'example.co.uk'],
    ['http://evil2.test/login', 'evil2.test', 'evil2.test'],
  ]);
});

Parts('addresses from the headers as Rspamd gives them', async () => {
  const { value } = await inspect((t) => [t.getFromAddresses('mime'), t.getRecipientAddresses().map((a) => [a.addr, a.name])], phish);
  assert.equal(value, [
    [{ addr: 'alerts@bank.example', user: 'alerts', domain: 'bank.example', name: 'Bank Security', raw: '=?utf-8?q?Bank_Security?= <alerts@bank.example>' }],
    [
      ['jane@x.test', 'Doe, Jane'],
      ['bob@y.test', ''],
    ],
  ]);
});

Parts('attachments are decoded, named, typed and sized', async () => {
  const message = crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain', '', 'see attached', '--b', 'Content-Type: application/octet-stream', 'Content-Disposition: attachment; filename="a.bin"', 'Content-Transfer-Encoding: base64', '', 'AAEC', '--b--', '');
  const { value } = await inspect((t) => [t.getText(), t.getParts().map((p) => [p.filename, p.mimeType, p.size, [...p.content]])], message);
  assert.equal(value, ['see attached', [['a.bin', 'application/octet-stream', 3, [0, 1, 2]]]]);
});

const Blind = suite('Message: never blind');

function deepTree(depth: number): string {
  let open = '';
  for (let i = 0; i < depth; i++) open += `Content-Type: multipart/mixed; boundary="d${i}"\r\n\r\n--d${i}\r\n`;
  return `${open}Content-Type: text/plain\r\n\r\nhidden http://deep.test/\r\n`;
}

Blind('a URL in a plain part stays visible behind a 300-deep attachment tree, and the result says the limit was hit', async () => {
  const message = crlf('From: a@b.test', 'Content-Type: multipart/mixed; boundary=top', '', '--top', 'Content-Type: text/plain', '', 'buy at http://spam.test/now', '--top', deepTree(300), '--top--', '');
  const { value, symbols } = await inspect((t) => [t.getText(), t.getUrls().map((u) => u.host)], message);
  assert.equal(value, ['buy at http://spam.test/now', ['spam.test', 'deep.test']]);
  assert.equal(symbols.MIME_LIMIT_EXCEEDED.options, ['depth>64']);
});

Blind('past the part limit the parts found so far are read, and the rest is searched for URLs', async () => {
  const parts = Array.from({ length: 20 }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i} http://h${i}.test/\r\n`).join('');
  const { value, symbols } = await inspect((t) => [t.getTextParts().length, t.getUrls().length], `Content-Type: multipart/mixed; boundary=b\r\n\r\n${parts}--b--\r\n`, { message: { maxParts: 5 } });
  assert.equal(value, [4, 20]);
  assert.equal(symbols.MIME_LIMIT_EXCEEDED.options, ['parts>5']);
});

Blind('a broken content type is reported and the body still read as text', async () => {
  const { value, symbols } = await inspect((t) => t.getText(), crlf('Content-Type: multipart/mixed', '', 'hello http://x.test/'));
  assert.is(value, 'hello http://x.test/');
  assert.ok(symbols.BROKEN_CONTENT_TYPE);
});

Blind('a symbol that reads no body triggers no parse and no problem results', async () => {
  let seen = '';
  const S = defineSymbol({ name: 'S', mime: false, callback: (t) => void (seen = t.getSubject() ?? '') });
  const result = await runSymbol(S, { io: createTestInterpreter({ handlers: {} }), task: { message: crlf('Subject: s', 'Content-Type: multipart/mixed', '', 'x') }, logger: silent });
  assert.is(seen, 's');
  assert.equal(Object.keys(result.symbols), []);
});

const Thread = suite('Message: large messages on a parse thread');
Thread.after(() => closeParsePool());

Thread('a message above message.offThreadBytes is parsed on a thread with the same results', async () => {
  const read = (t: Task): unknown => [t.getTextParts().map((p) => p.content), t.getUrls().map((u) => u.url), t.getParts().length, t.getFromAddresses('mime')[0].addr];
  const here = await inspect(read, phish);
  const there = await inspect(read, phish, { message: { offThreadBytes: 1 } });
  assert.equal(there.value, here.value);
});

Thread('problems found on the thread reach the result', async () => {
  const { symbols } = await inspect((t) => t.getText(), crlf('From: a@b.test', deepTree(80)), { message: { offThreadBytes: 1 } });
  assert.equal(symbols.MIME_LIMIT_EXCEEDED.options, ['depth>64']);
});

Parts.run();
Blind.run();
Thread.run();
