/** The content-scoring service: POST /score with the text, JSON `{ score, labels }` back. */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { scoreContent } from './data.ts';

export interface ExampleScorer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startExampleScorer(host = '127.0.0.1', port = 0): Promise<ExampleScorer> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.sendDate = false;
      if (req.method !== 'POST' || req.url !== '/score') {
        res.writeHead(404, { 'content-type': 'application/json' });
        return void res.end('{"error":"POST /score"}');
      }
      const body = JSON.stringify(scoreContent(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${bound}`,
    port: bound,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
