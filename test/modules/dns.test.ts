import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { all, createLiveInterpreter, createScanner, defineSymbol, dns, record, replay, type DnsType, type LiveInterpreter, type RecordingEntry } from '../../index.ts';
import { silent } from '../support/logger.ts';
import { systemNameservers, parseNameServer } from '../../modules/dns/resolv-conf.ts';
import { QUERIES_PER_SOCKET } from '../../modules/dns/udp.ts';
import { startDnsServer, type DnsTestServer } from '../support/dns-server.ts';
import { outcome, perform } from '../support/live.ts';

let server: DnsTestServer;
let io: LiveInterpreter;
const dnsConfig = () => ({ dns: { servers: [server.address], timeout: 150, retransmits: 3 } });

const Types = suite('dns module: record types');
Types.before(async () => {
  server = await startDnsServer();
  io = createLiveInterpreter({ symbols: [], ...dnsConfig() });
});
Types.after(async () => {
  await io.close();
  await server.close();
});

const lookup = (type: DnsType, name: string) => outcome(io, () => dns.request({ type, name }));

Types('a, aaaa, txt (strings of one record joined), mx, ptr, ns, soa, cname, srv', async () => {
  assert.equal(await lookup('a', 'a.test'), [null, ['192.0.2.1', '192.0.2.2']]);
  assert.equal(await lookup('aaaa', 'aaaa.test'), [null, ['2001:db8::1']]);
  assert.equal(await lookup('txt', 'txt.test'), [null, ['v=spf1 include:x.test -all', 'second']]);
  assert.equal(await lookup('mx', 'mx.test'), [null, [{ name: 'mx1.test', priority: 10 }, { name: 'mx2.test', priority: 20 }]]);
  assert.equal(await lookup('ptr', '192.0.2.1'), [null, ['host.test']], 'an IP becomes its reverse name');
  assert.equal(await lookup('ns', 'ns.test'), [null, ['ns1.test', 'ns2.test']]);
  assert.equal(await lookup('soa', 'soa.test'), [null, [{ ns: 'ns1.test', contact: 'hostmaster.test', serial: 2026112501, refresh: 3600, retry: 600, expiry: 86400, nx: 300 }]]);
  assert.equal(await lookup('cname', 'cname.test'), [null, ['a.test']]);
  assert.equal(await lookup('srv', '_sip._tcp.test'), [null, [{ target: 'sip.test', port: 5060, priority: 10, weight: 5 }]]);
});

Types('NXDOMAIN, NODATA, SERVFAIL and other rcodes map to their codes and messages', async () => {
  assert.equal(await lookup('a', 'missing.test'), ['NXDOMAIN', 'no records with this name']);
  assert.equal(await lookup('aaaa', 'nodata.test'), ['NODATA', 'requested record is not found']);
  assert.equal(await lookup('a', 'servfail.test'), ['SERVFAIL', 'server fail']);
  assert.equal(await lookup('a', 'refused.test'), ['REFUSED', 'query refused']);
});

const Wire = suite('dns module: the wire');
Wire.before(async () => {
  server = await startDnsServer();
  io = createLiveInterpreter({ symbols: [], ...dnsConfig() });
});
Wire.after(async () => {
  await io.close();
  await server.close();
});

Wire('a truncated UDP answer is retried over TCP', async () => {
  const [err, records] = await lookup('a', 'big.test');
  assert.is(err, null);
  assert.is((records as string[]).length, 40);
  assert.is(server.queries.get('TCP A big.test'), 1);
});

Wire('a malformed answer is an error for that query, and the resolver goes on', async () => {
  const [code, message] = await lookup('a', 'malformed.test');
  assert.is(code, 'EMALFORMED');
  assert.match(String(message), /^malformed DNS answer: /);
  assert.equal(await lookup('a', 'a.test'), [null, ['192.0.2.1', '192.0.2.2']]);
  const [cutCode] = await lookup('a', 'cut.test');
  assert.is(cutCode, 'EMALFORMED', 'a datagram cut short without the TC bit');
});

Wire('answers with the wrong id, the wrong question, or from another port are ignored', async () => {
  assert.equal(await lookup('a', 'wrongid.test'), ['DNS_TIMEOUT', 'query timed out']);
  assert.equal(await lookup('a', 'wrongq.test'), ['DNS_TIMEOUT', 'query timed out']);
  assert.equal(await lookup('a', 'wrongid-then-right.test'), [null, ['192.0.2.77']]);
  assert.equal(await lookup('a', 'spoof.test'), [null, ['192.0.2.66']]);
});

Wire('silence: retransmits from config, then DNS_TIMEOUT', async () => {
  assert.equal(await lookup('a', 'silent.test'), ['DNS_TIMEOUT', 'query timed out']);
  assert.is(server.queries.get('A silent.test'), 3, 'retransmits: 3 is three attempts, as in Rspamd');
});

Wire('the effect timeout bounds the whole query', async () => {
  const started = Date.now();
  assert.equal(await outcome(io, () => dns.request({ type: 'a', name: 'silent.test', timeout: 40 })), ['DNS_TIMEOUT', 'query timed out']);
  assert.ok(Date.now() - started < 140, 'gave up before the first retransmit');
});

Wire('queries share the server\'s sockets, each with a random id, and the source ports keep changing', async () => {
  const before = server.sourcePorts.length;
  const config = { dns: { servers: [server.address], sockets: 4 } };
  const pooled = createLiveInterpreter({ symbols: [], ...config });
  const queries = 2 * QUERIES_PER_SOCKET * 4 + 8;
  for (let i = 0; i < queries; i++) await perform(pooled, () => dns.request({ type: 'a', name: `p${i}.test` }), config);
  await pooled.close();
  const ports = server.sourcePorts.slice(before);
  const ids = server.ids.slice(before);
  assert.is(ports.length, queries);
  // four sockets in turn: any eight queries in a row come from at most four ports
  for (let i = 0; i + 8 <= queries; i += 8) assert.ok(new Set(ports.slice(i, i + 8)).size <= 4, `ports ${ports.slice(i, i + 8)}`);
  // each socket is replaced after its queries: over the run, more than 4 × 2 ports
  assert.ok(new Set(ports).size > 8, `only ${new Set(ports).size} ports`);
  assert.ok(new Set(ids).size > queries * 0.9, `ids repeat: ${new Set(ids).size} of ${queries}`);
});

Wire('identical questions in flight share one query', async () => {
  const results = await perform(io, function* () {
    return yield* all(Array.from({ length: 10 }, () => dns.request({ type: 'a', name: 'slow.test' })));
  });
  assert.ok(results.every(([err, r]) => !err && r![0] === '192.0.2.55'));
  assert.is(server.queries.get('A slow.test'), 1);
});

Wire('the per-task cap stops the rule past dns.maxRequests', async () => {
  const config = { dns: { servers: [server.address], maxRequests: 3 } };
  const capped = createLiveInterpreter({ symbols: [], ...config });
  const codes = await perform(
    capped,
    function* () {
      const out: (string | null)[] = [];
      for (let i = 0; i < 4; i++) {
        const [err] = yield* dns.request({ type: 'a', name: 'a.test' });
        out.push(err ? err.code : null);
      }
      return out;
    },
    config,
  );
  await capped.close();
  assert.equal(codes, [null, null, null, 'ELIMIT']);
});

Wire("forced queries are not counted (Rspamd's forced); past the cap the callback form returns false and never calls back", async () => {
  const config = { dns: { servers: [server.address], maxRequests: 2 } };
  const capped = createLiveInterpreter({ symbols: [], ...config });
  const seen: string[] = [];
  const S = defineSymbol({
    name: 'S',
    callback(task) {
      const scheduled = [1, 2, 3].map((i) => dns.request({ task, type: 'a', name: 'a.test', callback: (err) => seen.push(`cb${i} ${err?.code ?? 'ok'}`) }));
      const forced = dns.request({ task, type: 'a', name: 'a.test', forced: true, callback: (err) => seen.push(`forced ${err?.code ?? 'ok'}`) });
      seen.push(`scheduled ${[...scheduled, forced].join(',')}`);
    },
  });
  await createScanner({ ...config, symbols: [S] }, { io: capped, logger: silent }).scan('');
  await capped.close();
  assert.equal(seen.sort(), ['cb1 ok', 'cb2 ok', 'forced ok', 'scheduled true,true,false,true']);
});

Wire('the AD flag reaches the rule as records.authenticated, and survives a recording', async () => {
  let entries: RecordingEntry[] = [];
  const recorder = record(io, { sink: (e) => (entries = e) });
  const flags = await perform(recorder, function* () {
    const [, ad] = yield* dns.request({ type: 'a', name: 'ad.test' });
    const [, plain] = yield* dns.request({ type: 'a', name: 'a.test' });
    return [ad!.authenticated === true, plain!.authenticated === true, [...ad!]];
  });
  assert.equal(flags, [true, false, ['192.0.2.99']]);
  recorder.flush();
  const replayed = await perform(replay({ entries }), function* () {
    const [, ad] = yield* dns.request({ type: 'a', name: 'ad.test' });
    return ad!.authenticated === true;
  });
  assert.is(replayed, true);
});

const Cache = suite('dns module: TTL cache');
Cache.before(async () => {
  server = await startDnsServer();
});
Cache.after(async () => {
  await server.close();
});

Cache('answers are cached for their TTL when the cache is on, and only then', async () => {
  const cached = createLiveInterpreter({ symbols: [], dns: { servers: [server.address], cache: true } });
  const plain = createLiveInterpreter({ symbols: [], dns: { servers: [server.address] } });
  for (let i = 0; i < 3; i++) await outcome(cached, () => dns.request({ type: 'mx', name: 'mx.test' }));
  assert.is(server.queries.get('MX mx.test'), 1);
  for (let i = 0; i < 3; i++) await outcome(plain, () => dns.request({ type: 'a', name: 'aaaa.test' }));
  assert.is(server.queries.get('A aaaa.test'), 3);
  await cached.close();
  await plain.close();
});

const Conf = suite('dns module: servers');

Conf('reads nameservers from resolv.conf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corax-'));
  const path = join(dir, 'resolv.conf');
  writeFileSync(path, '# comment\nsearch example.com\nnameserver 10.0.0.1\nnameserver fe80::1%eth0\noptions ndots:1\n');
  assert.equal(systemNameservers(path), ['10.0.0.1', 'fe80::1']);
  assert.equal(systemNameservers(join(dir, 'missing')), ['127.0.0.1']);
});

Conf('parses ip, ip:port and [v6]:port', () => {
  assert.equal(parseNameServer('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353, family: 4 });
  assert.equal(parseNameServer('8.8.8.8'), { host: '8.8.8.8', port: 53, family: 4 });
  assert.equal(parseNameServer('[::1]:5353'), { host: '::1', port: 5353, family: 6 });
  assert.equal(parseNameServer('2001:db8::53'), { host: '2001:db8::53', port: 53, family: 6 });
});

Types.run();
Wire.run();
Cache.run();
Conf.run();
