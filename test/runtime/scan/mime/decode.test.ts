import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBytes, decodeQuotedPrintable, decodeTransfer } from '../../../../runtime/scan/mime/decode.ts';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const Qp = suite('decodeQuotedPrintable');

Qp('decodes =XX, removes soft breaks (with trailing spaces), keeps a malformed =', () => {
  assert.is(text(decodeQuotedPrintable(Buffer.from('a=3Db=\r\nc= \nd=ZZ=4'))), 'a=bcd=ZZ=4');
});

const Transfer = suite('decodeTransfer');

Transfer('base64 with line breaks and junk, case-insensitive names decoded by the caller', () => {
  assert.is(text(decodeTransfer(Buffer.from('aGVs\r\nbG8=\r\n'), 'base64')), 'hello');
  assert.is(text(decodeTransfer(Buffer.from('as is'), '8bit')), 'as is');
});

const Charset = suite('decodeBytes');

Charset('decodes legacy charsets; an unknown one reads as UTF-8', () => {
  assert.is(decodeBytes(Buffer.from([0xe9]), 'iso-8859-1'), 'é');
  assert.is(decodeBytes(Buffer.from([0xf0, 0xd2]), 'koi8-r'), 'Пр');
  assert.is(decodeBytes(Buffer.from('é'), 'x-no-such-charset'), 'é');
  assert.is(decodeBytes(Buffer.from('é'), 'us-ascii'), 'é');
});

Charset('windows-1252 (and ISO-8859-1, which means it in mail) has its quotes and euro sign', () => {
  assert.is(decodeBytes(Buffer.from([0x93, 0x46, 0x94, 0x20, 0x80]), 'windows-1252'), '“F” €');
  assert.is(decodeBytes(Buffer.from([0x93, 0x46, 0x94]), 'iso-8859-1'), '“F”');
});

Qp.run();
Transfer.run();
Charset.run();
