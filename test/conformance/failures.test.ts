/**
 * One conformance suite, failures first, on four targets: the test
 * interpreter, the test interpreter seeded, live I/O against loopback peers
 * and the real Redis (recorded), and the replay of that recording with the
 * peers gone. Every target must give the rule the same errors, with the same
 * class, code and message; the virtual targets the same timing, and the
 * replay the timing of the live run it replays.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import type { Redis } from 'ioredis';
import {
  createLiveInterpreter,
  createScanner,
  createTestInterpreter,
  record,
  replay,
  type ConfigInput,
  type Interpreter,
  type RecordingEntry,
  type ScanResult,
} from '../../index.ts';
import { peerHandlers, scenarios, type Peers, type Scenario } from '../support/failure-scenarios.ts';
import { startHttpServer, type HttpTestServer } from '../support/http-server.ts';
import { startTcpServer, type TcpTestServer } from '../support/tcp-server.ts';
import { startDnsServer, type DnsTestServer } from '../support/dns-server.ts';
import { cleanup, redisServer, requireRedis, testPrefix } from '../support/redis.ts';
import { freePort } from '../support/net.ts';
import { silent } from '../support/logger.ts';

interface Outcome {
  out: string[];
  elapsed: string | undefined;
  timedOut: boolean;
}

const message = 'From: a@example.test\r\nSubject: conformance\r\n\r\nbody\r\n';

async function scan(io: Interpreter, scenario: Scenario, config: Omit<ConfigInput, 'symbols'>): Promise<Outcome> {
  const result: ScanResult = await createScanner({ ...config, ...scenario.config, symbols: [scenario.symbol] }, { io, logger: silent }).scan(message, {
    queueId: scenario.name,
  });
  return { out: result.symbols.OUT?.options ?? [], elapsed: result.symbols.ELAPSED?.options?.[0], timedOut: result.timedOut === true };
}

const Failures = suite('conformance: failures on the test interpreter, seeded, live and replayed');

let http: HttpTestServer;
let tcp: TcpTestServer;
let names: DnsTestServer;
let silentRedis: net.Server;
let redis: Redis;
let peers: Peers;
const heldSockets = new Set<net.Socket>();

Failures.before(async () => {
  redis = await requireRedis();
  [http, tcp, names] = await Promise.all([startHttpServer(), startTcpServer(), startDnsServer()]);
  silentRedis = net.createServer((socket) => {
    heldSockets.add(socket);
    socket.on('close', () => heldSockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => silentRedis.listen(0, '127.0.0.1', r));
  const prefix = testPrefix('conformance');
  await redis.lpush(`${prefix}list`, 'x');
  peers = {
    http: http.url,
    httpPort: http.port,
    tcpHost: tcp.host,
    tcpPort: tcp.port,
    closedPort: await freePort(),
    dns: names.address,
    redis: redisServer(),
    silentRedis: `127.0.0.1:${(silentRedis.address() as net.AddressInfo).port}`,
    prefix,
  };
});

Failures.after(async () => {
  for (const s of heldSockets) s.destroy();
  await new Promise<void>((r) => silentRedis.close(() => r()));
  await Promise.all([http.close(), tcp.close(), names.close()]);
  await cleanup(redis, peers.prefix);
  redis.disconnect();
});

Failures('every scenario gives the same rule-visible result on all four targets', async () => {
  const base: Omit<ConfigInput, 'symbols'> = { taskTimeout: 20_000, dns: { servers: [peers.dns], timeout: 1000, retransmits: 2 } };
  const checked: string[] = [];
  for (const scenario of scenarios(peers)) {
    const config = { ...base, ...scenario.config, dns: { ...base.dns, ...scenario.config?.dns } };
    const handlers = () => peerHandlers(peers);
    const test = await scan(createTestInterpreter({ handlers: handlers() }), scenario, config);
    const seeded = await Promise.all([1, 2, 3].map((seed) => scan(createTestInterpreter({ handlers: handlers(), seed }), scenario, config)));
    let entries: RecordingEntry[] = [];
    const recorder = record(createLiveInterpreter({ ...config, symbols: [] }), { sink: (e) => (entries = e) });
    const live = await scan(recorder, scenario, config);
    await recorder.close();
    const replayed = await scan(replay({ entries }), scenario, config);

    const where = (target: string): string => `${scenario.name} (${target})`;
    for (const [target, outcome] of [['test', test], ['seeded', seeded[0]], ['seeded 2', seeded[1]], ['seeded 3', seeded[2]], ['live', live], ['replay', replayed]] as const) {
      assert.equal(outcome.out, scenario.expected, where(target));
      assert.is(outcome.timedOut, scenario.timedOut ?? false, `${where(target)}: task timeout`);
    }
    for (const s of seeded) assert.is(s.elapsed, test.elapsed, `${where('seeded')}: the same virtual timing`);
    assert.is(replayed.elapsed, live.elapsed, `${where('replay')}: the recorded timing`);
    checked.push(scenario.name);
  }
  assert.is(checked.length, scenarios(peers).length);
});

Failures('timeouts fire at the effect’s own time or its config default, on the virtual clock', async () => {
  const expectedElapsed: Record<string, string> = {
    HTTP_TIMEOUT_OWN: '200',
    HTTP_TIMEOUT_DEFAULT: '250',
    DNS_TIMEOUT_OWN: '150',
    DNS_TIMEOUT_DEFAULT: '200', // 100 ms per attempt × 2 attempts
    TCP_TIMEOUT_OWN: '200',
    TCP_TIMEOUT_DEFAULT: '250',
    REDIS_TIMEOUT: '200',
    NESTED_HALTED: '100',
    HTTP_OK: '0',
  };
  const base: Omit<ConfigInput, 'symbols'> = { taskTimeout: 20_000 };
  for (const scenario of scenarios(peers).filter((s) => s.name in expectedElapsed)) {
    const outcome = await scan(createTestInterpreter({ handlers: peerHandlers(peers) }), scenario, base);
    assert.is(outcome.elapsed, expectedElapsed[scenario.name], scenario.name);
  }
});

Failures.run();
