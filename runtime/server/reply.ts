import type { ScanResult } from '../scan/scan.ts';

/** Rspamd prints whole numbers as `4.0` and others with six decimals. */
export function rspamdNumber(n: number): string {
  if (!Number.isFinite(n)) return '0.0';
  if (Number.isInteger(n)) return `${n}.0`;
  return n.toFixed(6);
}

const str = JSON.stringify;

// a scanner's results share the config's frozen thresholds: written once; any other object is written each time
const thresholdsWritten = new WeakMap<object, string>();
function thresholdsJson(thresholds: ScanResult['thresholds']): string {
  let out = thresholdsWritten.get(thresholds);
  if (out !== undefined) return out;
  out = Object.entries(thresholds)
    .map(([name, value]) => `${str(name)}:${rspamdNumber(value)}`)
    .join(',');
  if (Object.isFrozen(thresholds)) thresholdsWritten.set(thresholds, out);
  return out;
}

/**
 * The /checkv2 reply, with Rspamd's keys in Rspamd's order and its number
 * format, so rspamc and MTA plugins read it as they read Rspamd's.
 */
export function checkReply(result: ScanResult, extra: { file?: string } = {}): string {
  let out = '{';
  if (extra.file !== undefined) out += `"file":${str(extra.file)},`;
  out += `"is_skipped":${result.isSkipped},"score":${rspamdNumber(result.score)},"required_score":${rspamdNumber(result.requiredScore)},"action":${str(result.action)},"thresholds":{`;
  out += thresholdsJson(result.thresholds);
  out += '},"symbols":{';
  let first = true;
  for (const key in result.symbols) {
    const s = result.symbols[key];
    const name = str(s.name);
    out += `${first ? '' : ','}${name}:{"name":${name},"score":${rspamdNumber(s.score)},"metric_score":${rspamdNumber(s.metricScore)}`;
    if (s.description !== undefined) out += `,"description":${str(s.description)}`;
    if (s.options?.length) out += `,"options":${str(s.options)}`;
    out += '}';
    first = false;
  }
  out += `},"messages":${str(result.messages)},"message-id":${str(result.messageId)},"time_real":${rspamdNumber(result.timeReal)}}`;
  return out;
}
