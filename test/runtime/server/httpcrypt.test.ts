// Rspamd's encrypted HTTP: rspamc --key and rspamd_proxy with a keyed upstream, against corax serve with server.keypair.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '../../../index.ts';
import { base32Decode, base32Encode, HttpCryptKey, open, seal } from '../../../runtime/server/httpcrypt.ts';
import { fixture, serve, type ServeProcess } from '../../support/corax-process.ts';
import { program, run, startRspamdProxy, type RspamdProxy } from '../../support/mta.ts';
import { keypair } from '../../fixtures/keypair.config.ts';

// another keypair rspamadm made: a client that encrypts to it is not talking to this server
const otherPubkey = 'n6aw1tt6hix8ufxquqarhuz3hgqqzisiaq7rzz3zntkhkwcko9my';
const message = (subject: string): string => `From: sender@corax.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@corax.test>\r\n\r\nbody\r\n`;

let corax: ServeProcess;
let dir = '';
let proxy: RspamdProxy | undefined;

const Crypt = suite('encrypted requests (server.keypair)');
Crypt.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'corax-httpcrypt-'));
  corax = await serve(['--config', fixture('keypair.config.ts')]);
});
Crypt.after(async () => {
  await proxy?.stop();
  await corax.stop();
  rmSync(dir, { recursive: true, force: true });
});

Crypt('the key: Rspamd\'s base32 both ways, and the public key and id rspamadm printed for the private key', () => {
  const key = new HttpCryptKey(base32Decode(keypair.privkey)!);
  assert.is(base32Encode(key.publicKey), keypair.pubkey);
  assert.ok(keypair.id.startsWith(base32Encode(key.shortId)));
  assert.is(base32Encode(base32Decode(keypair.pubkey)!), keypair.pubkey);
  assert.is(base32Decode('not base32!'), null);
  // sealed for a peer, opened by it; a flipped byte does not open
  const peer = new HttpCryptKey(Buffer.alloc(32, 7));
  const sealed = seal(key.shared(peer.publicKey)!, Buffer.from('hello'));
  assert.is(String(open(peer.shared(key.publicKey)!, sealed)), 'hello');
  sealed[sealed.length - 1] ^= 1;
  assert.is(open(peer.shared(key.publicKey)!, sealed), null);
});

Crypt('a keypair that is not what rspamadm makes is refused, naming the field', () => {
  assert.throws(() => defineConfig({ symbols: [], server: { keypair: { privkey: 'short' } } }), /server\.keypair\.privkey is \(hidden\); expected the base32 privkey rspamadm keypair prints/);
  assert.throws(() => defineConfig({ symbols: [], server: { keypair: { ...keypair, pubkey: otherPubkey } } }), /server\.keypair\.pubkey is \(hidden\); expected the privkey's public key, q1jm/);
  assert.throws(() => defineConfig({ symbols: [], server: { keypair: { ...keypair, algorithm: 'nistp256' } } }), /server\.keypair\.algorithm is "nistp256"; expected "curve25519"/);
});

Crypt('rspamc --key: the scan is decrypted, and its result comes back encrypted and printed (plain and zstd)', () => {
  const rspamc = program('rspamc');
  const out = run(rspamc, ['-h', `127.0.0.1:${corax.port}`, '--key', keypair.pubkey, 'symbols'], message('header me'));
  assert.is(out.status, 0, out.stdout + out.stderr);
  assert.match(out.stdout, /Action: add header/);
  assert.match(out.stdout, /Symbol: WANTS_HEADER \(7\.00\)\[header me\]/);
  const zstd = run(rspamc, ['-h', `127.0.0.1:${corax.port}`, '--key', keypair.pubkey, '-z', 'symbols'], message('reject me'));
  assert.is(zstd.status, 0, zstd.stdout + zstd.stderr);
  assert.match(zstd.stdout, /Action: reject/);
});

Crypt('rspamc --key: an error comes back encrypted too, and rspamc prints it', () => {
  const rspamc = program('rspamc');
  // /stat without the server's password
  const out = run(rspamc, ['-h', `127.0.0.1:${corax.port}`, '--key', keypair.pubkey, '-j', 'stat'], '');
  assert.is(out.status, 1);
  assert.match(out.stdout + out.stderr, /HTTP error: 403, Forbidden/);
  assert.match(out.stdout + out.stderr, /wrong or missing Password header \(server\.password\)/);
  const ok = run(rspamc, ['-h', `127.0.0.1:${corax.port}`, '--key', keypair.pubkey, '-P', 'sekrit', 'stat'], '');
  assert.is(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /Messages scanned: \d+/);
});

Crypt('rspamc --key with another server\'s key: closed without a reply, as Rspamd does, and logged', async () => {
  const out = run(program('rspamc'), ['-h', `127.0.0.1:${corax.port}`, '--key', otherPubkey, 'symbols'], message('hello'));
  assert.is(out.status, 1);
  assert.match(out.stdout + out.stderr, /IO read error: unexpected EOF/);
  const logged = (): boolean => corax.logs.some((l) => /^encrypted request refused: the request is encrypted for key id 446sqskd, not this server's ht9khwez/.test(String(l.msg)));
  // the server's log is written asynchronously
  for (let i = 0; i < 100 && !logged(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(logged());
});

Crypt('an encrypted HTTP/1.1 keep-alive request is answered at once, and a body that does not decrypt is closed unanswered', async () => {
  const net = await import('node:net');
  const client = new HttpCryptKey(Buffer.alloc(32, 9));
  const server = new HttpCryptKey(base32Decode(keypair.privkey)!);
  const shared = client.shared(server.publicKey)!;
  const exchange = (body: Buffer): Promise<Buffer> =>
    new Promise((resolve) => {
      const s = net.connect(corax.port, '127.0.0.1', () => {
        s.write(`POST /post HTTP/1.1\r\nHost: x\r\nKey: ${base32Encode(server.shortId)}=${base32Encode(client.publicKey)}\r\nContent-Length: ${body.length}\r\n\r\n`);
        s.write(body);
      });
      const got: Buffer[] = [];
      s.on('data', (d) => got.push(d));
      s.on('close', () => resolve(Buffer.concat(got)));
      s.on('error', () => resolve(Buffer.concat(got)));
    });
  const msg = message('header me');
  const inner = Buffer.from(`POST /checkv2 HTTP/1.1\r\nHost: x\r\nContent-Length: ${msg.length}\r\n\r\n${msg}`);
  const answer = await exchange(seal(shared, inner));
  const head = answer.indexOf('\r\n\r\n');
  assert.match(answer.subarray(0, head).toString(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*content-type: application\/octet-stream/i);
  const opened = open(shared, answer.subarray(head + 4));
  assert.ok(opened, 'the reply opens with the shared key');
  assert.match(String(opened), /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{"is_skipped":false,"score":7\.0/);
  const tampered = seal(shared, inner);
  tampered[30] ^= 1;
  assert.is((await exchange(tampered)).length, 0);
  // a public key that is no usable point (all zero): closed unanswered, and the server goes on
  const zero = await new Promise<Buffer>((resolve) => {
    const s = net.connect(corax.port, '127.0.0.1', () => s.end(`POST /post HTTP/1.1\r\nHost: x\r\nKey: ${base32Encode(server.shortId)}=${base32Encode(Buffer.alloc(32))}\r\nContent-Length: 64\r\n\r\n${'x'.repeat(64)}`));
    const got: Buffer[] = [];
    s.on('data', (d) => got.push(d));
    s.on('close', () => resolve(Buffer.concat(got)));
    s.on('error', () => resolve(Buffer.concat(got)));
  });
  assert.is(zero.length, 0);
  assert.is((await fetch(`${corax.url}/ping`)).status, 200);
});

Crypt('rspamd_proxy with corax as an encrypted upstream (key = the server\'s pubkey): rspamc through the proxy gets corax\'s result', async () => {
  proxy = await startRspamdProxy(join(dir, 'proxy'), corax.port, { message: message('header me'), expect: /Symbol: WANTS_HEADER/ }, keypair.pubkey);
  assert.match(proxy.firstAnswer, /Action: add header/);
  assert.match(proxy.firstAnswer, /Symbol: WANTS_HEADER \(7\.00\)\[header me\]/);
});

Crypt.run();
