/**
 * The same four rules hand-written as async/await in a plain node:http
 * server, with the same clients (undici, a dns-packet resolver, node:net,
 * ioredis): what corax is measured against.
 */
import http from 'node:http';
import net from 'node:net';
import { handResolveA } from '../hand-dns.ts';
import { Agent } from 'undici';
import { Redis } from 'ioredis';
import type { Message as MessageClass } from '../../runtime/scan/message.ts';

// the same message layer corax serve runs: the built package when the benchmark runs that
const { Message } = (await import(process.env.BENCH_BUILT === '1' ? '../../dist/runtime/scan/message.js' : '../../runtime/scan/message.ts')) as { Message: typeof MessageClass };

// BENCH_BODY=1: each scan also reads the message's URLs, text and subject, through corax's message layer
const readBody = process.env.BENCH_BODY === '1';

const dnsServer = process.env.BENCH_DNS ?? '127.0.0.1:53';
const tcpPort = Number(process.env.BENCH_TCP_PORT);
const httpBase = process.env.BENCH_HTTP!;
const prefix = process.env.BENCH_REDIS_PREFIX ?? 'corax-bench:';
const agent = new Agent({ connections: 32, keepAliveTimeout: 4000 });
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { keyPrefix: prefix });

function ping(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: tcpPort });
    socket.setNoDelay(true);
    let buffer = '';
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      const nl = buffer.indexOf('\r\n');
      if (nl >= 0) {
        socket.destroy();
        resolve(buffer.slice(0, nl));
      }
    });
    socket.on('error', reject);
  });
}

async function scan(headers: http.IncomingHttpHeaders, raw: Buffer): Promise<Record<string, { score: number; options: string[] }>> {
  const symbols: Record<string, { score: number; options: string[] }> = {};
  let info: string | undefined;
  if (readBody) {
    const message = new Message(raw);
    message.parseBody();
    info = `urls=${message.urls().length} text=${message.text().length} subject=${(message.header('subject')[0] ?? '').length}`;
  }
  const add = (name: string, option: string): void => void (symbols[name] = { score: 1, options: info === undefined ? [option] : [option, info] });
  await Promise.all([
    (async () => {
      try {
        const res = await agent.request({ origin: httpBase, path: '/abc', method: 'GET' });
        await res.body.text();
        add('HTTP_GET', String(res.statusCode));
      } catch (error) {
        add('HTTP_GET_ERROR', (error as Error).message);
      }
    })(),
    (async () => {
      try {
        add('DNS_A', (await handResolveA(dnsServer, String(headers['x-lookup'] ?? 'bench.test')))[0]);
      } catch (error) {
        add('DNS_A_ERROR', (error as Error).message);
      }
    })(),
    (async () => {
      try {
        add('TCP_PING', await ping());
      } catch (error) {
        add('TCP_PING_ERROR', (error as Error).message);
      }
    })(),
    (async () => {
      try {
        const replies = await redis.pipeline().get('bench-key').incr('bench-counter').exec();
        add('REDIS_PIPE', String(replies?.[0]?.[1]));
      } catch (error) {
        add('REDIS_PIPE_ERROR', (error as Error).message);
      }
    })(),
  ]);
  return symbols;
}

const server = http.createServer((req, res) => {
  if (req.url === '/ping') return void res.end('pong\r\n');
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    scan(req.headers, Buffer.concat(chunks)).then((symbols) => {
      const score = Object.keys(symbols).length;
      const body = JSON.stringify({ is_skipped: false, score, required_score: 15, action: score >= 4 ? 'greylist' : 'no action', symbols });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` }));
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
