import net, { type Socket } from 'node:net';
import http from 'node:http';
import type { ConnectionGate } from './gate.ts';
import { looksLegacy, serveLegacy, type LegacyOptions } from './legacy.ts';

/** How long an HTTP connection may take at each stage, in ms. */
export interface FrontTimeouts {
  /** From the connection (or the end of the previous response) until the request's headers are in; a silent connection too. */
  headers: number;
  /** From the headers until the response is sent. */
  request: number;
  /** Called for each 408 a deadline sends (the server counts it). */
  onExpired?(): void;
}

/** Lets a closing connection's descriptor go a second later, even if the client never reads what it was sent (end() alone leaves it half-open). */
export function releaseSoon(socket: Socket): void {
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** An error reply written straight to a connection that no request is being answered on, then the connection closed. */
export function endWithJson(socket: Socket, status: number, error: string): void {
  const body = JSON.stringify({ error });
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  releaseSoon(socket);
}

/**
 * The scan port: each connection's first bytes say whether it speaks HTTP
 * (handed to the HTTP server) or Rspamd's legacy text protocol (served
 * here). `timeouts` bound each stage of an HTTP connection (node:http's own
 * headersTimeout and requestTimeout only run on a server that listens
 * itself, which this one does not): past one, the client gets a 408 and the
 * descriptor is released a second later even if it never reads.
 * `gate` caps connections in all and per client address: past a cap the
 * oldest idle connection (nothing sent, a request still arriving, or a
 * keep-alive between requests: silent and slow clients) is closed to make
 * room; only when every connection within it has a request in progress is
 * the new one refused, with a 503.
 */
export function createFront(server: http.Server, legacy: LegacyOptions, timeouts: FrontTimeouts, gate: ConnectionGate): net.Server {
  const deadlines = new Map<Socket, NodeJS.Timeout>();
  const headersExpired = (socket: Socket): void => {
    deadlines.delete(socket);
    timeouts.onExpired?.();
    endWithJson(socket, 408, 'request headers took too long');
  };
  const requestExpired = (socket: Socket, res: http.ServerResponse): void => {
    deadlines.delete(socket);
    if (res.headersSent) return void socket.destroy();
    timeouts.onExpired?.();
    const body = JSON.stringify({ error: 'the request took too long to arrive' });
    res.writeHead(408, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
    releaseSoon(socket);
  };
  const awaitHeaders = (socket: Socket): void => {
    clearTimeout(deadlines.get(socket));
    deadlines.set(socket, setTimeout(headersExpired, timeouts.headers, socket));
  };
  // connections this front let in (the HTTP server may also serve in-memory ones: decrypted requests)
  const ours = new WeakSet<Socket>();
  // requests in progress per connection (a client may pipeline several)
  const inProgress = new WeakMap<Socket, number>();
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    if (!ours.has(socket)) return;
    gate.busy(socket);
    inProgress.set(socket, (inProgress.get(socket) ?? 0) + 1);
    clearTimeout(deadlines.get(socket));
    deadlines.set(socket, setTimeout(requestExpired, timeouts.request, socket, res));
    res.once('close', () => {
      const left = (inProgress.get(socket) ?? 1) - 1;
      inProgress.set(socket, left);
      if (left > 0 || socket.destroyed) return;
      gate.idleAgain(socket);
      awaitHeaders(socket);
    });
  });
  // half-open allowed, as node:http has it: spamc and Exim close their sending side and then wait for the answer
  return net.createServer({ allowHalfOpen: true }, (socket: Socket) => {
    socket.on('error', () => {});
    const refused = gate.admit(socket);
    if (refused) return endWithJson(socket, 503, refused);
    ours.add(socket);
    let first: Buffer = Buffer.alloc(0);
    let decided = false;
    // the first request's headers are due within headersTimeout of the connection, however slowly its first bytes come (or none)
    awaitHeaders(socket);
    socket.once('close', () => {
      clearTimeout(deadlines.get(socket));
      deadlines.delete(socket);
    });
    const onData = (chunk: Buffer): void => {
      first = first.length ? Buffer.concat([first, chunk]) : chunk;
      // a legacy command line is short: wait for its protocol word before deciding
      if (first.length < 16 && !first.includes(10) && /^[A-Z_ ]*$/.test(first.toString('latin1'))) return;
      socket.off('data', onData);
      decided = true;
      if (looksLegacy(first)) {
        // the legacy protocol bounds its own request
        clearTimeout(deadlines.get(socket));
        deadlines.delete(socket);
        gate.busy(socket);
        return serveLegacy(socket, first, legacy);
      }
      socket.pause();
      socket.unshift(first);
      server.emit('connection', socket);
      socket.resume();
    };
    socket.on('data', onData);
    // a client that closes before saying anything gets nothing
    socket.once('end', () => {
      if (!decided) socket.destroy();
    });
  });
}
