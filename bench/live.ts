/**
 * Per protocol: requests per second through corax effects (live interpreter)
 * against the same requests made directly with the raw clients: undici,
 * a hand-written dns-packet client and node's dns.Resolver, node:net, ioredis.
 * 16 concurrent loops on each side; peers run in a separate process.
 * Run: npm run bench:live   (--quick for a smoke run)
 */
import net from 'node:net';
import { Resolver } from 'node:dns/promises';
import { Agent } from 'undici';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Operation, Result } from '../index.ts';
import { alternate, machine, quick, report, table, type Figures } from './lib.ts';
import { coraxUnderTest } from './harness.ts';
import { startPeers } from './peers.ts';
import { handResolveA } from './hand-dns.ts';
import { setFlagsFromString } from 'node:v8';

// as the corax command runs (bin/corax.js) and docs/rules.md advises for a scanner in a process of one's own;
// both sides run in this process, so both get it
setFlagsFromString('--no-allocation-site-pretenuring');

const { corax, label } = await coraxUnderTest(quick);
const { createLiveInterpreter, createScanner, defineSymbol, dns, http, redis, tcp } = corax;
const logger = pino({ level: 'silent' });
const concurrency = 16;
const n = quick ? 64 : 8000;
const rounds = quick ? 1 : 7;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisHost = `${new URL(redisUrl).hostname}:${new URL(redisUrl).port || 6379}`;
const key = `corax-bench:${process.pid}:key`;

const peers = await startPeers();
const config = { symbols: [], dns: { servers: [peers.dns], timeout: 1000, maxRequests: n }, redis: { servers: redisHost } };
const io = createLiveInterpreter(config);

const failures: string[] = [];

/** A corax contender: C concurrent scans, each a symbol performing its share of effects in a loop. */
function coraxLoop(name: string, effect: () => Operation<Result<unknown>>) {
  const LOOP = defineSymbol({
    name: 'LOOP',
    mime: false,
    *callback(task) {
      const count = Number(task.getRequestHeader('count'));
      for (let i = 0; i < count; i++) {
        const [err] = yield* effect();
        if (err) failures.push(`${name}: ${err.code} ${err.message}`);
      }
    },
  });
  const scanner = createScanner({ ...config, symbols: [LOOP], taskTimeout: 600_000 }, { io, logger });
  return {
    name,
    async run(total: number) {
      const share = String(Math.ceil(total / concurrency));
      await Promise.all(Array.from({ length: concurrency }, () => scanner.scan('', { headers: { count: share } })));
      return Math.ceil(total / concurrency) * concurrency;
    },
  };
}

/** A raw contender: C concurrent async loops. */
function rawLoop(name: string, call: () => Promise<unknown>) {
  return {
    name,
    async run(total: number) {
      const share = Math.ceil(total / concurrency);
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let i = 0; i < share; i++) await call();
        }),
      );
      return share * concurrency;
    },
  };
}

// raw clients
const agent = new Agent({ connections: 32, keepAliveTimeout: 4000 });
const ioredis = new Redis(redisUrl);
await ioredis.set(key, 'value');
// the client as corax configures it: no offline queue, a timeout per command, the generic `call`
const ioredisLikeCorax = new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1000, commandTimeout: 1000 });
await ioredisLikeCorax.connect();
const resolver = new Resolver({ timeout: 1000, tries: 1 });
resolver.setServers([peers.dns]);

function handTcp(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: peers.tcp.host, port: peers.tcp.port });
    socket.setNoDelay(true);
    let buffer = '';
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      if (buffer.includes('\r\n')) {
        socket.destroy();
        resolve();
      }
    });
    socket.on('error', reject);
  });
}

const sections: string[] = [];
const all: Record<string, Figures[]> = {};

async function compare(title: string, contenders: { name: string; run(n: number): Promise<number> }[]): Promise<void> {
  const figures = await alternate(contenders, { n, rounds });
  all[title] = figures;
  sections.push(`### ${title}\n\n${table(figures, 'req/s', figures[1])}`);
}

await compare('HTTP GET (keep-alive)', [
  coraxLoop('corax http.request', () => http.request({ url: `${peers.http}/abc` })),
  rawLoop('undici Agent.request', async () => {
    const res = await agent.request({ origin: peers.http, path: '/abc', method: 'GET' });
    await res.body.text();
  }),
]);
// every query asks a new name, so corax's sharing of identical questions in flight does not flatter it
let serial = 0;
const fresh = (): string => `q${++serial}.bench.test`;
await compare('DNS A query (distinct names)', [
  coraxLoop('corax dns.request', () => dns.request({ type: 'a', name: fresh() })),
  rawLoop('hand-written dns-packet client', () => handResolveA(peers.dns, fresh())),
  rawLoop('node dns.Resolver (c-ares)', () => resolver.resolve4(fresh())),
]);
await compare('TCP connect, PING, PONG, close', [
  coraxLoop('corax tcp', function* () {
    const [err, conn] = yield* tcp.connect({ host: peers.tcp.host, port: peers.tcp.port });
    if (err) return [err, undefined];
    yield* conn.write('PING\r\n');
    const r = yield* conn.readUntil('\r\n');
    yield* conn.close();
    return r;
  }),
  rawLoop('node:net', handTcp),
]);
await compare('Redis GET', [
  coraxLoop('corax redis.request', () => redis.request(redis.params(), ['GET', key])),
  rawLoop('ioredis get', () => ioredis.get(key)),
  rawLoop('ioredis call, configured as corax configures it', () => ioredisLikeCorax.call('GET', key)),
]);

const ratios = Object.entries(all).map(([title, f]) => `| ${title} | ${f[1].name} | ${(f[0].median / f[1].median).toFixed(2)}× | ${f[0].median / f[1].median >= 0.9 ? 'met' : 'missed'} |`);
const out = report(
  'Live protocols: corax effects against the raw clients',
  [
    `Machine: ${machine()}. Command: \`npm run bench:live\`. ${n} requests per round, ${concurrency} concurrent loops per side, ${rounds} alternating rounds; peers (HTTP, DNS, TCP) in a separate process, Redis at ${redisUrl}. corax runs from ${label}.`,
    '',
    ...sections.flatMap((s) => [s, '']),
    '| protocol | raw client | corax / raw (median) | goal ≥ 0.9× |',
    '|---|---|---|---|',
    ...ratios,
  ].join('\n'),
);

if (failures.length) {
  console.error(`${failures.length} effects failed, first: ${failures[0]}`);
  process.exitCode = 1;
}

await ioredis.del(key);
ioredis.disconnect();
ioredisLikeCorax.disconnect();
await agent.close();
await io.close();
await peers.stop();
export default out;
