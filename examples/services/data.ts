/**
 * What the example services know, as plain data and pure functions: the live
 * servers serve it, and the tests' handlers answer from it, so live, replayed
 * and test runs must agree.
 */

/** Sending IPs listed in bl.corax.test (reversed octets), with their return codes. */
export const dnsblListed: Record<string, string> = {
  '198.51.100.23': '127.0.0.2',
  '203.0.113.66': '127.0.0.4',
};

/** URL hosts listed in uribl.corax.test. */
export const uriblListed = new Set(['evil.test', 'phish.test', 'cheap-pills.test']);

/** Sender domains: MX and SPF records. */
export const senderDomains: Record<string, { mx?: { name: string; priority: number }[]; txt?: string[] }> = {
  'example.com': { mx: [{ name: 'mx.example.com', priority: 10 }], txt: ['v=spf1 mx -all'] },
  'example.org': { mx: [{ name: 'mx.example.org', priority: 10 }], txt: ['v=spf1 include:_spf.example.org ~all'] },
  'friends.test': { mx: [{ name: 'mail.friends.test', priority: 5 }], txt: ['v=spf1 a mx -all'] },
  'spammer.test': { txt: ['v=spf1 +all'] },
};

const spamWords: [RegExp, number][] = [
  [/\bviagra\b/i, 3],
  [/\bwinner\b/i, 2],
  [/\bfree money\b/i, 3],
  [/\bclick here\b/i, 1.5],
  [/\bact now\b/i, 1],
  [/\bverify your account\b/i, 2.5],
  [/\bunsubscribe\b/i, 0.5],
];

/** The content scorer: a score and the labels that made it. */
export function scoreContent(text: string): { score: number; labels: string[] } {
  let score = 0;
  const labels: string[] = [];
  for (const [pattern, weight] of spamWords) {
    if (pattern.test(text)) {
      score += weight;
      labels.push(pattern.source.replace(/\\b/g, ''));
    }
  }
  return { score: Math.round(score * 100) / 100, labels };
}

/** The line service: `CHECK <ip> <helo>` → `OK` or `BAD <reason>`. */
export function checkLine(line: string): string {
  const [command, ip = '', helo = ''] = line.trim().split(/\s+/);
  if (command !== 'CHECK') return 'ERR unknown command';
  if (!helo || helo === '-') return 'BAD no-helo';
  if (/^\[?\d+\.\d+\.\d+\.\d+\]?$/.test(helo)) return 'BAD helo-is-ip';
  if (/^(localhost|localhost\.localdomain)$/i.test(helo)) return 'BAD helo-localhost';
  if (!helo.includes('.')) return 'BAD helo-not-fqdn';
  return ip ? 'OK' : 'OK no-ip';
}

/** Every DNS answer the example zone server gives, as `TYPE name` → records. */
export function zoneRecords(): Record<string, { records: Record<string, unknown[]> }> {
  const zone: Record<string, { records: Record<string, unknown[]> }> = {};
  for (const [ip, code] of Object.entries(dnsblListed)) {
    zone[`${ip.split('.').reverse().join('.')}.bl.corax.test`] = { records: { A: [code], TXT: [[`listed: ${ip}`]] } };
  }
  for (const host of uriblListed) zone[`${host}.uribl.corax.test`] = { records: { A: ['127.0.0.2'] } };
  for (const [domain, data] of Object.entries(senderDomains)) {
    const records: Record<string, unknown[]> = {};
    if (data.mx) records.MX = data.mx.map((m) => ({ preference: m.priority, exchange: m.name }));
    if (data.txt) records.TXT = data.txt.map((t) => [t]);
    zone[domain] = { records };
  }
  return zone;
}
