/**
 * Messages built to make a parser slow, with a spam URL a body rule must
 * still see. `scale` 1 keeps each case under about 1 MB (npm test);
 * `npm run stress` uses larger ones.
 */
export interface HostileCase {
  name: string;
  message: string;
  /** Whether SPAM_URL must fire on it. */
  spamUrl: boolean;
}

const visible = 'Content-Type: text/plain\r\n\r\nbuy now at http://www.spam.test/offer\r\n';

function multipart(inner: string[]): string {
  return `From: a@b.test\r\nTo: c@d.test\r\nSubject: hostile\r\nContent-Type: multipart/mixed; boundary="top"\r\n\r\n--top\r\n${visible}${inner.map((p) => `--top\r\n${p}\r\n`).join('')}--top--\r\n`;
}

function html(body: string): string {
  return `Content-Type: text/html\r\n\r\n${body}`;
}

export function hostileCases(scale = 1): HostileCase[] {
  const n = (count: number): number => Math.round(count * scale);
  let deep = '';
  for (let i = 0; i < 300; i++) deep += `Content-Type: multipart/mixed; boundary="d${i}"\r\n\r\n--d${i}\r\n`;
  const manyParts = Array.from({ length: n(8000) }, (_, i) => `--many\r\nContent-Type: text/plain\r\n\r\np${i}\r\n`).join('');
  return [
    { name: `${n(8000)} MIME parts`, spamUrl: true, message: multipart([`Content-Type: multipart/mixed; boundary="many"\r\n\r\n${manyParts}--many--`]) },
    { name: `HTML with ${n(200_000)} '<' and no '>'`, spamUrl: true, message: multipart([html('<'.repeat(n(200_000)))]) },
    { name: `${n(30_000)} From addresses`, spamUrl: true, message: `From: ${Array.from({ length: n(30_000) }, (_, i) => `u${i}@x.test`).join(', ')}\r\nSubject: many\r\n\r\nhttp://spam.test/x\r\n` },
    { name: `${n(40_000)} unclosed <script>`, spamUrl: true, message: multipart([html('<script>'.repeat(n(40_000)))]) },
    { name: `${n(40_000)} unbalanced tags`, spamUrl: true, message: multipart([html(`${'<div><b>'.repeat(n(20_000))}${'</i></span>'.repeat(n(20_000))}`)]) },
    { name: `a URL and ${n(40_000)} dots`, spamUrl: true, message: `From: a@b.test\r\n\r\nhttp://spam.test/${'.'.repeat(n(40_000))}\r\n` },
    { name: `${n(1)} MB quoted-printable`, spamUrl: true, message: multipart([`Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${'=41=42 money =\r\n'.repeat(n(1024 * 1024) / 16)}`]) },
    { name: '300-deep attachment tree', spamUrl: true, message: multipart([`${deep}\r\nhidden`]) },
    { name: 'no header end', spamUrl: false, message: `From: a@b.test\r\nX: ${'y'.repeat(n(500_000))}` },
  ];
}

export const normalMessage = [
  'From: "Ana" <ana@friends.test>',
  'To: bob@example.test',
  'Subject: lunch',
  'Content-Type: multipart/alternative; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Are you free for lunch on Thursday? Menu: https://www.friends.test/menu',
  '--b',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Are you free for lunch on Thursday? <a href="https://www.friends.test/menu">Menu</a></p>',
  '--b--',
  '',
].join('\r\n');
