// HTTPS and TLS over TCP against local servers with a generated certificate; request bodies and headers as the server sees them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import https from 'node:https';
import http from 'node:http';
import tls from 'node:tls';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createLiveInterpreter, createScanner, defineSymbol, http as httpFx, tcp, type HttpRequestOptions, type HttpResponse, type LiveInterpreter } from '../../index.ts';
import { outcome, perform } from '../support/live.ts';
import { silent } from '../support/logger.ts';
import { selfSignedCert } from '../support/tls-cert.ts';
import { listenLocal } from '../support/net.ts';

let io: LiveInterpreter;
let web: https.Server;
let plain: http.Server;
let line: tls.Server;
let httpsUrl = '';
let plainUrl = '';
let linePort = 0;

/** Echoes what arrived: method, headers as a list of pairs, and the body (gunzipped when so marked). */
function echo(req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
    if (req.url === '/gzipped') {
      res.setHeader('content-encoding', 'gzip');
      return res.end(gzipSync('compressed reply'));
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ rawHeaders: req.rawHeaders, body, bytes: raw.length }));
  });
}


const get = (opts: HttpRequestOptions) => outcome<HttpResponse>(io, () => httpFx.request(opts));

async function start(): Promise<void> {
  const { key, cert } = selfSignedCert();
  web = https.createServer({ key, cert }, echo);
  plain = http.createServer(echo);
  line = tls.createServer({ key, cert }, (socket) => {
    socket.on('error', () => {});
    socket.on('data', (d) => socket.write(`TLS ${d.toString().trim()}\r\n`));
  });
  httpsUrl = `https://127.0.0.1:${await listenLocal(web)}`;
  plainUrl = `http://127.0.0.1:${await listenLocal(plain)}`;
  linePort = await listenLocal(line);
  io = createLiveInterpreter({ symbols: [] });
}
let started: Promise<void> | null = null;
const ready = (): Promise<void> => (started ??= start());

const Tls = suite('TLS: HTTPS and TCP with a generated certificate');
Tls.before(ready);

Tls('HTTPS to a self-signed server fails verification, and works with noSslVerify', async () => {
  const [err, res] = await get({ url: `${httpsUrl}/x`, timeout: 2000 });
  assert.is(err, 'ETLS');
  assert.is(res, 'certificate validation failed: self-signed certificate');
  const [okErr, okRes] = await get({ url: `${httpsUrl}/x`, noSslVerify: true, timeout: 2000 });
  assert.is(okErr, null);
  assert.is((okRes as HttpResponse).code, 200);
});

Tls('TCP with ssl fails verification against a self-signed server, and talks with noSslVerify', async () => {
  const refused = await perform(io, function* () {
    return yield* tcp.connect({ host: '127.0.0.1', port: linePort, ssl: true, timeout: 2000 });
  });
  assert.is(refused[0]?.code, 'ETLS');
  assert.is(refused[0]?.message, 'ssl error: certificate validation failed: self-signed certificate');
  const reply = await perform(io, function* () {
    const [err, conn] = yield* tcp.connect({ host: '127.0.0.1', port: linePort, ssl: true, noSslVerify: true, timeout: 2000 });
    if (err) return err.message;
    yield* conn.write('hello\r\n');
    const [rerr, data] = yield* conn.readUntil('\r\n');
    yield* conn.close();
    return rerr?.message ?? data;
  });
  assert.is(reply, 'TLS hello');
});

const Bodies = suite('HTTP: what the server receives');
Bodies.before(ready);

Bodies('gzip sends the body compressed with Content-Encoding: gzip', async () => {
  const [, res] = await get({ url: `${plainUrl}/echo`, body: 'x'.repeat(10_000), gzip: true });
  const seen = JSON.parse((res as HttpResponse).content);
  assert.is(seen.body, 'x'.repeat(10_000));
  assert.ok(seen.bytes < 200, `sent ${seen.bytes} bytes`);
  assert.ok(pairs(seen.rawHeaders).some(([k, v]) => k.toLowerCase() === 'content-encoding' && v === 'gzip'));
});

Bodies('a compressed response is decompressed', async () => {
  const [, res] = await get({ url: `${plainUrl}/gzipped` });
  assert.is((res as HttpResponse).content, 'compressed reply');
});

Bodies('mimeType sets Content-Type, and an explicit header wins', async () => {
  const [, a] = await get({ url: `${plainUrl}/echo`, body: '{}', mimeType: 'application/json' });
  assert.equal(header(a as HttpResponse, 'content-type'), ['application/json']);
  const [, b] = await get({ url: `${plainUrl}/echo`, body: '{}', mimeType: 'application/json', headers: { 'Content-Type': 'text/plain' } });
  assert.equal(header(b as HttpResponse, 'content-type'), ['text/plain']);
});

Bodies('an array header value is sent once per element, in order', async () => {
  const [, res] = await get({ url: `${plainUrl}/echo`, headers: { 'X-Tag': ['one', 'two'] } });
  assert.equal(header(res as HttpResponse, 'x-tag'), ['one', 'two']);
});

const Refusals = suite('HTTP callback form: requests that cannot be made');
Refusals.before(ready);
Refusals.after(async () => {
  await io.close();
  for (const s of [web, plain, line]) await new Promise((r) => s.close(r));
});

Refusals('returns false and never calls back for a malformed URL or a forbidden numeric local address', async () => {
  const returned: unknown[] = [];
  let called = 0;
  const S = defineSymbol({
    name: 'S',
    callback(task) {
      returned.push(httpFx.request({ task, url: 'not a url', callback: () => called++ }));
      returned.push(httpFx.request({ task, url: 'http://127.0.0.1:1/', forbidLocal: true, callback: () => called++ }));
      returned.push(httpFx.request({ task, url: 'http://[::ffff:10.0.0.1]/', forbidLocal: true, callback: () => called++ }));
      returned.push(httpFx.request({ task, url: `${plainUrl}/echo`, callback: () => called++ }));
    },
  });
  await createScanner({ symbols: [S] }, { io, logger: silent }).scan('');
  assert.equal(returned, [false, false, false, true]);
  assert.is(called, 1);
});

function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

function header(res: HttpResponse, name: string): string[] {
  return pairs(JSON.parse(res.content).rawHeaders)
    .filter(([k]) => k.toLowerCase() === name)
    .map(([, v]) => v);
}

Tls.run();
Bodies.run();
Refusals.run();
