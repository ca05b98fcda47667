// Connections a client holds: capped, and released; request headers validated.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { fixture, serve, type ServeProcess } from '../../support/corax-process.ts';

let corax: ServeProcess;
const Conns = suite('corax serve: connection hygiene');
Conns.before(async () => {
  corax = await serve(['--config', fixture('few-connections.config.ts')]);
});
Conns.after(async () => {
  await corax.stop();
});

const open = (): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const s = net.connect(corax.port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
const closed = (s: net.Socket): Promise<void> => new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())));

Conns('past server.maxConnections a new connection is closed at once; once idle ones go, new ones are served', async () => {
  const idle = await Promise.all(Array.from({ length: 5 }, open));
  const extra = await open();
  await closed(extra);
  for (const s of idle) s.destroy();
  await Promise.all(idle.map(closed));
  await new Promise((r) => setTimeout(r, 50));
  const res = await fetch(`${corax.url}/checkv2`, { method: 'POST', body: 'Subject: hi\r\n\r\nx\r\n' });
  assert.is(res.status, 200);
  await res.text();
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
