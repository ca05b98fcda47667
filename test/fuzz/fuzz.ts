/**
 * Fuzzing of every parser that takes outside bytes: the DNS answer path
 * (acceptAnswer → interpret) and the scan server's request handling. Random
 * and mutated inputs from a seed; nothing may throw anything but our own
 * errors, crash the process, or leave a handle behind.
 *
 *   npm run fuzz -- --dns 200000 --http 5000      a longer run
 */
import net from 'node:net';
import dnsPacket, { type Answer } from 'dns-packet';
import { pino } from 'pino';
import { createRandom, type Random } from '../../runtime/interpreters/random.ts';
import { acceptAnswer } from '../../modules/dns/wire.ts';
import { interpret, MalformedAnswerError } from '../../modules/dns/records.ts';
import { dnsTypes } from '../../effects/dns.ts';
import { CoraxError } from '../../effects/errors.ts';
import { createTestInterpreter, defineConfig, defineSymbol, dns } from '../../index.ts';
import { startScanServer } from '../../runtime/server/http-server.ts';

function bytes(random: Random, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256);
  return b;
}

/** Valid answers of every type, to mutate. */
function seeds(): { msg: Buffer; name: string; type: string }[] {
  const name = 'fuzz.test';
  const answers: Record<string, unknown[]> = {
    A: ['192.0.2.1', '192.0.2.2'],
    AAAA: ['2001:db8::1'],
    TXT: [['v=spf1 ', '-all']],
    MX: [{ preference: 10, exchange: 'mx.fuzz.test' }],
    PTR: ['host.fuzz.test'],
    NS: ['ns.fuzz.test'],
    SOA: [{ mname: 'ns', rname: 'h', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 }],
    CNAME: ['other.fuzz.test'],
    SRV: [{ priority: 1, weight: 2, port: 3, target: 't.fuzz.test' }],
  };
  return Object.entries(answers).map(([type, data]) => ({
    msg: dnsPacket.encode({
      type: 'response',
      id: 4660,
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      questions: [{ type: type as 'A', name }],
      answers: data.map((d) => ({ type, name, ttl: 30, data: d }) as Answer),
    }),
    name,
    type,
  }));
}

function mutate(random: Random, input: Buffer): Buffer {
  const b = Buffer.from(input);
  const ops = 1 + Math.floor(random() * 4);
  let out = b;
  for (let k = 0; k < ops; k++) {
    const at = Math.floor(random() * Math.max(1, out.length));
    switch (Math.floor(random() * 5)) {
      case 0: // flip bits
        if (out.length) out[at] ^= 1 << Math.floor(random() * 8);
        break;
      case 1: // truncate
        out = out.subarray(0, at);
        break;
      case 2: // insert junk
        out = Buffer.concat([out.subarray(0, at), bytes(random, 1 + Math.floor(random() * 8)), out.subarray(at)]);
        break;
      case 3: // overwrite a 16-bit field with an extreme
        if (at + 1 < out.length) out.writeUInt16BE(random() < 0.5 ? 0xffff : Math.floor(random() * 0x10000), at);
        break;
      case 4: // a compression pointer to anywhere
        if (at + 1 < out.length) out.writeUInt16BE(0xc000 | Math.floor(random() * 0x3fff), at);
        break;
    }
  }
  if (out.length >= 2) out.writeUInt16BE(4660, 0); // keep our id, so the decoder is reached
  return out;
}

export interface DnsFuzzStats {
  inputs: number;
  accepted: number;
  malformed: number;
  ignored: number;
  failures: string[];
}

/** Feeds random and mutated datagrams through the resolver's answer path. */
export function fuzzDns(iterations: number, seed: number | string = 1): DnsFuzzStats {
  const random = createRandom(`dns:${seed}`);
  const valid = seeds();
  const stats: DnsFuzzStats = { inputs: 0, accepted: 0, malformed: 0, ignored: 0, failures: [] };
  for (let i = 0; i < iterations; i++) {
    const base = valid[Math.floor(random() * valid.length)];
    const msg = random() < 0.15 ? Buffer.concat([Buffer.from([0x12, 0x34]), bytes(random, Math.floor(random() * 600))]) : mutate(random, base.msg);
    const rrtype = dnsTypes.find((t) => t.toUpperCase() === base.type)!;
    stats.inputs++;
    try {
      const packet = acceptAnswer(msg, 4660, base.name, base.type);
      if (packet instanceof MalformedAnswerError) stats.malformed++;
      else if (packet === null) stats.ignored++;
      else {
        const outcome = interpret(rrtype, packet);
        if (outcome.error && !(outcome.error instanceof CoraxError)) throw outcome.error;
        stats.accepted++;
      }
    } catch (error) {
      stats.failures.push(`input ${i} (seed ${seed}): ${(error as Error).stack?.split('\n').slice(0, 2).join(' ')} — ${msg.toString('hex').slice(0, 80)}`);
    }
  }
  return stats;
}

const validRequest = (body: string): string => `POST /checkv2 HTTP/1.1\r\nHost: x\r\nFrom: a@b.test\r\nRcpt: c@d.test\r\nIP: 192.0.2.1\r\nX-Fuzz: yes\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

export interface HttpFuzzStats {
  inputs: number;
  statuses: Record<string, number>;
  failures: string[];
  handlesBefore: number;
  handlesAfter: number;
}

function send(port: number, data: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let out = '';
    const timer = setTimeout(() => socket.destroy(), 2000);
    socket.on('data', (c) => (out += c.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', () => {});
    socket.end(data);
  });
}

function activeHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && r !== 'Immediate').length;
}

/** Sends random and mutated scan requests to a real server on loopback. */
export async function fuzzHttp(iterations: number, seed: number | string = 1, concurrency = 16): Promise<HttpFuzzStats> {
  const random = createRandom(`http:${seed}`);
  const RULE = defineSymbol({
    name: 'FUZZ',
    mime: true,
    *callback(task) {
      task.getUrls();
      task.getHeader('subject');
      const [err] = yield* dns.request({ type: 'a', name: task.getRequestHeader('x-fuzz') ?? 'none.test' });
      task.insertResult('FUZZ', 1, err ?? 'ok');
    },
  });
  const config = defineConfig({ symbols: [RULE], server: { maxBodySize: 64 * 1024, maxHeaders: 40 } });
  const handlesBefore = activeHandles();
  const server = await startScanServer({ config, io: createTestInterpreter({ handlers: { 'dns.request': ['192.0.2.1'] } }), logger: pino({ level: 'silent' }), bind: '127.0.0.1:0' });
  const message = 'From: a@b.test\r\nSubject: =?UTF-8?B?aGk=?=\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/html\r\n\r\n<a href="http://x.test/">x</a>\r\n--x--\r\n';
  const stats: HttpFuzzStats = { inputs: 0, statuses: {}, failures: [], handlesBefore, handlesAfter: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < iterations) {
      next++;
      const base = Buffer.from(validRequest(random() < 0.5 ? message : bytes(random, Math.floor(random() * 300)).toString('latin1')), 'latin1');
      const input = random() < 0.1 ? bytes(random, Math.floor(random() * 2000)) : mutateHttp(random, base);
      stats.inputs++;
      const reply = await send(server.port, input);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(reply)?.[1] ?? (reply === '' ? 'closed' : 'other');
      stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
      if (status.startsWith('5')) stats.failures.push(`a ${status} for input ${input.toString('latin1').slice(0, 120)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ping = await send(server.port, Buffer.from('GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
  if (!ping.endsWith('pong\r\n')) stats.failures.push(`the server stopped answering /ping: ${ping.slice(0, 80)}`);
  await server.close();
  for (let i = 0; i < 50 && activeHandles() > handlesBefore; i++) await new Promise((r) => setTimeout(r, 20));
  stats.handlesAfter = activeHandles();
  return stats;
}

function mutateHttp(random: Random, input: Buffer): Buffer {
  let out = Buffer.from(input);
  const ops = 1 + Math.floor(random() * 3);
  for (let k = 0; k < ops; k++) {
    const at = Math.floor(random() * out.length);
    switch (Math.floor(random() * 6)) {
      case 0:
        out[at] = Math.floor(random() * 256);
        break;
      case 1:
        out = out.subarray(0, at);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), Buffer.from(['\r\n', ':', ' ', '\0', 'Content-Length: 99999\r\n', 'Transfer-Encoding: chunked\r\n', '\r\n\r\n'][Math.floor(random() * 7)]), out.subarray(at)]);
        break;
      case 3:
        out = Buffer.from(out.toString('latin1').replace(/Content-Length: \d+/, `Content-Length: ${Math.floor(random() * 100000)}`), 'latin1');
        break;
      case 4:
        out = Buffer.from(out.toString('latin1').replace(/^POST \/checkv2/, ['GET /checkv2', 'POST /ping', 'PUT /x', 'POST /checkv2?%zz', 'BREW /'][Math.floor(random() * 5)]), 'latin1');
        break;
      case 5:
        out = Buffer.concat([out.subarray(0, at), bytes(random, 1 + Math.floor(random() * 50)), out.subarray(at)]);
        break;
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const seed = arg('seed', Date.now() % 100000);
  const d = fuzzDns(arg('dns', 100000), seed);
  console.log(`DNS: ${d.inputs} inputs (seed ${seed}): ${d.accepted} accepted, ${d.malformed} malformed, ${d.ignored} ignored, ${d.failures.length} failures`);
  const h = await fuzzHttp(arg('http', 3000), seed);
  console.log(`HTTP: ${h.inputs} inputs (seed ${seed}): statuses ${JSON.stringify(h.statuses)}, ${h.failures.length} failures, handles ${h.handlesBefore} before, ${h.handlesAfter} after`);
  for (const f of [...d.failures, ...h.failures].slice(0, 10)) console.log(`  ${f}`);
  if (d.failures.length || h.failures.length || h.handlesAfter > h.handlesBefore) process.exitCode = 1;
}
