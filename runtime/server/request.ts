import type { IncomingHttpHeaders } from 'node:http';
import type { Envelope } from '../task.ts';

/** Headers that frame the HTTP exchange itself; they never reach a rule. */
const transport = new Set(['content-length', 'connection', 'host', 'transfer-encoding', 'keep-alive', 'expect', 'te', 'upgrade']);

/** Headers the scan protocol consumes into the envelope. */
const envelopeHeaders = new Set(['from', 'rcpt', 'ip', 'helo', 'hostname', 'user', 'queue-id']);

/**
 * The envelope of a /checkv2 request: From, Rcpt (repeatable), IP, Helo,
 * Hostname, User, Queue-Id; every other header goes to getRequestHeader.
 */
export function envelopeFrom(headers: Record<string, string[] | undefined> | IncomingHttpHeaders): Envelope {
  const get = (name: string): string[] => {
    const v = (headers as Record<string, string | string[] | undefined>)[name];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  const first = (name: string): string | undefined => get(name)[0]?.trim() || undefined;
  const envelope: Envelope = {};
  const from = first('from');
  if (from) envelope.from = from.replace(/^<(.*)>$/, '$1');
  const rcpt = get('rcpt').flatMap((r) => r.split(',')).map((r) => r.trim().replace(/^<(.*)>$/, '$1')).filter(Boolean);
  if (rcpt.length) envelope.rcpt = rcpt;
  const ip = first('ip');
  if (ip) envelope.ip = ip;
  const helo = first('helo');
  if (helo) envelope.helo = helo;
  const hostname = first('hostname');
  if (hostname) envelope.hostname = hostname;
  const user = first('user');
  if (user) envelope.user = user;
  const queueId = first('queue-id');
  if (queueId) envelope.queueId = queueId;
  const rest: Record<string, string[]> = {};
  for (const name of Object.keys(headers)) {
    if (transport.has(name) || envelopeHeaders.has(name)) continue;
    rest[name] = get(name);
  }
  envelope.headers = rest;
  return envelope;
}
