import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';

const loopbackPeers = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * The message Rspamd's proxy left in shared memory (`Shm: /rhm.…`,
 * `Shm-Offset`, `Shm-Length`), read from /dev/shm. Only a loopback peer may
 * ask (it is on this machine), only for a segment name without path
 * characters, only within the segment; anything else is refused with the
 * reason (a string).
 */
export function readShm(headers: IncomingHttpHeaders, peer: string | undefined, maxSize: number): Buffer | string {
  if (!peer || !loopbackPeers.has(peer)) return 'Shm: shared memory is only read for requests from this machine (a loopback peer)';
  const name = String(headers.shm).trim();
  if (!/^\/?[A-Za-z0-9._-]{1,250}$/.test(name) || name.replace(/^\//, '').startsWith('.')) return `Shm: ${JSON.stringify(name)} is not a shared memory segment name`;
  const offset = headers['shm-offset'] === undefined ? 0 : Number(headers['shm-offset']);
  if (!Number.isSafeInteger(offset) || offset < 0) return `Shm-Offset: expected a byte offset, got ${JSON.stringify(headers['shm-offset'])}`;
  let fd: number;
  try {
    fd = openSync(`/dev/shm/${name.replace(/^\//, '')}`, 'r');
  } catch (error) {
    return `Shm: cannot open ${name}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such segment' : (error as Error).message}`;
  }
  try {
    const size = fstatSync(fd).size;
    const length = headers['shm-length'] === undefined ? size - offset : Number(headers['shm-length']);
    if (!Number.isSafeInteger(length) || length <= 0) return `Shm-Length: expected a positive byte count, got ${JSON.stringify(headers['shm-length'])}`;
    if (offset + length > size) return `Shm-Offset + Shm-Length (${offset} + ${length}) is past the end of the segment (${size} bytes)`;
    if (length > maxSize) return `message is larger than server.maxBodySize (${maxSize} bytes)`;
    const out = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, out, read, length - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    return read === length ? out : `Shm: the segment ended after ${read} of ${length} bytes`;
  } finally {
    closeSync(fd);
  }
}
