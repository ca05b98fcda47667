/**
 * An HTTP server for tests on 127.0.0.1, port 0: text, status codes, slow and
 * stalled replies, resets mid-body, huge and endless bodies, invalid HTTP.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GUIDE } from './guide.ts';

export interface HttpTestServer {
  url: string;
  port: number;
  requests: number;
  connections: number;
  close(): Promise<void>;
}

export async function startHttpServer(host = '127.0.0.1'): Promise<HttpTestServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => (timers.delete(t), fn()), ms);
    timers.add(t);
  };
  const state = { requests: 0, connections: 0 };
  const server = http.createServer((req, res) => {
    state.requests++;
    res.sendDate = false;
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      switch (url.pathname) {
        case '/abc':
          res.setHeader('content-type', 'text/plain');
          return res.end(GUIDE.httpBody);
        case '/echo':
          res.setHeader('content-type', 'application/json');
          res.setHeader('set-cookie', ['a=1', 'b=2']);
          return res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString() }));
        case '/status':
          res.statusCode = Number(url.searchParams.get('code') ?? 500);
          return res.end(`status ${res.statusCode}`);
        case '/slow':
          return later(Number(url.searchParams.get('ms') ?? 200), () => res.end('slow'));
        case '/stall':
          return; // never answers
        case '/reset':
          // promises 1000 bytes, sends 7, closes: the client sees an early EOF
          res.writeHead(200, { 'content-length': '1000' });
          res.write('partial');
          return later(5, () => req.socket.destroy());
        case '/rst':
          // a TCP reset before any answer
          return req.socket.resetAndDestroy();
        case '/huge': {
          const size = Number(url.searchParams.get('bytes') ?? 1_000_000);
          res.writeHead(200, { 'content-length': String(size) });
          return res.end(Buffer.alloc(size, 0x61));
        }
        case '/chunked': {
          const size = Number(url.searchParams.get('bytes') ?? 100_000);
          res.writeHead(200, { 'content-type': 'text/plain' });
          for (let sent = 0; sent < size; sent += 8192) res.write(Buffer.alloc(Math.min(8192, size - sent), 0x62));
          return res.end();
        }
        case '/endless': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const pump = (): void => {
            if (res.destroyed) return;
            if (res.write(Buffer.alloc(65536, 0x63))) setImmediate(pump);
            else res.once('drain', pump);
          };
          return pump();
        }
        case '/invalid':
          req.socket.end('HTTP/1.1 abc def\r\nwhat is this\r\n\r\n');
          return;
        case '/binary':
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          return res.end(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
        case '/redirect':
          res.writeHead(302, { location: '/abc' });
          return res.end();
        default:
          res.statusCode = 404;
          return res.end('not found');
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen({ port: 0, host, backlog: 4096 }, r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    get requests() {
      return state.requests;
    },
    get connections() {
      return state.connections;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
