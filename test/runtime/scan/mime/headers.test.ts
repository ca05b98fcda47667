import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeWords, parseHeaderBlock, parseHeaderValue } from '../../../../runtime/scan/mime/headers.ts';

const Block = suite('parseHeaderBlock');

Block('unfolds continuation lines and keeps names as written', () => {
  const fields = parseHeaderBlock(Buffer.from('Subject: a\r\n  b\r\n\tc\r\nX-A:1\r\n'));
  assert.equal(fields, [
    { name: 'Subject', value: 'a b c' },
    { name: 'X-A', value: '1' },
  ]);
});

Block('reads raw UTF-8 in header values', () => {
  assert.is(parseHeaderBlock(Buffer.from('Subject: café\n'))[0].value, 'café');
});

const Value = suite('parseHeaderValue');

Value('lowercases the value and reads quoted and bare parameters', () => {
  assert.equal(parseHeaderValue('Text/Plain; Charset="UTF-8"; format=flowed'), { value: 'text/plain', params: { charset: 'UTF-8', format: 'flowed' } });
});

Value('joins and decodes RFC 2231 continuations', () => {
  const got = parseHeaderValue("attachment; filename*0*=utf-8''%E2%82%AC; filename*1=uro.pdf");
  assert.is(got.params.filename, '€uro.pdf');
});

Value('decodes RFC 2047 words in a quoted parameter, as mail clients send them', () => {
  assert.is(parseHeaderValue('attachment; filename="=?utf-8?B?w6kucGRm?="').params.filename, 'é.pdf');
});

Value('skips a parameter without a value instead of swallowing the next one', () => {
  assert.equal(parseHeaderValue('multipart/mixed; report; boundary="b"').params, { boundary: 'b' });
  assert.equal(parseHeaderValue('text/plain; charset=utf-8 (comment); charset=koi8-r').params, { charset: 'utf-8' });
});

Value('RFC 2231: each segment decoded on its own, joined up to the first gap; huge indexes ignored at once', () => {
  assert.is(parseHeaderValue('attachment; filename*0=invoice; filename*1*=%2Eexe').params.filename, 'invoice.exe');
  assert.is(parseHeaderValue("attachment; filename*0*=utf-8''a; filename*1=%41.exe").params.filename, 'a%41.exe');
  assert.is(parseHeaderValue('attachment; filename*0=a; filename*2=c.exe').params.filename, 'a');
  assert.equal(parseHeaderValue('text/plain; name*4294967294=a').params, {});
});

const Words = suite('decodeWords');

Words('B and Q words in any charset', () => {
  assert.is(decodeWords('=?ISO-8859-1?Q?caf=E9?= time'), 'café time');
  assert.is(decodeWords('=?utf-8?b?0J/RgNC40LLQtdGC?='), 'Привет');
  assert.is(decodeWords('=?koi8-r?B?8NLJ18XU?='), 'Привет');
});

Words('whitespace between adjacent words goes; a character split between words survives', () => {
  assert.is(decodeWords('=?utf-8?q?a?= =?utf-8?q?b?='), 'ab');
  // "é" is C3 A9: split over two words
  assert.is(decodeWords('=?utf-8?q?caf=C3?= =?utf-8?q?=A9?='), 'café');
});

Words('text that only looks like a word is kept', () => {
  assert.is(decodeWords('=? not a word ?= and =?x?z?y?='), '=? not a word ?= and =?x?z?y?=');
});

Words('is linear on a flood of openers, with or without an end marker far away', () => {
  const value = '=?'.repeat(30_000);
  assert.is(decodeWords(value), value);
  const far = `${'=?x?q'.repeat(12_000)}?=`;
  assert.is(decodeWords(far), far);
});

Block('is linear on lines without a colon', () => {
  const fields = parseHeaderBlock(Buffer.from(`From: a\n${'x\n'.repeat(200_000)}`));
  assert.is(fields.length, 1);
});

Block.run();
Value.run();
Words.run();
