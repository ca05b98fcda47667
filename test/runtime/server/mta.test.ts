// corax behind the real programs mail servers use to reach Rspamd: Exim, spamc, Rspamd's proxy (rspamc through it), and the legacy protocol itself.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { fixture, serve, type ServeProcess } from '../../support/corax-process.ts';
import { program, run, startRspamdProxy, type RspamdProxy } from '../../support/mta.ts';

let corax: ServeProcess;
let dir = '';

const message = (subject: string): string => `From: sender@corax.test\r\nTo: rcpt@corax.test\r\nSubject: ${subject}\r\nMessage-ID: <m1@corax.test>\r\n\r\nbody\r\n`;

/** One legacy exchange over a raw socket: what corax answers before closing. */
function legacy(text: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(corax.port, '127.0.0.1', () => socket.end(text));
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

const legacyRequest = (command: string, protocol: string, body: string, headers = ''): string => `${command} ${protocol}\r\nContent-length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`;

const Legacy = suite('the legacy protocol on the scan port');
Legacy.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'corax-mta-'));
  corax = await serve(['--config', fixture('mta.config.ts')]);
});

Legacy('CHECK RSPAMC/1.3 (as Exim sends it, mbox From line and all) gets Rspamd\'s reply; the envelope reaches the rules', async () => {
  const reply = await legacy(legacyRequest('CHECK', 'RSPAMC/1.3', `From MAILER-DAEMON Wed Dec  2 10:00:00 2026\n${message('header me')}`, 'Queue-Id: Q1\r\nFrom: <sender@corax.test>\r\nRecipient-Number: 1\r\nRcpt: <rcpt@corax.test>\r\nHelo: client.corax.test\r\nIP: 192.0.2.7\r\n'));
  assert.equal(reply.split('\r\n'), ['RSPAMD/1.3 0 EX_OK', '', 'Metric: default; False; 7.00 / 15.00 / 0.0', 'Action: add header', 'Symbol: ENVELOPE_SEEN(0.00)', 'Symbol: WANTS_HEADER(7.00)', 'Message-ID: m1@corax.test', '']);
});

Legacy('SYMBOLS RSPAMC adds the options; PING answers PONG', async () => {
  const reply = await legacy(legacyRequest('SYMBOLS', 'RSPAMC/1.3', message('header me'), 'From: sender@corax.test\r\nRcpt: rcpt@corax.test\r\nHelo: h.test\r\nIP: 192.0.2.7\r\n'));
  assert.match(reply, /\r\nSymbol: ENVELOPE_SEEN\(0\.00\); sender@corax\.test>rcpt@corax\.test,h\.test,192\.0\.2\.7\r\n/);
  assert.is(await legacy('PING SPAMC/1.5\r\n\r\n'), 'SPAMD/1.5 0 PONG\r\n');
});

Legacy('SPAMC CHECK, SYMBOLS, REPORT and PROCESS answer as spamd does', async () => {
  const check = await legacy(legacyRequest('CHECK', 'SPAMC/1.5', message('reject me')));
  assert.match(check, /^SPAMD\/1\.1 0 EX_OK\r\nSpam: True ; 0\.00 \/ 15\.00\r\nContent-length: 0\r\n\r\n$/);
  const symbols = await legacy(legacyRequest('SYMBOLS', 'SPAMC/1.5', message('header me')));
  assert.match(symbols, /Spam: False ; 7\.00 \/ 15\.00\r\n.*\r\n\r\nWANTS_HEADER\r\n$/s);
  const report = await legacy(legacyRequest('REPORT', 'SPAMC/1.5', message('header me')));
  assert.match(report, /\r\n\r\nAction: add header\r\n\r\n pts rule name\r\n {3}7\.00 WANTS_HEADER header me\r\n$/);
  const processed = await legacy(legacyRequest('PROCESS', 'SPAMC/1.5', message('hello')));
  assert.match(processed, /\r\n\r\nX-Spam-Flag: NO\r\nX-Spam-Status: No, score=0\.00 required=15\.00 tests=none\r\nX-Spam-Action: no action\r\nFrom: sender@corax\.test\r\n/);
});

Legacy('a malformed request gets an error line and the connection closes; the server keeps serving', async () => {
  assert.match(await legacy('FROB RSPAMC/1.3\r\n\r\nx'), /^SPAMD\/1\.1 76 EX_PROTOCOL\r\n\r\nunknown command FROB/);
  assert.match(await legacy('CHECK RSPAMC/1.3\r\nContent-length: 100\r\n\r\nshort'), /^SPAMD\/1\.1 76 EX_PROTOCOL\r\n\r\nthe request ended after 5 of its 100 bytes/);
  assert.match(await legacy(legacyRequest('CHECK', 'RSPAMC/1.3', message('hello'))), /^RSPAMD\/1\.3 0 EX_OK/);
});

const Clients = suite('real clients: spamc, Exim, rspamc through Rspamd\'s proxy');
Clients.before(Legacy.before as never);

Clients('spamc -c, -y and -R get spamd answers', () => {
  const spamc = program('spamc');
  const c = run(spamc, ['-d', '127.0.0.1', '-p', String(corax.port), '-c'], message('reject me'));
  assert.equal([c.stdout.trim(), c.status], ['0.0/15.0', 1]);
  const y = run(spamc, ['-d', '127.0.0.1', '-p', String(corax.port), '-y'], message('header me'));
  assert.is(y.stdout.trim(), 'WANTS_HEADER');
  const ham = run(spamc, ['-d', '127.0.0.1', '-p', String(corax.port), '-c'], message('hello'));
  assert.equal([ham.stdout.trim(), ham.status], ['0.0/15.0', 0]);
});

function eximConfig(port: number): string {
  return `spamd_address = 127.0.0.1 ${port} variant=rspamd
primary_hostname = corax-test.local
acl_smtp_rcpt = accept
acl_smtp_data = acl_check_data
log_file_path = ${dir}/exim/log/%slog
spool_directory = ${dir}/exim/spool
exim_user = root
exim_group = root
never_users =
keep_environment =
begin acl
acl_check_data:
  warn spam = nobody:true
  warn logwrite = corax: action=$spam_action score=$spam_score report=\${sg{$spam_report}{\\n}{ }}
  deny condition = \${if eq{$spam_action}{reject}}
       message = 550 rejected by corax ($spam_score)
  defer condition = \${if eq{$spam_action}{soft reject}}
       message = 451 try again later ($spam_score)
  accept
begin routers
drop:
  driver = redirect
  data = :blackhole:
begin transports
`;
}

function smtp(exim: string, config: string, subject: string): string {
  const dialogue = `HELO client.corax.test\r\nMAIL FROM:<sender@corax.test>\r\nRCPT TO:<rcpt@corax.test>\r\nDATA\r\n${message(subject).replace(/\r\n$/, '')}\r\n.\r\nQUIT\r\n`;
  return run(exim, ['-C', config, '-bs'], dialogue).stdout;
}

Clients('Exim (variant=rspamd, exim -bs): ham accepted, add header and its score seen, reject 550, soft reject 451, the envelope reaching the rules', () => {
  const exim = program('exim4');
  mkdirSync(join(dir, 'exim/log'), { recursive: true });
  mkdirSync(join(dir, 'exim/spool'), { recursive: true });
  const config = join(dir, 'exim/exim.conf');
  writeFileSync(config, eximConfig(corax.port));
  assert.match(smtp(exim, config, 'hello'), /\r\n250 OK id=/);
  assert.match(smtp(exim, config, 'header me'), /\r\n250 OK id=/);
  assert.match(smtp(exim, config, 'reject me'), /\r\n550 rejected by corax \(0\.0\)\r\n/);
  assert.match(smtp(exim, config, 'soft me'), /\r\n451 try again later/);
  const log = readFileSync(join(dir, 'exim/log/mainlog'), 'utf8');
  assert.match(log, /corax: action=no action score=0\.0/);
  assert.match(log, /corax: action=add header score=7\.0 .*Symbol: WANTS_HEADER\(7\.00\)/);
  assert.match(log, /Symbol: ENVELOPE_SEEN\(0\.00\)/);
  assert.not.match(log, /spamd servers failed|cannot parse/);
});

let proxy: RspamdProxy | undefined;

Clients('rspamc through rspamd_proxy (self_scan = no, corax as the upstream) prints corax\'s symbols', async () => {
  proxy = await startRspamdProxy(join(dir, 'proxy'), corax.port, { message: message('header me'), expect: /Symbol: WANTS_HEADER/ });
  assert.match(proxy.firstAnswer, /Action: add header/);
  assert.match(proxy.firstAnswer, /Score: 7\.00 \/ 15\.00/);
  assert.match(proxy.firstAnswer, /Symbol: WANTS_HEADER \(7\.00\)\[header me\]/);
});

Clients.after(async () => {
  await proxy?.stop();
});

const Http = suite('/checkv2 as Rspamd\'s proxy and rspamc send it');
Http.before(Legacy.before as never);

Http('GET /checkv2 with the message as the body', async () => {
  const res = await request(`${corax.url}/checkv2`, { method: 'GET', body: message('header me') });
  assert.is(res.statusCode, 200);
  assert.ok(((await res.body.json()) as { symbols: Record<string, unknown> }).symbols.WANTS_HEADER);
});

Http('GET /checkv2 with Shm: read from /dev/shm with offset and length, and refused for bad names, ranges and segments', async () => {
  const name = `/rhm.corax${process.pid}`;
  const text = message('header me');
  writeFileSync(`/dev/shm${name}`, `XXXX${text}YYYY`, { mode: 0o600 });
  try {
    const get = (headers: Record<string, string>) => request(`${corax.url}/checkv2`, { method: 'GET', headers });
    const ok = await get({ shm: name, 'shm-offset': '4', 'shm-length': String(Buffer.byteLength(text)) });
    assert.is(ok.statusCode, 200);
    assert.ok(((await ok.body.json()) as { symbols: Record<string, unknown> }).symbols.WANTS_HEADER);
    const refusals: Array<[Record<string, string>, RegExp]> = [
      [{ shm: '/../etc/passwd' }, /is not a shared memory segment name/],
      [{ shm: 'a/b' }, /is not a shared memory segment name/],
      [{ shm: name, 'shm-offset': '4', 'shm-length': '100000' }, /past the end of the segment/],
      [{ shm: name, 'shm-offset': '-1' }, /Shm-Offset: expected a byte offset/],
      [{ shm: '/rhm.nothing-here' }, /no such segment/],
    ];
    for (const [headers, pattern] of refusals) {
      const res = await get(headers);
      assert.is(res.statusCode, 400, JSON.stringify(headers));
      assert.match(((await res.body.json()) as { error: string }).error, pattern);
    }
  } finally {
    unlinkSync(`/dev/shm${name}`);
  }
});

Http('rspamc -z: a zstd request gets a zstd reply rspamc reads', () => {
  const r = run(program('rspamc'), ['-h', `127.0.0.1:${corax.port}`, '-z', 'symbols'], message('header me'));
  assert.match(r.stdout, /Symbol: WANTS_HEADER \(7\.00\)\[header me\]/);
});

Http('an encrypted request (rspamc --key) to a server without a keypair is refused with the reason in the status line and the body', async () => {
  const res = await request(`${corax.url}/checkv2`, { method: 'POST', body: 'x', headers: { key: 'p9gqfxjqsufwi93ox61uif839te7mqtpgtdp4yp33k4k31aud7cy' } });
  assert.is(res.statusCode, 400);
  assert.match(((await res.body.json()) as { error: string }).error, /this server takes no encrypted requests: give it server\.keypair/);
});

Http.after(async () => {
  await corax.stop();
  rmSync(dir, { recursive: true, force: true });
});

Legacy.run();
Clients.run();
Http.run();
