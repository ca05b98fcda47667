/** The resolver's wire rules: query ids, which datagram is an answer to which query, cancellation. */
import { getRandomValues } from 'node:crypto';
import dnsPacket, { type DecodedPacket as Packet } from 'dns-packet';
import type { CoraxError } from '../../effects/errors.ts';
import { parseIPv4, parseIPv6 } from '../../effects/ip.ts';
import { MalformedAnswerError } from './records.ts';

const ids = new Uint16Array(512);
let idIndex = ids.length;

/** A random 16-bit query id (drawn in batches: one syscall per 512 queries). */
export function randomId(): number {
  if (idIndex >= ids.length) {
    getRandomValues(ids);
    idIndex = 0;
  }
  return ids[idIndex++];
}

export function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  const a4 = parseIPv4(a.replace(/^::ffff:/i, ''));
  const b4 = parseIPv4(b.replace(/^::ffff:/i, ''));
  if (a4 && b4) return a4.join('.') === b4.join('.');
  const a6 = parseIPv6(a);
  const b6 = parseIPv6(b);
  return !!a6 && !!b6 && a6.join(':') === b6.join(':');
}

/** Only the answer to our question counts: same name (case-insensitive), type and class. */
function answersQuestion(packet: Packet, name: string, type: string): boolean {
  const q = packet.questions?.[0];
  return !!q && q.name.toLowerCase() === name.toLowerCase() && q.type === type && (q.class ?? 'IN') === 'IN' && packet.type === 'response';
}

/** A cheap cancellation source for the resolver's own queries (no EventTarget per query). */
export class CancelToken {
  canceled = false;
  private readonly fns = new Set<() => void>();

  /** Registers `fn`; returns the function that unregisters it. */
  on(fn: () => void): () => void {
    if (this.canceled) {
      fn();
      return () => {};
    }
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }

  cancel(): void {
    if (this.canceled) return;
    this.canceled = true;
    for (const fn of [...this.fns]) fn();
    this.fns.clear();
  }
}

/**
 * Decides what a datagram from the queried server is: our answer, a malformed
 * answer to our query (an error for this query), or nothing of ours (ignored:
 * another id is stale or spoofed, another question is spoofed). Never throws.
 */
export function acceptAnswer(msg: Buffer, id: number, name: string, type: string): Packet | MalformedAnswerError | null {
  if (msg.length < 12 || msg.readUInt16BE(0) !== id) return null;
  let packet: Packet;
  try {
    packet = dnsPacket.decode(msg);
  } catch (error) {
    return new MalformedAnswerError(error instanceof Error ? error.message : String(error));
  }
  // dns-packet reads past the end of a short buffer instead of failing: a datagram cut mid-record
  if ((dnsPacket.decode as { bytes?: number }).bytes! > msg.length) return new MalformedAnswerError('the answer is cut short');
  return answersQuestion(packet, name, type) ? packet : null;
}

export type AttemptResult = { packet: Packet } | { timeout: true } | { error: CoraxError };
