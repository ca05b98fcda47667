// Two corax nodes behind HAProxy (TCP mode), sharing state through Redis: the config docs/server.md gives, run for real.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, serve, type ServeProcess } from '../../support/corax-process.ts';
import { program, run } from '../../support/mta.ts';
import { freePort } from '../../support/net.ts';
import { cleanup, redisServer, requireRedis, testPrefix } from '../../support/redis.ts';

/** The HAProxy configuration of docs/server.md, with the test's ports. */
function haproxyConfig(port: number, nodes: number[]): string {
  return `global
    maxconn 8192

defaults
    mode tcp
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch

frontend corax
    bind 127.0.0.1:${port}
    default_backend corax_nodes

backend corax_nodes
    balance leastconn
    option httpchk GET /ping
    http-check expect status 200
${nodes.map((p, i) => `    server node${i + 1} 127.0.0.1:${p} check inter 500 fall 2 rise 1`).join('\n')}
`;
}

/** One scan on a connection of its own, so the balancer chooses a node for each. */
function scan(port: number, body: string): Promise<{ status: number; node: string; count: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/checkv2', agent: false, headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        const options = (JSON.parse(text) as { symbols: Record<string, { options?: string[] }> }).symbols.NODE?.options ?? [];
        resolve({ status: res.statusCode ?? 0, node: options[0] ?? '', count: options[1] ?? '' });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

let dir = '';
let haproxy: ChildProcess | undefined;
let port = 0;
const nodes: ServeProcess[] = [];
const prefix = testPrefix('balancer');

const Balancer = suite('corax nodes behind HAProxy, state shared through Redis');
Balancer.before(async () => {
  const bin = program('haproxy');
  await requireRedis().then((r) => r.disconnect());
  for (const name of ['a', 'b']) nodes.push(await serve(['--config', fixture('shared-counter.config.ts')], { CORAX_NODE: name, CORAX_REDIS: redisServer(), CORAX_REDIS_PREFIX: prefix }));
  dir = mkdtempSync(join(tmpdir(), 'corax-haproxy-'));
  port = await freePort();
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(config, haproxyConfig(port, nodes.map((n) => n.port)));
  const check = run(bin, ['-c', '-f', config]);
  assert.is(check.status, 0, `haproxy -c: ${check.stdout}${check.stderr}`);
  haproxy = spawn(bin, ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  haproxy.stderr!.on('data', (c) => (log += c));
  // listening, and both nodes' health checks passed
  for (let i = 0; ; i++) {
    const seen = new Set<string>();
    try {
      for (let j = 0; j < 6; j++) seen.add((await scan(port, 'Subject: warm\r\n\r\nx\r\n')).node);
    } catch {
      // not listening yet
    }
    if (seen.size === 2) break;
    if (i > 100) throw new Error(`HAProxy did not reach both nodes: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});
Balancer.after(async () => {
  haproxy?.kill('SIGTERM');
  for (const n of nodes) await n.stop();
  const client = await requireRedis();
  await cleanup(client, prefix);
  client.disconnect();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

Balancer('scans are spread over both nodes and count in one shared Redis counter', async () => {
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => scan(port, `Subject: m${i}\r\n\r\nbody\r\n`)));
  assert.ok(results.every((r) => r.status === 200));
  const perNode = { a: results.filter((r) => r.node === 'a').length, b: results.filter((r) => r.node === 'b').length };
  assert.ok(perNode.a > 0 && perNode.b > 0 && perNode.a + perNode.b === 40, JSON.stringify(perNode));
  // one counter for both: 40 distinct values
  assert.is(new Set(results.map((r) => r.count)).size, 40);
});

Balancer('rspamc through HAProxy gets a node\'s answer', () => {
  const out = run(program('rspamc'), ['-h', `127.0.0.1:${port}`, 'symbols'], 'Subject: via rspamc\r\n\r\nbody\r\n');
  assert.is(out.status, 0, out.stderr);
  assert.match(out.stdout, /Symbol: NODE \(0\.00\)\[[ab], \d+\]/);
});

Balancer('a node that stops: HAProxy sends every scan to the other, none fails', async () => {
  await nodes[1]!.stop();
  const results: Awaited<ReturnType<typeof scan>>[] = [];
  for (let i = 0; i < 40; i++) results.push(await scan(port, `Subject: after ${i}\r\n\r\nbody\r\n`));
  assert.ok(results.every((r) => r.status === 200 && r.node === 'a'), JSON.stringify(results.filter((r) => r.node !== 'a')));
  // and the legacy protocol goes through the same port
  const legacy = await new Promise<string>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end('SYMBOLS RSPAMC/1.3\r\nContent-length: 13\r\n\r\nSubject: hi\r\n'));
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
  assert.match(legacy, /^RSPAMD\/1\.3 0 EX_OK\r\n[\s\S]*Symbol: NODE/);
});

Balancer.run();
