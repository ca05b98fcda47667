/**
 * Parse cost per message: corax's message layer (structure, then the text,
 * HTML text, URLs and addresses rules read) against postal-mime's parse
 * alone (what the layer used before), on a small, a typical and a large
 * message.
 *
 *   npm run bench:parse
 */
import { readFileSync } from 'node:fs';
import PostalMime from 'postal-mime';
import { Message } from '../runtime/scan/message.ts';
import { defaultLimits } from '../runtime/scan/mime/limits.ts';
import { normalMessage } from '../test/support/hostile-messages.ts';

const typical = readFileSync(new URL('./e2e/message.eml', import.meta.url));
const attachment = Buffer.alloc(200 * 1024, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
const large = Buffer.from(
  [
    'From: "Shop" <news@shop.test>',
    'To: a@b.test',
    'Subject: catalogue',
    'Content-Type: multipart/mixed; boundary="m"',
    '',
    '--m',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    '<p>Offer &amp; more <a href=3D"https://www.shop.test/p">item</a></p>=\r\n'.repeat(1200),
    '--m',
    'Content-Type: application/pdf; name="c.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    attachment,
    '--m--',
    '',
  ].join('\r\n'),
);
const messages: Array<[string, Buffer]> = [
  ['small', Buffer.from(normalMessage)],
  ['typical (bench/e2e/message.eml)', typical],
  ['large (HTML + 200 KB attachment)', large],
];
const here = { ...defaultLimits, offThreadBytes: 0 };

function corax(raw: Buffer): void {
  const m = new Message(raw, here);
  m.parseBody();
  m.text();
  m.urls();
  m.addresses('from');
  m.header('subject');
}

async function postal(raw: Buffer): Promise<void> {
  await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' });
}

async function measure(run: (raw: Buffer) => unknown, raw: Buffer): Promise<number> {
  const n = Math.max(50, Math.round(2_000_000 / raw.length));
  for (let i = 0; i < n / 5; i++) await run(raw);
  const started = performance.now();
  for (let i = 0; i < n; i++) await run(raw);
  return ((performance.now() - started) * 1000) / n;
}

console.log(`${'message'.padEnd(34)} ${'size'.padStart(8)} ${'corax µs'.padStart(10)} ${'postal-mime µs'.padStart(15)} ${'ratio'.padStart(7)}`);
for (const [name, raw] of messages) {
  const a = await measure(corax, raw);
  const b = await measure(postal, raw);
  console.log(`${name.padEnd(34)} ${`${(raw.length / 1024).toFixed(1)} KB`.padStart(8)} ${a.toFixed(1).padStart(10)} ${b.toFixed(1).padStart(15)} ${`${(b / a).toFixed(1)}×`.padStart(7)}`);
}
