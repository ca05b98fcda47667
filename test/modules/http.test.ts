import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLiveInterpreter, http, type HttpRequestOptions, type HttpResponse, type LiveInterpreter } from '../../index.ts';
import { startHttpServer, type HttpTestServer } from '../support/http-server.ts';
import { startDnsServer, testZone, type DnsTestServer } from '../support/dns-server.ts';
import { outcome } from '../support/live.ts';
import { GUIDE } from '../support/guide.ts';
import { freePort } from '../support/net.ts';

let web: HttpTestServer;
let names: DnsTestServer;
let io: LiveInterpreter;

const get = (opts: HttpRequestOptions) => outcome<HttpResponse>(io, () => http.request(opts));
const ok = async (opts: HttpRequestOptions): Promise<HttpResponse> => {
  const [err, res] = await get(opts);
  assert.is(err, null, `request failed: ${res}`);
  return res as HttpResponse;
};


const Basics = suite('http module: requests and responses');
Basics.before(async () => {
  web = await startHttpServer();
  names = await startDnsServer({ ...testZone, 'web.test': { records: { A: ['127.0.0.1'] } } });
  io = createLiveInterpreter({ symbols: [], dns: { servers: [names.address], timeout: 200 } });
});
Basics.after(async () => {
  await io.close();
  await web.close();
  await names.close();
});

Basics('GET returns code, content, lower-case headers and the raw bytes', async () => {
  const res = await ok({ url: `${web.url}/abc` });
  assert.is(res.code, 200);
  assert.is(res.content, GUIDE.httpBody);
  assert.is(res.headers['content-type'], 'text/plain');
  assert.equal(Buffer.from(res.body).toString(), GUIDE.httpBody);
});

Basics('method, headers and a string or byte body reach the server', async () => {
  const a = JSON.parse((await ok({ url: `${web.url}/echo`, method: 'put', headers: { 'X-Rule': 'yes' }, body: 'payload' })).content);
  assert.equal([a.method, a.headers['x-rule'], a.body], ['PUT', 'yes', 'payload']);
  const b = JSON.parse((await ok({ url: `${web.url}/echo`, body: new TextEncoder().encode('bytes') })).content);
  assert.equal([b.method, b.body], ['POST', 'bytes']);
});

Basics('status codes are results, not errors', async () => {
  assert.is((await ok({ url: `${web.url}/status?code=403` })).code, 403);
  const res = await ok({ url: `${web.url}/status?code=500` });
  assert.equal([res.code, res.content], [500, 'status 500']);
});

Basics('repeated headers are joined; binary bodies stay bytes', async () => {
  assert.is((await ok({ url: `${web.url}/echo` })).headers['set-cookie'], 'a=1, b=2');
  const bin = await ok({ url: `${web.url}/binary` });
  assert.equal([...bin.body.slice(0, 4), bin.body.length], [0, 1, 2, 3, 256]);
});

Basics('Basic auth from user/password and from URL credentials', async () => {
  const a = JSON.parse((await ok({ url: `${web.url}/echo`, user: 'alice', password: 's3cret' })).content);
  assert.is(a.headers.authorization, `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
  const b = JSON.parse((await ok({ url: web.url.replace('http://', 'http://bob:pw@') + '/echo' })).content);
  assert.is(b.headers.authorization, `Basic ${Buffer.from('bob:pw').toString('base64')}`);
});

Basics('host names are resolved through our DNS module', async () => {
  const res = await ok({ url: `http://web.test:${web.port}/abc` });
  assert.is(res.content, GUIDE.httpBody);
  assert.ok((names.queries.get('A web.test') ?? 0) >= 1);
});

Basics('connections are kept alive and pooled; keepalive: false closes them', async () => {
  const before = web.connections;
  for (let i = 0; i < 10; i++) await ok({ url: `${web.url}/abc` });
  assert.ok(web.connections - before <= 2, `${web.connections - before} new connections for 10 requests`);
  const echo = JSON.parse((await ok({ url: `${web.url}/echo`, keepalive: false })).content);
  assert.is(echo.headers.connection, 'close');
  for (let i = 0; i < 3; i++) await ok({ url: `${web.url}/abc`, keepalive: false }); // closes what the pool held
  const mid = web.connections;
  for (let i = 0; i < 3; i++) await ok({ url: `${web.url}/abc`, keepalive: false });
  assert.is(web.connections - mid, 3, 'one connection per request');
});

const Failures = suite('http module: failures');
Failures.before(async () => {
  web = await startHttpServer();
  names = await startDnsServer();
  io = createLiveInterpreter({ symbols: [], dns: { servers: [names.address], timeout: 200 } });
});
Failures.after(async () => {
  await io.close();
  await web.close();
  await names.close();
});

Failures('a slow or stalled server gives ETIMEDOUT, IO timeout', async () => {
  assert.equal(await get({ url: `${web.url}/slow?ms=2000`, timeout: 100 }), ['ETIMEDOUT', 'IO timeout']);
  assert.equal(await get({ url: `${web.url}/stall`, timeout: 100 }), ['ETIMEDOUT', 'IO timeout']);
});

Failures("bodies past maxSize give ETOOBIG with Rspamd's wording, with or without a length, endless ones too", async () => {
  assert.equal(await get({ url: `${web.url}/huge?bytes=100000`, maxSize: 1000 }), ['ETOOBIG', 'Request entity too large: 100000']);
  // without a Content-Length Rspamd prints the declared length, 0
  assert.equal(await get({ url: `${web.url}/chunked?bytes=100000`, maxSize: 1000 }), ['ETOOBIG', 'Request entity too large: 0']);
  assert.equal(await get({ url: `${web.url}/endless`, maxSize: 1_000_000, timeout: 5000 }), ['ETOOBIG', 'Request entity too large: 0']);
  assert.is((await ok({ url: `${web.url}/chunked?bytes=5000`, maxSize: 5000 })).body.length, 5000);
});

Failures('a reset mid-body and invalid HTTP are errors with the reason', async () => {
  const [code, message] = await get({ url: `${web.url}/reset` });
  assert.ok(
    (code === 'ECONNRESET' && message === 'IO read error: Connection reset by peer') || (code === 'EEOF' && message === 'IO read error: unexpected EOF'),
    `${code}: ${message}`,
  );
  const [pcode, pmessage] = await get({ url: `${web.url}/invalid` });
  assert.is(pcode, 'EPROTO');
  assert.match(String(pmessage), /^HTTP parser error: /);
  assert.is((await ok({ url: `${web.url}/abc` })).code, 200, 'and the next request works');
});

Failures('a closed port gives ECONNREFUSED, IO write error: Connection refused', async () => {
  assert.equal(await get({ url: `http://127.0.0.1:${await freePort()}/` }), ['ECONNREFUSED', 'IO write error: Connection refused']);
});

Failures('bad URLs are argument errors', async () => {
  assert.equal(await get({ url: 'not a url' }), ['EINVAL', 'http.request: invalid URL "not a url"']);
  assert.equal(await get({ url: 'ftp://x/' }), ['EINVAL', 'http.request: unsupported scheme ftp: (http and https only)']);
});

const Guard = suite('http module: forbidLocal');
Guard.before(async () => {
  web = await startHttpServer();
  names = await startDnsServer();
  io = createLiveInterpreter({ symbols: [], dns: { servers: [names.address], timeout: 200 } });
});
Guard.after(async () => {
  await io.close();
  await web.close();
  await names.close();
});

Guard('refuses loopback, private and mapped targets, by address or by name', async () => {
  const forbidden = ['EFORBIDDEN', 'access to local address is forbidden'];
  for (const url of [
    `${web.url}/abc`,
    `http://[::1]:${web.port}/abc`,
    `http://[::ffff:127.0.0.1]:${web.port}/abc`,
    `http://0.0.0.0:${web.port}/abc`,
    `http://local.test:${web.port}/abc`,
    `http://private.test:${web.port}/abc`,
    `http://mapped.test:${web.port}/abc`,
    `http://ula.test:${web.port}/abc`,
    `http://nat64.test:${web.port}/abc`,
    `http://[fd00::1]:${web.port}/abc`,
    `http://[fe80::1]:${web.port}/abc`,
    `http://169.254.169.254:${web.port}/latest/meta-data`,
    `http://10.0.0.1:${web.port}/abc`,
    `http://0x7f000001:${web.port}/abc`,
  ]) {
    assert.equal(await get({ url, forbidLocal: true }), forbidden, url);
  }
  assert.is(web.requests, 0, 'nothing reached the server');
  assert.is((await ok({ url: `${web.url}/abc` })).code, 200, 'without the guard, loopback is allowed');
});

Basics.run();
Failures.run();
Guard.run();
