import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { UrlSet } from '../../../../runtime/scan/mime/urls.ts';

const Urls = suite('UrlSet');

Urls('finds scheme and www. URLs in text, with host and registrable domain', () => {
  const set = new UrlSet(100);
  set.scanText('see https://Mail.Evil.example.co.uk/a?b=1, or www.shop.test. Also http://192.0.2.1/x and ftp://files.example.org/');
  assert.equal(
    set.list.map((u) => [u.url, u.host, u.domain]),
    [
      ['https://mail.evil.example.co.uk/a?b=1', 'mail.evil.example.co.uk', 'example.co.uk'],
      ['http://www.shop.test/', 'www.shop.test', 'shop.test'],
      ['http://192.0.2.1/x', '192.0.2.1', '192.0.2.1'],
      ['ftp://files.example.org/', 'files.example.org', 'example.org'],
    ],
  );
});

Urls('deduplicates, and ignores relative and script links from markup', () => {
  const set = new UrlSet(100);
  for (const link of ['http://a.test/', 'http://A.test/', '/relative', 'javascript:alert(1)', 'mailto:x@y.test']) set.addLink(link);
  assert.equal(set.list.map((u) => u.url), ['http://a.test/']);
});

Urls('links are cleaned as browsers clean them', () => {
  const set = new UrlSet(100);
  for (const link of ['http:\\\\a.test/', 'ht\ttp://b.test/', '//c.test/', 'http:d.test/', '\u0001http://e.test/']) set.addLink(link);
  assert.equal(set.list.map((u) => u.host), ['a.test', 'b.test', 'c.test', 'd.test', 'e.test']);
});

Urls('Unicode quotes end a URL; junk after the host is cut rather than dropping the URL', () => {
  const set = new UrlSet(100);
  set.scanText('“http://spam.test” «http://spam3.test» see_http://spam4.test/ http://spam5.test|/');
  assert.equal(set.list.map((u) => u.domain), ['spam.test', 'spam3.test', 'spam4.test', 'spam5.test']);
});

Urls('trailing punctuation is trimmed in linear time', () => {
  const set = new UrlSet(100);
  set.scanText(`http://evil.test/${'.'.repeat(50_000)} (http://b.test/x).`);
  assert.equal(set.list.map((u) => u.url), ['http://evil.test/', 'http://b.test/x']);
});

Urls('stops at the limit and counts what it dropped', () => {
  const set = new UrlSet(3);
  set.scanText(Array.from({ length: 10 }, (_, i) => `http://h${i}.test/`).join(' '));
  assert.is(set.list.length, 3);
  assert.ok(set.dropped > 0);
});

Urls.run();
