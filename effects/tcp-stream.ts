/**
 * The read side of a TCP connection, shared by the live module and by
 * `fakeTcp`: one buffer, the read modes, and the errors a rule sees (Rspamd's
 * wording), so a fake peer and a real one give the same results.
 */
import { ConnectionRefusedError, ConnectionResetError, CoraxError, EndOfStreamError, SocketError, TooBigError } from './errors.ts';
import type { TcpReadEffect } from './tcp.ts';

/** Unread bytes a connection may hold before reads fail (a peer that never stops). */
export const maxBuffered = 16 * 1024 * 1024;

const empty = Buffer.alloc(0);

/** What a read waiting on the buffer gets: data, an error, or nothing yet. */
export type ReadOutcome = { data: Buffer } | { error: CoraxError } | null;

/**
 * Bytes received and not yet read. Appends are amortised linear (the backing
 * store doubles), and a pattern search resumes where the last one stopped, so
 * a rule reading until a pattern on an endless stream costs linear time.
 */
export class ReadBuffer {
  private store: Buffer = empty;
  private head = 0;
  private tail = 0;
  /** Where the next search for the pending pattern begins (relative to the unread head). */
  private searched = 0;
  ended = false;
  failure: CoraxError | null = null;

  get length(): number {
    return this.tail - this.head;
  }

  /** Adds received bytes; past `maxBuffered` the connection fails. Returns false once it has. */
  append(chunk: Uint8Array): boolean {
    if (this.failure) return false;
    const n = chunk.length;
    const live = this.tail - this.head;
    if (live + n > maxBuffered) {
      this.fail(new TooBigError(live + n, { message: `IO read error: more than ${maxBuffered} unread bytes` }));
      return false;
    }
    if (this.tail + n > this.store.length) {
      if (live + n <= this.store.length) {
        this.store.copyWithin(0, this.head, this.tail);
      } else {
        const next = Buffer.allocUnsafe(Math.max(live + n, 2 * this.store.length, 4096));
        this.store.copy(next, 0, this.head, this.tail);
        this.store = next;
      }
      this.head = 0;
      this.tail = live;
    }
    this.store.set(chunk, this.tail);
    this.tail += n;
    return true;
  }

  fail(error: CoraxError): void {
    this.failure ??= error;
  }

  private consume(n: number, skip = 0): Buffer {
    // a copy: the store is reused, the rule keeps its data
    const out = Buffer.from(this.store.subarray(this.head, this.head + n));
    this.head += n + skip;
    this.searched = 0;
    if (this.head === this.tail) this.head = this.tail = 0;
    return out;
  }

  /** Data for `effect` if the buffer can give it now. */
  take(effect: Pick<TcpReadEffect, 'mode' | 'pattern' | 'n'>): Buffer | null {
    switch (effect.mode) {
      case 'once':
        return this.length > 0 ? this.consume(this.length) : null;
      case 'until': {
        const pattern = patternBytes(effect.pattern ?? '');
        const view = this.store.subarray(this.head, this.tail);
        const at = view.indexOf(pattern, this.searched);
        if (at < 0) {
          this.searched = Math.max(0, view.length - pattern.length + 1);
          return null;
        }
        return this.consume(at, pattern.length);
      }
      case 'bytes': {
        const n = effect.n ?? 0;
        return this.length >= n ? this.consume(n) : null;
      }
      case 'eof':
        return this.ended ? this.consume(this.length) : null;
    }
  }

  /** What a read gets now: its data, or the error that ends it (failure, EOF), or null to wait. */
  settle(effect: Pick<TcpReadEffect, 'mode' | 'pattern' | 'n'>): ReadOutcome {
    const data = this.take(effect);
    if (data) return { data };
    if (this.failure) return { error: this.failure };
    if (this.ended) return { error: new EndOfStreamError() };
    return null;
  }
}

/** Patterns are searched for as bytes; most rules use the same few. */
const patterns = new Map<string, Buffer>();
function patternBytes(pattern: string): Buffer {
  let bytes = patterns.get(pattern);
  if (!bytes) {
    bytes = Buffer.from(pattern);
    if (patterns.size < 256) patterns.set(pattern, bytes);
  }
  return bytes;
}

/** A failed connect as Rspamd words it: `Socket error detected: <reason>`. */
export function connectError(code: string | undefined, reason: string, cause?: unknown): CoraxError {
  if (isTlsFailure(code)) return tlsError(code, reason, 'tcp', cause);
  if (code === 'ECONNREFUSED') return new ConnectionRefusedError('Socket error detected: Connection refused', { cause });
  if (code === 'ECONNRESET') return new ConnectionResetError('Socket error detected: Connection reset by peer', { cause });
  return new SocketError(`Socket error detected: ${reason}`, { code: code ?? 'ESOCKET', cause });
}

/** Node's codes for a certificate that does not verify (OpenSSL's X509 errors). */
const certificateCodes = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH|ERR_TLS_CERT/;

/** Whether a socket error is a TLS failure (handshake or certificate). */
export function isTlsFailure(code: string | undefined): boolean {
  return code !== undefined && (certificateCodes.test(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'));
}

/**
 * A TLS failure, code ETLS, worded as Rspamd's: a certificate that does not
 * verify is `certificate validation failed: REASON` (its TCP client puts
 * `ssl error: ` in front).
 */
export function tlsError(code: string | undefined, reason: string, client: 'http' | 'tcp', cause?: unknown): CoraxError {
  const text = code !== undefined && certificateCodes.test(code) ? `certificate validation failed: ${reason}` : reason;
  return new SocketError(client === 'tcp' ? `ssl error: ${text}` : text, { code: 'ETLS', cause });
}

/** A failure on an open connection (reading or writing) as Rspamd words it. */
export function streamError(code: string | undefined, reason: string, cause?: unknown): CoraxError {
  if (code === 'ECONNRESET') return new ConnectionResetError('IO read error while trying to read data: Connection reset by peer', { cause });
  if (code === 'EPIPE') return new SocketError('IO write error: Broken pipe', { code: 'EPIPE', cause });
  return new SocketError(`IO read error while trying to read data: ${reason}`, { code: code ?? 'ESOCKET', cause });
}

/** An operation on a connection the rule closed, or never had. */
export function closedError(id: string): CoraxError {
  return new SocketError(`Socket error detected: connection ${id} is closed`, { code: 'ECLOSED' });
}

/** A write after the rule half-closed the connection. */
export function shutDownError(): CoraxError {
  return new SocketError('IO write error: the connection was shut down for writing', { code: 'EPIPE' });
}
