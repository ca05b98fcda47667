import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAddressList, toAddress } from '../../../../runtime/scan/mime/addresses.ts';

const List = suite('parseAddressList');
const addrs = (value: string, max = 1000): string[][] => parseAddressList(value, max).map((a) => [a.addr, a.name]);

List('display names, angle and bare addresses', () => {
  assert.equal(addrs('"Doe, Jane" <jane@Example.COM>, bob@x.test, Carol <carol@y.test>'), [
    ['jane@example.com', 'Doe, Jane'],
    ['bob@x.test', ''],
    ['carol@y.test', 'Carol'],
  ]);
});

List('encoded names, comments and groups', () => {
  assert.equal(addrs('=?utf-8?q?Jos=C3=A9?= <jose@x.test>'), [['jose@x.test', 'José']]);
  assert.equal(addrs('dave@x.test (Dave D)'), [['dave@x.test', 'Dave D']]);
  assert.equal(addrs('team: a@x.test, b@x.test;, c@x.test'), [
    ['a@x.test', ''],
    ['b@x.test', ''],
    ['c@x.test', ''],
  ]);
  assert.equal(addrs('undisclosed-recipients:;'), []);
});

List('the first angle address of an entry wins; bare addresses separated by tabs are each kept', () => {
  assert.equal(addrs('Good <good@good.test> <evil@evil.test>'), [['good@good.test', 'Good']]);
  assert.equal(addrs('a@b.test\tc@d.test'), [
    ['a@b.test', ''],
    ['c@d.test', ''],
  ]);
});

List('stops at the limit', () => {
  const value = Array.from({ length: 50_000 }, (_, i) => `u${i}@x.test`).join(', ');
  assert.is(parseAddressList(value, 1000).length, 1000);
});

const To = suite('toAddress');

To('splits at the last @ and lowercases the domain, as Rspamd does', () => {
  assert.equal(toAddress('<"a@b"@Example.Org>'), { addr: '"a@b"@example.org', user: '"a@b"', domain: 'example.org', name: '', raw: '<"a@b"@Example.Org>' });
});

List.run();
To.run();
