import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { request } from 'undici';
import { fixture, serve, type ServeProcess } from '../../support/corax-process.ts';
import { startDnsServer, type DnsTestServer } from '../../support/dns-server.ts';

const run = promisify(execFile);
const spam = readFileSync(fixture('messages/spam.eml'));

async function check(url: string, body: string | Buffer, headers: Record<string, string | string[]> = {}) {
  const res = await request(`${url}/checkv2`, { method: 'POST', body, headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: (() => { try { return JSON.parse(text); } catch { return null; } })() };
}

/** Sends raw bytes and returns whatever comes back before the server closes. */
function raw(port: number, data: string | Buffer, { end = true } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let out = '';
    socket.on('data', (c) => (out += c));
    socket.on('close', () => resolve(out));
    socket.on('error', () => resolve(out));
    socket.write(data);
    if (end) socket.end();
  });
}

async function rspamc(port: number, args: string[]): Promise<string> {
  const { stdout } = await run('rspamc', ['-h', `127.0.0.1:${port}`, ...args], { timeout: 20_000 });
  return stdout;
}

let server: ServeProcess;
let names: DnsTestServer;

const Protocol = suite('corax serve: the scan protocol');
Protocol.before(async () => {
  names = await startDnsServer({ 'resolve-me.test': { records: { A: ['192.0.2.20'] } } });
  server = await serve([], { CORAX_TEST_DNS: names.address, CORAX_TEST_PASSWORD: 'sekrit' });
});
Protocol.after(async () => {
  await server.stop();
  await names.close();
});

Protocol('POST /checkv2: envelope headers and other headers reach the rules; Rspamd keys in the reply', async () => {
  const r = await check(server.url, spam, {
    From: 'env@example.com',
    Rcpt: ['r1@example.org', 'r2@example.org'],
    IP: '198.51.100.7',
    Helo: 'mx.example.com',
    Hostname: 'host.example.com',
    User: 'bob',
    'Queue-Id': 'QID123',
    'X-Corax-Test': 'custom header',
    'To-Resolve': 'resolve-me.test',
  });
  assert.is(r.status, 200);
  assert.equal(Object.keys(r.json), ['is_skipped', 'score', 'required_score', 'action', 'thresholds', 'symbols', 'messages', 'message-id', 'time_real']);
  assert.is(r.json.action, 'add header');
  assert.is(r.json['message-id'], 'spam-1@example.com');
  assert.equal(r.json.symbols.ENVELOPE.options, ['env@example.com|r1@example.org r2@example.org|198.51.100.7|mx.example.com|host.example.com|bob']);
  assert.equal(r.json.symbols.REQUEST_HEADER.options, ['custom header']);
  assert.equal(r.json.symbols.RESOLVE.options, ['192.0.2.20']);
  assert.equal(r.json.symbols.SPAM_SUBJECT, { name: 'SPAM_SUBJECT', score: 5, metric_score: 5, description: 'subject says spam', options: ['Buy now, this is spam'] });
  assert.match(r.text, /"score":6\.600000,"required_score":15\.0,/);
});

Protocol('rspamc symbols prints the symbols, score and action corax computed', async () => {
  const out = await rspamc(server.port, ['--header', 'x-corax-test=via rspamc', '-F', 'a@example.com', '-r', 'b@example.org', '-i', '192.0.2.99', 'symbols', fixture('messages/spam.eml')]);
  assert.match(out, /Action: greylist/);
  assert.match(out, /Score: 5\.60 \/ 15\.00/);
  assert.match(out, /Symbol: SPAM_SUBJECT \(5\.00\)\[Buy now, this is spam\]/);
  assert.match(out, /Symbol: REQUEST_HEADER \(0\.50\)\[via rspamc\]/);
  assert.match(out, /Symbol: ENVELOPE \(0\.00\)\[a@example\.com\|b@example\.org\|192\.0\.2\.99\|/);
  const json = JSON.parse((await rspamc(server.port, ['-j', 'symbols', fixture('messages/ham.eml')])).replace(/^[^{]*/, ''));
  assert.is(json.action, 'no action');
});

Protocol('GET /ping, /stat and /metrics (password-protected)', async () => {
  const ping = await request(`${server.url}/ping`);
  assert.equal([ping.statusCode, await ping.body.text()], [200, 'pong\r\n']);
  const denied = await request(`${server.url}/stat`);
  assert.is(denied.statusCode, 403);
  assert.match((await denied.body.json() as { error: string }).error, /Password/);
  const stat = (await (await request(`${server.url}/stat`, { headers: { password: 'sekrit' } })).body.json()) as Record<string, unknown>;
  assert.ok((stat.scanned as number) >= 2);
  assert.ok((stat.actions as Record<string, number>).greylist >= 1);
  assert.ok(typeof stat.avg_scan_time === 'number' && typeof stat.uptime === 'number');
  const metrics = await (await request(`${server.url}/metrics`, { headers: { password: 'sekrit' } })).body.text();
  assert.match(metrics, /^corax_scanned_total \d+$/m);
  assert.match(metrics, /^corax_actions_total\{action="greylist"\} \d+$/m);
});

Protocol('every log line about a scan names its task', async () => {
  await check(server.url, spam, { 'Queue-Id': 'LOGGED1' });
  await new Promise((r) => setTimeout(r, 100));
  const line = server.logs.find((l) => l.msg === 'scanned' && l.task === 'LOGGED1');
  assert.ok(line, 'scan logged with its task id');
  assert.not.ok(JSON.stringify(server.logs).includes('sekrit'), 'the password is never logged');
});

const Bad = suite('corax serve: bad requests');
Bad.before(async () => {
  server = await serve([], { CORAX_TEST_MAX_BODY: '10000' });
});
Bad.after(async () => {
  await server.stop();
});

Bad('no body, oversize body, wrong method, unknown path: 4xx with a JSON error', async () => {
  const empty = await check(server.url, '');
  assert.equal([empty.status, empty.json.error], [400, 'empty message: POST the message as the request body']);
  const big = await check(server.url, Buffer.alloc(20_000, 0x61));
  assert.equal([big.status, big.json.error], [413, 'message is larger than server.maxBodySize (10000 bytes)']);
  const get = await request(`${server.url}/checkv2`);
  assert.equal([get.statusCode, ((await get.body.json()) as { error: string }).error], [400, 'empty message: POST the message as the request body']);
  const put = await request(`${server.url}/checkv2`, { method: 'PUT', body: 'x' });
  assert.equal([put.statusCode, put.headers.allow], [405, 'POST']);
  assert.match(((await put.body.json()) as { error: string }).error, /PUT is not allowed on \/checkv2; use POST/);
  const nope = await request(`${server.url}/nope`, { method: 'DELETE' });
  assert.is(nope.statusCode, 404);
  await nope.body.text();
  const gzip = await check(server.url, spam, { compression: 'gzip' });
  assert.is(gzip.status, 415);
  const notZstd = await check(server.url, spam, { compression: 'zstd' });
  assert.equal([notZstd.status, notZstd.json.error.startsWith('cannot decompress the zstd request')], [400, true]);
});

Bad('garbage, too many headers, huge headers: clear errors, and the server keeps serving', async () => {
  assert.match(await raw(server.port, 'THIS IS NOT HTTP\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request[\s\S]*"error":"bad request/);
  const many = Array.from({ length: 80 }, (_, i) => `X-H${i}: v`).join('\r\n');
  assert.match(await raw(server.port, `POST /checkv2 HTTP/1.1\r\nHost: x\r\n${many}\r\nContent-Length: 5\r\n\r\nhello`), /^HTTP\/1\.1 431[\s\S]*too many request headers \(server\.maxHeaders is 50\)/);
  assert.match(await raw(server.port, `GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`), /^HTTP\/1\.1 431[\s\S]*larger than server\.maxHeaderSize/);
  assert.is((await check(server.url, spam)).status, 200);
});

Bad('a client that disconnects mid-request does not hurt the server', async () => {
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: server.port }, () => {
        socket.write('POST /checkv2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\npartial body');
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 5);
      });
      socket.on('error', () => resolve());
    });
  }
  assert.is((await check(server.url, spam)).status, 200);
});

Bad('thousands of concurrent connections in a bounded loop: every one answered', async () => {
  let ok = 0;
  for (let batch = 0; batch < 4; batch++) {
    const replies = await Promise.all(Array.from({ length: 500 }, () => raw(server.port, 'GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')));
    ok += replies.filter((r) => r.startsWith('HTTP/1.1 200') && r.endsWith('pong\r\n')).length;
  }
  assert.is(ok, 2000);
  assert.is(server.child.exitCode, null, 'still running');
});

const Security = suite('corax serve: binding');

Security('binds loopback by default, and says so when told to bind anywhere else', async () => {
  const open = await serve(['--bind', '0.0.0.0:0']);
  try {
    const warning = open.logs.find((l) => l.level === 40);
    assert.match(String(warning?.msg), /listening on 0\.0\.0\.0, not loopback: anyone who can reach this address can submit scans/);
  } finally {
    await open.stop();
  }
  assert.not.ok(server.logs.some((l) => l.level === 40 && /not loopback/.test(String(l.msg))), 'no warning on loopback');
});

const Shutdown = suite('corax serve: graceful shutdown');

Shutdown('SIGTERM during a burst: every accepted scan gets its reply, then the process exits', async () => {
  const s = await serve();
  const pending = Array.from({ length: 50 }, () => check(s.url, spam, { 'X-Sleep': '400' }));
  // let the requests arrive before the signal
  for (let i = 0; i < 100; i++) {
    const stat = (await (await request(`${s.url}/stat`)).body.json()) as { active: number };
    if (stat.active >= 50) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const code = s.stop('SIGTERM');
  const replies = await Promise.all(pending);
  assert.equal(replies.map((r) => r.status), new Array(50).fill(200));
  assert.ok(replies.every((r) => r.json.symbols.SLEPT?.options[0] === '400'));
  assert.is(await code, 0, 'a SIGTERM-ed process that shut down cleanly exits 0');
  assert.ok(s.logs.some((l) => l.msg === 'stopped' && l.scanned === 50));
});

const Workers = suite('corax serve --workers');

Workers('/stat and /metrics describe the whole server, whichever worker answers', async () => {
  const s = await serve(['--workers', '2']);
  try {
    for (let i = 0; i < 6; i++) assert.is((await check(s.url, spam, { connection: 'close' })).status, 200);
    const pids = new Set<number>();
    for (let i = 0; i < 8; i++) {
      const stat = (await (await request(`${s.url}/stat`, { headers: { connection: 'close' } })).body.json()) as { scanned: number; pid: number; actions: Record<string, number> };
      assert.is(stat.scanned, 6, `call ${i} answered by ${stat.pid}`);
      assert.is(stat.actions.greylist, 6);
      pids.add(stat.pid);
      const text = await (await request(`${s.url}/metrics`, { headers: { connection: 'close' } })).body.text();
      assert.match(text, /^corax_scanned_total 6$/m);
      assert.match(text, /^corax_scan_duration_seconds_count 6$/m);
      assert.match(text, /^corax_symbol_runs_total\{symbol="SPAM_SUBJECT",outcome="ok"\} 6$/m);
    }
  } finally {
    await s.stop('SIGTERM');
  }
});

Workers('N workers share one port; a killed worker is replaced', async () => {
  const s = await serve(['--workers', '2']);
  try {
    const pids = new Set<number>();
    for (let i = 0; i < 40 && pids.size < 2; i++) {
      const stat = (await (await request(`${s.url}/stat`, { headers: { connection: 'close' } })).body.json()) as { pid: number };
      pids.add(stat.pid);
    }
    assert.is(pids.size, 2, `both workers answer; logs: ${JSON.stringify(s.logs)}`);
    const [victim] = pids;
    process.kill(victim, 'SIGKILL');
    for (let i = 0; i < 500 && !s.logs.some((l) => /replacement worker \d+ listening/.test(String(l.msg))); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(s.logs.some((l) => /worker \d+ died/.test(String(l.msg))));
    assert.ok(s.logs.some((l) => /replacement worker \d+ listening/.test(String(l.msg))));
    const seen = new Set<number>();
    for (let i = 0; i < 60 && seen.size < 2; i++) {
      try {
        const stat = (await (await request(`${s.url}/stat`, { headers: { connection: 'close' } })).body.json()) as { pid: number };
        seen.add(stat.pid);
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.is(seen.size, 2, 'two workers again');
    assert.not.ok(seen.has(victim));
    assert.is((await check(s.url, spam)).status, 200);
  } finally {
    await s.stop('SIGTERM');
  }
});

Protocol.run();
Bad.run();
Security.run();
Shutdown.run();
Workers.run();
