/**
 * Hostile mail at full size against `corax serve` while 8 clients scan
 * normal mail: each case's answer time and symbols, and the normal scans'
 * p99 before and during.
 *
 *   npm run stress [-- --scale 6.25]
 */
import { fixture, serve } from '../test/support/corax-process.ts';
import { attack } from '../test/support/hostile-load.ts';
import { hostileCases } from '../test/support/hostile-messages.ts';

const at = process.argv.indexOf('--scale');
const scale = at === -1 ? 6.25 : Number(process.argv[at + 1]);
const server = await serve(['--config', fixture('body-rules.config.ts')]);
try {
  const cases = hostileCases(scale);
  const report = await attack(server.url, { cases, baselineScans: 200 });
  console.log(`hostile mail at scale ${scale}, 8 clients of normal mail beside it (task timeout 2000 ms)\n`);
  console.log(`${'case'.padEnd(36)} ${'size'.padStart(9)} ${'answer ms'.padStart(10)}  spam URL  symbols`);
  for (const h of report.hostile) {
    const size = `${(Buffer.byteLength(h.message) / 1024).toFixed(0)} KB`;
    console.log(`${h.name.padEnd(36)} ${size.padStart(9)} ${h.ms.toFixed(0).padStart(10)}  ${h.spamUrl ? (h.symbols.SPAM_URL ? 'seen    ' : 'MISSED  ') : '-       '}  ${Object.entries(h.symbols).map(([k, v]) => (v.options ? `${k}(${v.options.join(',')})` : k)).join(' ')}`);
  }
  console.log(`\nnormal scans: p99 ${report.baselineP99.toFixed(1)} ms before, ${report.duringP99.toFixed(1)} ms during (${report.normalScans} scans during the attack)`);
} finally {
  await server.stop();
}
