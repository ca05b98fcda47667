import { isIP } from 'node:net';
import type { Envelope } from '../scan/task.ts';

/** Headers that frame the HTTP exchange itself; they never reach a rule. */
const transport = new Set(['content-length', 'connection', 'host', 'transfer-encoding', 'keep-alive', 'expect', 'te', 'upgrade']);

/**
 * The envelope of a /checkv2 request: From, Rcpt (repeatable), IP, Helo,
 * Hostname, User, Queue-Id; every other header goes to getRequestHeader,
 * under its lower-case name. Built in one pass over the raw header list.
 */
export function envelopeFrom(rawHeaders: readonly string[]): Envelope {
  const envelope: Envelope = {};
  const rest: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    switch (name) {
      case 'from':
        envelope.from ??= value.trim().replace(/^<(.*)>$/, '$1') || undefined;
        break;
      case 'rcpt':
        for (const r of value.split(',')) {
          const rcpt = r.trim().replace(/^<(.*)>$/, '$1');
          if (rcpt) (envelope.rcpt ??= []).push(rcpt);
        }
        break;
      case 'ip':
        envelope.ip ??= value.trim() || undefined;
        break;
      case 'helo':
        envelope.helo ??= value.trim() || undefined;
        break;
      case 'hostname':
        envelope.hostname ??= value.trim() || undefined;
        break;
      case 'user':
        envelope.user ??= value.trim() || undefined;
        break;
      case 'queue-id':
        envelope.queueId ??= value.trim() || undefined;
        break;
      default:
        if (transport.has(name)) break;
        (rest[name] ??= []).push(value);
    }
  }
  envelope.headers = rest;
  return envelope;
}

/** What is wrong with an envelope a client sent (an IP header that is no address), for a 4xx; undefined when nothing is. */
export function envelopeProblem(envelope: Envelope): string | undefined {
  if (envelope.ip !== undefined && isIP(envelope.ip) === 0) return `IP header ${JSON.stringify(envelope.ip.slice(0, 64))} is not an IPv4 or IPv6 address`;
  return undefined;
}
