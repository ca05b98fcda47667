import { count, onlyKeys, section } from '../../../effects/config-check.ts';

/**
 * What the message parser reads. Real mail stays far below every default;
 * past a limit the parser stops there, keeps what it found and reports it
 * (MIME_LIMIT_EXCEEDED), so a hostile message costs bounded time and never
 * hides the rest from rules.
 */
export interface MessageLimits {
  /** Bytes of the message that are parsed (default 32 MiB); getRaw() still has all of it. */
  maxBytes: number;
  /** MIME parts, leaves and containers (default 2048). */
  maxParts: number;
  /** Multipart nesting (default 64, where Rspamd flags the message as broken). */
  maxDepth: number;
  /** Bytes of one header block (default 256 KiB: headers are read on the main thread). */
  maxHeaderBytes: number;
  /** Addresses read from one header (default 1000). */
  maxAddresses: number;
  /** URLs collected from the message (default 10000). */
  maxUrls: number;
  /** Messages at least this large are parsed on a worker thread (default 64 KiB; 0 = always on the main thread). */
  offThreadBytes: number;
}

export const defaultLimits: Readonly<MessageLimits> = Object.freeze({
  maxBytes: 32 * 1024 * 1024,
  maxParts: 2048,
  maxDepth: 64,
  maxHeaderBytes: 256 * 1024,
  maxAddresses: 1000,
  maxUrls: 10_000,
  offThreadBytes: 64 * 1024,
});

const keys = Object.keys(defaultLimits) as (keyof MessageLimits)[];

/** The config's `message` section, validated, with defaults. */
export function resolveLimits(input: unknown): Readonly<MessageLimits> {
  const given = section('message', input);
  onlyKeys('message', given, keys);
  const out = {} as MessageLimits;
  for (const key of keys) out[key] = count(`message.${key}`, given[key], defaultLimits[key], key === 'offThreadBytes' ? 0 : 1);
  return Object.freeze(out);
}
