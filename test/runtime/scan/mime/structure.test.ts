import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseStructure, splitMultipart } from '../../../../runtime/scan/mime/structure.ts';
import { defaultLimits } from '../../../../runtime/scan/mime/limits.ts';

const crlf = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'));
const body = (raw: Buffer, node: { bodyStart: number; bodyEnd: number }): string => raw.toString('latin1', node.bodyStart, node.bodyEnd);

const Split = suite('splitMultipart');

Split('cuts at delimiter lines; the line break before a delimiter belongs to it', () => {
  const raw = crlf('preamble', '--b', 'A: 1', '', 'one', '--b  ', '', 'two', '--b--', 'epilogue');
  const ranges = splitMultipart(raw, 0, raw.length, 'b');
  assert.equal(ranges.map(([a, b]) => raw.toString('latin1', a, b)), ['A: 1\r\n\r\none', '\r\ntwo']);
});

Split('ignores the boundary inside a line and a longer boundary that starts with it', () => {
  const raw = crlf('--b', '', 'x --b y', '--bc', 'z', '--b--');
  assert.equal(splitMultipart(raw, 0, raw.length, 'b').map(([a, b]) => raw.toString('latin1', a, b)), ['\r\nx --b y\r\n--bc\r\nz']);
});

Split('a missing close delimiter ends the last part at the end of the body', () => {
  const raw = Buffer.from('--b\n\nonly\n');
  assert.equal(splitMultipart(raw, 0, raw.length, 'b').map(([a, b]) => raw.toString('latin1', a, b)), ['\nonly\n']);
});

const Structure = suite('parseStructure');

Structure('a nested tree: headers, types, parameters and body ranges', () => {
  const raw = crlf(
    'From: a@b.test',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    '--outer',
    'Content-Type: multipart/alternative; boundary=inner',
    '',
    '--inner',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'plain',
    '--inner',
    'Content-Type: text/html',
    '',
    '<p>html</p>',
    '--inner--',
    '--outer',
    'Content-Type: application/pdf; name="a.pdf"',
    'Content-Transfer-Encoding: BASE64',
    '',
    'JVBERi0=',
    '--outer--',
    '',
  );
  const { nodes, problems } = parseStructure(raw, defaultLimits);
  assert.equal(problems, []);
  assert.equal(nodes.map((n) => [n.contentType.value, n.depth, n.parent, n.multipart]), [
    ['multipart/mixed', 0, -1, true],
    ['multipart/alternative', 1, 0, true],
    ['text/plain', 2, 1, false],
    ['text/html', 2, 1, false],
    ['application/pdf', 1, 0, false],
  ]);
  assert.is(body(raw, nodes[2]), 'plain');
  assert.is(body(raw, nodes[3]), '<p>html</p>');
  assert.is(nodes[4].encoding, 'base64');
  assert.is(nodes[4].contentType.params.name, 'a.pdf');
});

Structure('bare LF line endings work as CRLF does', () => {
  const raw = Buffer.from('Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n--b--\n');
  const { nodes } = parseStructure(raw, defaultLimits);
  assert.is(body(raw, nodes[1]), 'hi');
});

Structure('an attached message is parsed as a nested entity', () => {
  const raw = crlf('Content-Type: message/rfc822', '', 'Subject: inner', 'Content-Type: text/html', '', '<b>x</b>');
  const { nodes } = parseStructure(raw, defaultLimits);
  assert.equal(nodes.map((n) => n.contentType.value), ['message/rfc822', 'text/html']);
  assert.is(body(raw, nodes[1]), '<b>x</b>');
});

Structure('a multipart without a boundary is read as text and reported', () => {
  const raw = crlf('Content-Type: multipart/mixed', '', 'hello');
  const { nodes, problems } = parseStructure(raw, defaultLimits);
  assert.is(nodes[0].contentType.value, 'text/plain');
  assert.equal(problems, [{ symbol: 'BROKEN_CONTENT_TYPE', detail: 'multipart without a boundary' }]);
});

Structure('a line that is not a header starts the body (no blank line was sent), reported as broken headers', () => {
  const raw = crlf('From: a@b.test', 'Subject: x', 'Visit the site http://spam.test/ now', '');
  const { nodes, problems } = parseStructure(raw, defaultLimits);
  assert.is(body(raw, nodes[0]), 'Visit the site http://spam.test/ now\r\n');
  assert.equal(problems, [{ symbol: 'BROKEN_HEADERS', detail: 'no blank line after the headers' }]);
});

Structure('a multipart whose boundary never appears is read as text', () => {
  const raw = crlf('Content-Type: multipart/mixed; boundary="zzz"', '', 'Visit http://spam.test/ now', '');
  const { nodes, problems } = parseStructure(raw, defaultLimits);
  assert.equal([nodes[0].contentType.value, nodes[0].multipart], ['text/plain', false]);
  assert.equal(problems, [{ symbol: 'BROKEN_CONTENT_TYPE', detail: 'multipart without its boundary' }]);
});

Structure('the boundary is used as written, never RFC 2047-decoded', () => {
  const raw = crlf('Content-Type: multipart/mixed; boundary="=?us-ascii?q?b?="', '', '--b', '', 'decoy', '--b--', '--=?us-ascii?q?b?=', '', 'real', '--=?us-ascii?q?b?=--', '');
  const { nodes } = parseStructure(raw, defaultLimits);
  assert.equal(nodes.slice(1).map((n) => body(raw, n)), ['real']);
});

Structure('past the part limit the rest is left unsplit, and reported once', () => {
  const parts = Array.from({ length: 10 }, (_, i) => `--b\r\n\r\npart ${i}\r\n`).join('');
  const raw = Buffer.from(`Content-Type: multipart/mixed; boundary=b\r\n\r\n${parts}--b--\r\n`);
  const { nodes, problems, unparsed } = parseStructure(raw, { ...defaultLimits, maxParts: 4 });
  assert.is(nodes.length, 4);
  assert.equal(problems, [{ symbol: 'MIME_LIMIT_EXCEEDED', detail: 'parts>4' }]);
  assert.is(unparsed.length, 7);
});

Structure('past the depth limit the subtree is left unsplit', () => {
  let nested = '';
  for (let i = 0; i < 10; i++) nested += `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`;
  const { nodes, problems, unparsed } = parseStructure(Buffer.from(`${nested}\r\nhttp://spam.test/\r\n`), { ...defaultLimits, maxDepth: 3 });
  assert.is(nodes.length, 4);
  assert.equal(problems, [{ symbol: 'MIME_LIMIT_EXCEEDED', detail: 'depth>3' }]);
  assert.is(unparsed.length, 1);
});

Structure('a header block over the limit is cut there; the body still starts after it', () => {
  const raw = Buffer.from(`X-Big: ${'a'.repeat(5000)}\r\nSubject: late\r\n\r\nbody`);
  const { nodes, problems } = parseStructure(raw, { ...defaultLimits, maxHeaderBytes: 1024 });
  assert.equal(problems, [{ symbol: 'MIME_LIMIT_EXCEEDED', detail: 'header bytes>1024' }]);
  assert.is(body(raw, nodes[0]), 'body');
});

Structure('bytes past maxBytes are not parsed', () => {
  const raw = Buffer.from(`Subject: x\r\n\r\n${'a'.repeat(100)}`);
  const { nodes, problems } = parseStructure(raw, { ...defaultLimits, maxBytes: 50 });
  assert.is(nodes[0].bodyEnd, 50);
  assert.equal(problems, [{ symbol: 'MIME_LIMIT_EXCEEDED', detail: 'bytes>50' }]);
});

Split.run();
Structure.run();
