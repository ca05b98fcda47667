import net, { type Socket } from 'node:net';
import type http from 'node:http';
import type { ConnectionGate } from './gate.ts';
import { looksLegacy, serveLegacy, type LegacyOptions } from './legacy.ts';

/**
 * The scan port: each connection's first bytes say whether it speaks HTTP
 * (handed to the HTTP server) or Rspamd's legacy text protocol (served
 * here). A connection that says nothing is closed after `idleTimeout`.
 * `gate` caps connections in all and per client address: past a cap the
 * oldest idle connection (nothing sent, a request still arriving, or a
 * keep-alive between requests: silent and slow clients) is closed to make
 * room; only when every connection within it has a request in progress is
 * the new one refused, with a 503.
 */
export function createFront(server: http.Server, legacy: LegacyOptions, idleTimeout: number, gate: ConnectionGate): net.Server {
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    gate.busy(socket);
    res.once('close', () => gate.idleAgain(socket));
  });
  // half-open allowed, as node:http has it: spamc and Exim close their sending side and then wait for the answer
  return net.createServer({ allowHalfOpen: true }, (socket: Socket) => {
    socket.on('error', () => {});
    const refused = gate.admit(socket);
    if (refused) {
      const body = JSON.stringify({ error: refused });
      socket.end(`HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    let first: Buffer = Buffer.alloc(0);
    let decided = false;
    socket.setTimeout(idleTimeout, () => socket.destroy());
    const onData = (chunk: Buffer): void => {
      first = first.length ? Buffer.concat([first, chunk]) : chunk;
      // a legacy command line is short: wait for its protocol word before deciding
      if (first.length < 16 && !first.includes(10) && /^[A-Z_ ]*$/.test(first.toString('latin1'))) return;
      socket.off('data', onData);
      decided = true;
      socket.setTimeout(0);
      if (looksLegacy(first)) {
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
