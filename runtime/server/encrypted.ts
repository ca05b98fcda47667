import type http from 'node:http';
import { Duplex } from 'node:stream';
import type { Logger } from '../log/logger.ts';
import { open, seal, type HttpCryptKey } from './httpcrypt.ts';

export interface EncryptedOptions {
  /** The HTTP server that serves the decrypted request. */
  server: http.Server;
  maxBodySize: number;
  maxHeaderSize: number;
  logger: Logger;
  /** Counted as a request error (nothing is sent back). */
  onRefused(): void;
}

/** In-memory connections of decrypted requests, and how each sends its sealed reply. */
const innerReplies = new WeakMap<object, () => void>();

/**
 * The reply hook of a request that arrived encrypted (its socket is an
 * in-memory connection made here), or undefined for any other request.
 */
export function encryptedReply(socket: object): (() => void) | undefined {
  return innerReplies.get(socket);
}

/** Whether `socket` carries a request that was decrypted here (one inside it may not be encrypted again). */
export function isInner(socket: object): boolean {
  return innerReplies.has(socket);
}

/**
 * An encrypted request (`rspamc --key`): the body opened with the shared
 * key is a whole HTTP request, served by the same HTTP server on an
 * in-memory connection; what it answers is sealed and sent back. A request
 * for another key, with a public key that is no curve point, or whose body
 * does not open, is closed without a reply, as Rspamd does (the client
 * cannot read anything else).
 */
export function serveEncrypted(key: HttpCryptKey, req: http.IncomingMessage, res: http.ServerResponse, options: EncryptedOptions): void {
  const refuse = (reason: string): void => {
    options.onRefused();
    options.logger.warn({ peer: req.socket.remoteAddress, reason }, `encrypted request refused: ${reason}`);
    req.resume();
    res.destroy();
  };
  if (isInner(req.socket)) return refuse('an encrypted request inside an encrypted request');
  const peer = key.peer(String(req.headers.key));
  if (typeof peer === 'string') return refuse(peer);
  // the message, the inner request's line and headers, the nonce and the tag
  const limit = options.maxBodySize + options.maxHeaderSize + 40;
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) return refuse(`the encrypted message is larger than server.maxBodySize (${options.maxBodySize} bytes)`);
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > limit || res.destroyed) return;
    const shared = key.shared(peer);
    if (!shared) return refuse('the Key header\'s public key is not a usable curve25519 key');
    const plain = open(shared, Buffer.concat(chunks));
    if (!plain) return refuse('the body does not decrypt with this server\'s key');
    const answer: Buffer[] = [];
    let sent = false;
    const inner = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        answer.push(chunk);
        done();
      },
    });
    // sent when the inner response is written (below), or with what there is when the in-memory connection closes
    const reply = (): void => {
      if (sent) return;
      sent = true;
      // the in-memory connection has served its one request
      setImmediate(() => inner.destroy());
      // the outer request may have been answered meanwhile, by its deadline
      if (res.headersSent) return;
      if (res.destroyed || !answer.length) return void res.destroy();
      const sealed = seal(shared, Buffer.concat(answer));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': sealed.length, connection: 'close' });
      res.end(sealed);
    };
    inner.on('error', () => {});
    inner.once('close', reply);
    res.once('close', () => inner.destroy());
    // one request per encrypted message: the HTTP server calls this when the response is written, even if the inner request asked to keep alive
    innerReplies.set(inner, () => setImmediate(reply));
    // the inner request comes from where the outer one did (Shm and logs look at it)
    Object.defineProperty(inner, 'remoteAddress', { value: req.socket.remoteAddress });
    options.server.emit('connection', inner);
    inner.push(plain);
  });
}
