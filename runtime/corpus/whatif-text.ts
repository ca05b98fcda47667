import type { WhatIfReport } from './whatif.ts';

const signed = (n: number): string => `${n > 0 ? '+' : ''}${n.toFixed(2)}`;

/** The terminal report of a what-if run. */
export function formatWhatIf(report: WhatIfReport): string {
  const out: string[] = [];
  const { newEffects: fresh } = report;
  out.push(`${report.scans} captured scans, ${report.compared} compared${report.notCompared.length ? `, ${report.notCompared.length} not compared` : ''}`);
  out.push(`action changed: ${report.changed.length}   score changed: ${report.scoreChanged}`);
  for (const [move, n] of Object.entries(report.transitions).sort((a, b) => b[1] - a[1])) out.push(`  ${String(n).padStart(5)}  ${move}`);
  if (report.changed.length) {
    out.push('', 'scans whose action changed:');
    for (const c of report.changed.slice(0, 50)) {
      const symbols = [...c.appeared.map((s) => `+${s}`), ...c.disappeared.map((s) => `-${s}`)].join(' ');
      out.push(`  ${c.where}  ${c.messageId ?? c.id}  ${c.before.action} → ${c.after.action}  ${c.before.score.toFixed(2)} → ${c.after.score.toFixed(2)}${symbols ? `  ${symbols}` : ''}`);
    }
    if (report.changed.length > 50) out.push(`  ... and ${report.changed.length - 50} more (--json has them all)`);
  }
  const moved = Object.entries(report.symbols)
    .filter(([, n]) => n.before !== n.after)
    .sort((a, b) => Math.abs(b[1].after - b[1].before) - Math.abs(a[1].after - a[1].before) || a[0].localeCompare(b[0]));
  if (moved.length) {
    out.push('', 'symbols that fire more or less often (scans before → after):');
    const width = Math.max(...moved.map(([name]) => name.length));
    for (const [name, n] of moved) out.push(`  ${name.padEnd(width)}  ${String(n.before).padStart(5)} → ${String(n.after).padEnd(5)}  ${signed(n.after - n.before).replace('.00', '')}`);
  }
  if (fresh.total || fresh.scans) {
    const how = { fail: 'not answered', live: 'answered live', handlers: 'answered by the handlers' }[fresh.mode];
    out.push('', `new effects (${how}): ${fresh.total} in ${fresh.scans} scans`);
    for (const [type, n] of Object.entries(fresh.byType).sort((a, b) => b[1] - a[1])) out.push(`  ${String(n).padStart(5)}  ${type}`);
    for (const [symbol, n] of Object.entries(fresh.bySymbol).sort((a, b) => b[1] - a[1])) out.push(`  ${String(n).padStart(5)}  by ${symbol}`);
  }
  if (report.notCompared.length) {
    out.push('', 'not compared:');
    for (const n of report.notCompared.slice(0, 20)) out.push(`  ${n.where}  ${n.id}: ${n.reason.split('\n')[0]}`);
    if (report.notCompared.length > 20) out.push(`  ... and ${report.notCompared.length - 20} more`);
  }
  if (report.problems.length) {
    out.push('', 'corpus lines skipped:');
    for (const p of report.problems.slice(0, 20)) out.push(`  ${p.where}: ${p.problem}`);
  }
  return `${out.join('\n')}\n`;
}
