import type { ScanResult } from '../scan.ts';

/** Rspamd prints whole numbers as `4.0` and others with six decimals. */
export function rspamdNumber(n: number): string {
  if (!Number.isFinite(n)) return '0.0';
  if (Number.isInteger(n)) return `${n}.0`;
  return n.toFixed(6);
}

const str = JSON.stringify;

/**
 * The /checkv2 reply, with Rspamd's keys in Rspamd's order and its number
 * format, so rspamc and MTA plugins read it as they read Rspamd's.
 */
export function checkReply(result: ScanResult, extra: { file?: string } = {}): string {
  const parts: string[] = [];
  if (extra.file !== undefined) parts.push(`"file":${str(extra.file)}`);
  parts.push(`"is_skipped":${result.isSkipped}`);
  parts.push(`"score":${rspamdNumber(result.score)}`);
  parts.push(`"required_score":${rspamdNumber(result.requiredScore)}`);
  parts.push(`"action":${str(result.action)}`);
  const thresholds = Object.entries(result.thresholds).map(([name, value]) => `${str(name)}:${rspamdNumber(value)}`);
  parts.push(`"thresholds":{${thresholds.join(',')}}`);
  const symbols = Object.values(result.symbols).map((s) => {
    const fields = [`"name":${str(s.name)}`, `"score":${rspamdNumber(s.score)}`, `"metric_score":${rspamdNumber(s.metricScore)}`];
    if (s.description !== undefined) fields.push(`"description":${str(s.description)}`);
    if (s.options?.length) fields.push(`"options":${str(s.options)}`);
    return `${str(s.name)}:{${fields.join(',')}}`;
  });
  parts.push(`"symbols":{${symbols.join(',')}}`);
  parts.push(`"messages":${str(result.messages)}`);
  parts.push(`"message-id":${str(result.messageId)}`);
  parts.push(`"time_real":${rspamdNumber(result.timeReal)}`);
  return `{${parts.join(',')}}`;
}
