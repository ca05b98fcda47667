import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { htmlContent } from '../../../../runtime/scan/mime/html.ts';

const Html = suite('htmlContent');

Html('decodes character references in text and attributes', () => {
  const got = htmlContent(`<p>&#70;ree m&#x6f;ney &amp; more</p><a href='http://ev&#105;l2.test/'>x</a>`, 10);
  assert.is(got.text, 'Free money & more\nx');
  assert.equal(got.links, ['http://evil2.test/']);
});

Html('drops script, style and an unclosed head; blocks end lines', () => {
  const got = htmlContent('<head><title>t</title><style>p{}</style><body>one<br>two<div>three</div><script>var x="<p>"</script>four', 10);
  assert.is(got.text, 'one\ntwo\nthree\nfour');
});

Html('an unclosed <head> hides nothing after it; title text is not shown', () => {
  assert.is(htmlContent('<html><head><title>t</title><p>Visit http://spam.test/ now</p></html>', 10).text, 'Visit http://spam.test/ now');
});

Html('finds links in Outlook conditional comments', () => {
  assert.equal(htmlContent('<!--[if mso]><a href="http://spam.test/">x</a><![endif]-->', 10).links, ['http://spam.test/']);
});

Html('collects href, src and action links up to the limit', () => {
  const got = htmlContent('<a href=" http://a.test/ ">a</a><img src="http://b.test/i.png"><form action="http://c.test/"></form>', 2);
  assert.equal(got.links, ['http://a.test/', 'http://b.test/i.png']);
});

Html('unbalanced markup costs one pass (no element stack)', () => {
  const got = htmlContent(`${'<div>'.repeat(40_000)}${'</span>'.repeat(40_000)}text`, 10);
  assert.is(got.text, 'text');
});

Html.run();
