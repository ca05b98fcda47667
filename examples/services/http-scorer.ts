/** The content-scoring service: POST /score with the text, JSON `{ score, labels }` back. */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { scoreContent } from './data.ts';
import { chaos } from './chaos.ts';
import type { ServiceFaults } from './index.ts';

export interface ExampleScorer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startExampleScorer(host = '127.0.0.1', port = 0, faults?: ServiceFaults): Promise<ExampleScorer> {
  const sockets = new Set<Socket>();
  const random = faults ? chaos(`scorer:${faults.seed}`) : null;
  const timers = new Set<NodeJS.Timeout>();
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
      if (random && random() < faults!.rate) {
        const kind = random();
        if (kind < 0.4) {
          // slower than the rule's timeout
          const t = setTimeout(() => (timers.delete(t), res.end(body)), 700);
          timers.add(t);
          return;
        }
        if (kind < 0.7) {
          res.writeHead(503, { 'content-type': 'application/json' });
          return void res.end('{"error":"overloaded"}');
        }
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) + 50 });
        res.write(body.slice(0, 5));
        return void req.socket.destroy();
      }
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
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
