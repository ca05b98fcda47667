import type { ScanResult } from '../scan/scan.ts';

function fixed(n: number): string {
  return n.toFixed(2);
}

/** The readable report of one message, as `corax scan` prints it. */
export function formatResult(file: string, result: ScanResult): string {
  const lines = [file, `  Action: ${result.action}   Score: ${fixed(result.score)} / ${fixed(result.requiredScore)}${result.timedOut ? '   (task timed out)' : ''}`];
  const symbols = Object.values(result.symbols).sort((a, b) => a.name.localeCompare(b.name));
  const width = Math.max(0, ...symbols.map((s) => s.name.length));
  for (const s of symbols) {
    const options = s.options?.length ? `  ${s.options.join(', ')}` : '';
    lines.push(`  ${s.name.padEnd(width)}  ${fixed(s.score).padStart(7)}${options}`);
  }
  if (result.messages.smtp_message) lines.push(`  Message: ${result.messages.smtp_message}`);
  return `${lines.join('\n')}\n`;
}

