import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { all, createLiveInterpreter, createScanner, defineSymbol, dns, http, tcp, time, type TaskReport } from '../../index.ts';
import { startHttpServer, type HttpTestServer } from '../support/http-server.ts';
import { startTcpServer, type TcpTestServer } from '../support/tcp-server.ts';
import { startDnsServer, type DnsTestServer } from '../support/dns-server.ts';
import { silent } from '../support/logger.ts';

let web: HttpTestServer;
let line: TcpTestServer;
let names: DnsTestServer;

function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Whether every kind of handle is down to its count in `target`. */
function within(target: Record<string, number>): boolean {
  const now = handles();
  return Object.keys(now).every((kind) => now[kind] <= (target[kind] ?? 0));
}

/**
 * Lets closes finish: the test's own servers live in this process, so their
 * ends of destroyed connections close a few event-loop turns later. Returns
 * as soon as every kind of handle is down to `target`'s count, or after 3 s.
 */
async function settle(target?: Record<string, number>): Promise<void> {
  const deadline = Date.now() + 3000;
  do await new Promise((r) => setTimeout(r, 10));
  while (target && !within(target) && Date.now() < deadline);
}

const Cancel = suite('cancellation: timed-out tasks leave nothing behind');
Cancel.before(async () => {
  [web, line, names] = await Promise.all([startHttpServer(), startTcpServer(), startDnsServer()]);
});
Cancel.after(async () => {
  await Promise.all([web.close(), line.close(), names.close()]);
});

Cancel('thousands of tasks timing out mid-I/O: every effect torn down, handles back to where they were', async () => {
  const STUCK = defineSymbol({
    name: 'STUCK',
    mime: false,
    *callback() {
      const [, conn] = yield* tcp.connect({ host: line.host, port: line.port, readTimeout: 60_000 });
      yield* conn!.write('SILENT\r\n');
      yield* all([
        http.request({ url: `${web.url}/stall`, timeout: 60_000 }),
        dns.request({ type: 'a', name: 'silent.test', timeout: 60_000 }),
        conn!.readOnce(),
        time.sleep(60_000),
      ]);
    },
  });
  const io = createLiveInterpreter({ symbols: [], dns: { servers: [names.address], timeout: 60_000, retransmits: 1 } });
  const reports: TaskReport[] = [];
  const scanner = createScanner({ symbols: [STUCK], taskTimeout: 50 }, { io, logger: silent, onTaskEnd: (r) => reports.push(r) });
  await scanner.scan('');
  await settle();
  const before = handles();

  const tasks = 2000;
  const concurrency = 50; // bursts much larger overflow the servers' accept queues and leave SYNs to the kernel's retry timer
  for (let done = 0; done < tasks; done += concurrency) {
    const results = await Promise.all(Array.from({ length: concurrency }, () => scanner.scan('')));
    assert.ok(results.every((r) => r.timedOut === true));
  }
  await settle(before);
  const after = handles();

  assert.is(reports.length, tasks + 1);
  assert.ok(reports.every((r) => r.pendingEffects === 0), 'every pending effect was settled or torn down');
  assert.is(io.resources.tcpSockets, 0, 'no rule socket survived its task');
  for (const kind of new Set([...Object.keys(before), ...Object.keys(after)])) {
    assert.ok((after[kind] ?? 0) <= (before[kind] ?? 0), `${kind}: ${before[kind] ?? 0} before, ${after[kind] ?? 0} after`);
  }
  await io.close();
});

Cancel.run();
