// Connections a client holds: capped, and released; request headers validated.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
import { fixture, serve, type ServeProcess } from '../../support/corax-process.ts';

let corax: ServeProcess;
const Conns = suite('corax serve: connection hygiene');
Conns.before(async () => {
  corax = await serve(['--config', fixture('few-connections.config.ts')]);
});
Conns.after(async () => {
  await corax.stop();
});

// from a given loopback address: Linux answers on all of 127.0.0.0/8
const open = (from = '127.0.0.1'): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const s = net.connect({ port: corax.port, host: '127.0.0.1', localAddress: from }, () => resolve(s));
    s.on('error', reject);
  });
const closed = (s: net.Socket): Promise<void> => new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())));
const opened = (n: number, from?: string): Promise<net.Socket[]> => Promise.all(Array.from({ length: n }, () => open(from)));
/** Starts a request and leaves it unfinished: the connection is busy. */
const busy = (s: net.Socket): boolean => s.write('POST /checkv2 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n');
const settle = (): Promise<unknown> => new Promise((r) => setTimeout(r, 100));
const scan = async (): Promise<number> => {
  const res = await fetch(`${corax.url}/checkv2`, { method: 'POST', body: 'Subject: hi\r\n\r\nx\r\n' });
  await res.text();
  return res.status;
};
/** What a new connection from `from` is told before it is closed. */
const refusal = (from: string): Promise<string> =>
  new Promise<string>((resolve) => {
    const s = net.connect({ port: corax.port, host: '127.0.0.1', localAddress: from });
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('close', () => resolve(out));
    s.on('error', () => resolve(out));
  });
const done = async (sockets: net.Socket[]): Promise<void> => {
  for (const s of sockets) s.destroy();
  await settle();
};

Conns('past server.maxConnections a silent client makes room for a new one; when all are busy a new one gets a 503', async () => {
  const idle = [...(await opened(3, '127.0.0.2')), ...(await opened(2, '127.0.0.3'))];
  // a sixth: the oldest silent one is closed for it, and the scan goes through
  assert.is(await scan(), 200);
  await closed(idle[0]!);
  await done(idle);
  // busy ones (a request started, unfinished) are not evicted: the next connection is refused with a reason
  const taken = [...(await opened(3, '127.0.0.2')), ...(await opened(2, '127.0.0.3'))];
  for (const s of taken) busy(s);
  await settle();
  assert.match(await refusal('127.0.0.4'), /^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*too many connections \(server\.maxConnections is full\)/);
  await done(taken);
});

Conns('past server.maxConnectionsPerAddress an address makes room from its own silent connections, then is refused; other addresses still get in', async () => {
  const idle = await opened(3, '127.0.0.2');
  const fourth = await open('127.0.0.2');
  await closed(idle[0]!);
  assert.ok(!idle[1]!.destroyed && !idle[2]!.destroyed && !fourth.destroyed, 'only the oldest of that address is closed');
  await done([...idle, fourth]);
  const taken = await opened(3, '127.0.0.2');
  for (const s of taken) busy(s);
  await settle();
  assert.match(await refusal('127.0.0.2'), /^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*too many connections from this address \(server\.maxConnectionsPerAddress is full\)/);
  // the others keep their room: a scan from another address goes through, and nothing of the busy address was closed for it
  assert.is(await scan(), 200);
  assert.ok(taken.every((s) => !s.destroyed));
  await done(taken);
});

Conns('slow headers and slow bodies get a 408 and lose their connection at server.headersTimeout and server.requestTimeout, even when they never read', async () => {
  const slow = await serve(['--config', fixture('short-timeouts.config.ts')]);
  try {
    const connect = (from: string): Promise<net.Socket> =>
      new Promise((resolve, reject) => {
        const s = net.connect({ port: slow.port, host: '127.0.0.1', localAddress: from }, () => resolve(s));
        s.on('error', reject);
      });
    const received = new Map<net.Socket, string>();
    // slowloris: a request line, then a header byte every 100 ms, never reading
    const loris = await Promise.all(Array.from({ length: 10 }, () => connect('127.0.0.2')));
    // slow bodies from another address: headers in full, then a trickle of the body; these are busy and never evicted
    const bodies = await Promise.all(Array.from({ length: 10 }, () => connect('127.0.0.3')));
    for (const s of [...loris, ...bodies]) {
      received.set(s, '');
      s.on('data', (d) => received.set(s, received.get(s) + String(d)));
    }
    for (const s of loris) s.write('POST /checkv2 HTTP/1.1\r\nX');
    for (const s of bodies) s.write('POST /checkv2 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nx');
    const drip = setInterval(() => {
      for (const s of loris) if (!s.destroyed) s.write('a');
      for (const s of bodies) if (!s.destroyed) s.write('x');
    }, 100);
    try {
      // with both addresses at the server's cap of 20, everyone else waits: until the deadlines free the room
      await Promise.all([...loris, ...bodies].map(closed));
    } finally {
      clearInterval(drip);
    }
    for (const s of loris) assert.match(received.get(s)!, /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*request headers took too long/);
    for (const s of bodies) assert.match(received.get(s)!, /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*the request took too long to arrive/);
    const res = await fetch(`${slow.url}/checkv2`, { method: 'POST', body: 'Subject: hi\r\n\r\nx\r\n' });
    assert.is(res.status, 200);
    await res.text();
    // each 408 is counted with the request errors
    const stat = (await (await fetch(`${slow.url}/stat`)).json()) as { errors: Record<string, number> };
    assert.is(stat.errors['408'], 20, JSON.stringify(stat.errors));
  } finally {
    await slow.stop();
  }
});

Conns('an error reply ends the connection', async () => {
  const s = await open('127.0.0.5');
  let reply = '';
  s.on('data', (d) => (reply += d));
  s.write('GET /nope HTTP/1.1\r\nHost: x\r\n\r\n');
  await closed(s);
  assert.match(reply, /^HTTP\/1\.1 404 Not Found\r\n[\s\S]*\r\nconnection: close\r\n/i);
});

Conns('1,100 silent and slow clients against a server under ulimit -n 1024: a normal scan still succeeds, and the descriptors come back', async () => {
  const { spawn } = await import('node:child_process');
  const { bin } = await import('../../support/corax-process.ts');
  const { freePort } = await import('../../support/net.ts');
  const port = await freePort();
  const child = spawn('sh', ['-c', `ulimit -n 1024 && exec "${process.execPath}" "${bin}" serve --config "${fixture('mta.config.ts')}" --bind 127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d) => /listening/.test(String(d)) && resolve());
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const fds = (): number => Number(require('node:fs').readdirSync(`/proc/${child.pid}/fd`).length);
    // the baseline after a first scan: parse threads and the client's own keep-alive connection are in it
    const warm = await fetch(`http://127.0.0.1:${port}/checkv2`, { method: 'POST', body: 'Subject: hi\r\n\r\nx\r\n' });
    await warm.text();
    // and once it is steady (a parse thread may still be starting)
    let baseline = fds();
    for (let i = 0, steady = 0; i < 100 && steady < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = fds();
      steady = now === baseline ? steady + 1 : 0;
      baseline = now;
    }
    const clients: net.Socket[] = [];
    for (let i = 0; i < 1100; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      // every other one is slowloris: a request line, then a header byte now and then
      if (i % 2) s.once('connect', () => s.write('POST /checkv2 HTTP/1.1\r\nX'));
      clients.push(s);
    }
    const drip = setInterval(() => {
      for (const [i, s] of clients.entries()) if (i % 2 && !s.destroyed) s.write('a');
    }, 200);
    await new Promise((r) => setTimeout(r, 500));
    const res = await fetch(`http://127.0.0.1:${port}/checkv2`, { method: 'POST', body: 'Subject: hi\r\n\r\nx\r\n' });
    assert.is(res.status, 200);
    await res.text();
    clearInterval(drip);
    for (const s of clients) s.destroy();
    let now = fds();
    for (let i = 0; i < 100 && now > baseline + 5; i++) {
      await new Promise((r) => setTimeout(r, 50));
      now = fds();
    }
    assert.ok(now <= baseline + 5, `descriptors: ${now}, baseline ${baseline}`);
  } finally {
    child.kill('SIGTERM');
  }
});

Conns('an IP header that is not an address is a 400, over HTTP and the legacy protocol', async () => {
  const res = await fetch(`${corax.url}/checkv2`, { method: 'POST', body: 'Subject: hi\r\n\r\nx\r\n', headers: { IP: 'not-an-ip' } });
  assert.is(res.status, 400);
  assert.match(((await res.json()) as { error: string }).error, /IP header "not-an-ip" is not an IPv4 or IPv6 address/);
  const reply = await new Promise<string>((resolve) => {
    const s = net.connect(corax.port, '127.0.0.1', () => s.end('CHECK RSPAMC/1.3\r\nIP: not-an-ip\r\nContent-length: 5\r\n\r\nhello'));
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('close', () => resolve(out));
  });
  assert.match(reply, /EX_PROTOCOL\r\n\r\nIP header "not-an-ip" is not an IPv4 or IPv6 address/);
});

Conns.run();
