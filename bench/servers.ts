/**
 * The local peers benchmarks talk to, in a process of their own so their
 * cost is not billed to the client under test: HTTP, DNS (UDP+TCP) and a TCP
 * line service on loopback. Prints one JSON line with the addresses, then
 * serves until its stdin closes.
 */
import { startHttpServer } from '../test/support/http-server.ts';
import { startTcpServer } from '../test/support/tcp-server.ts';
import { startDnsServer, testZone } from '../test/support/dns-server.ts';

const zone = { ...testZone, 'bench.test': { records: { A: ['192.0.2.80'] } }, '*.bench.test': { records: { A: ['192.0.2.81'] } } };
const [http, tcp, dns] = await Promise.all([startHttpServer(), startTcpServer(), startDnsServer(zone)]);
console.log(JSON.stringify({ http: http.url, tcp: { host: tcp.host, port: tcp.port }, dns: dns.address }));
process.stdin.resume();
process.stdin.on('end', async () => {
  await Promise.all([http.close(), tcp.close(), dns.close()]);
  process.exit(0);
});
