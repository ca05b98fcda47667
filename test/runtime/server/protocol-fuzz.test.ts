// Mutated legacy requests and milter streams against a running server: every connection ends, the server keeps answering.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { fixture, serve, type ServeProcess } from '../../support/corax-process.ts';
import { freePort } from '../../support/net.ts';

/** Deterministic (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(input: Buffer, rnd: () => number): Buffer {
  const out = Buffer.from(input);
  const edits = 1 + Math.floor(rnd() * 8);
  let bytes = out;
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rnd() * bytes.length);
    const kind = rnd();
    if (kind < 0.5) bytes[at] = Math.floor(rnd() * 256);
    else if (kind < 0.75) bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + Math.floor(rnd() * 16))]);
    else bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 16) }, () => Math.floor(rnd() * 256))), bytes.subarray(at)]);
  }
  return bytes;
}

/** Sends bytes, half-closes, and waits for the server to end the connection (or 3 s). */
function send(port: number, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 3000);
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

const message = 'From: a@corax.test\r\nSubject: header me\r\n\r\nbody\r\n';
const legacySeeds = [
  `CHECK RSPAMC/1.3\r\nContent-length: ${message.length}\r\nFrom: a@corax.test\r\nRcpt: b@corax.test\r\n\r\n${message}`,
  `SYMBOLS SPAMC/1.5\r\nContent-length: ${message.length}\r\n\r\n${message}`,
  `PROCESS SPAMC/1.5\r\n\r\n${message}`,
].map((s) => Buffer.from(s));

function milterSeed(): Buffer {
  const pkt = (command: string, data: string | Buffer = ''): Buffer => {
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    const head = Buffer.alloc(5);
    head.writeUInt32BE(body.length + 1, 0);
    head.write(command, 4);
    return Buffer.concat([head, body]);
  };
  const opt = Buffer.alloc(12);
  opt.writeUInt32BE(6, 0);
  opt.writeUInt32BE(0x1ff, 4);
  return Buffer.concat([pkt('O', opt), pkt('C', 'h\0\x34\x00\x19127.0.0.1\0'), pkt('H', 'h\0'), pkt('M', '<a@b>\0'), pkt('R', '<c@d>\0'), pkt('L', 'Subject\0header me\0'), pkt('N'), pkt('B', 'body\r\n'), pkt('E'), pkt('Q')]);
}

let corax: ServeProcess;
let milterPort = 0;
const Fuzz = suite('protocol fuzz: legacy and milter parsers');
Fuzz.before(async () => {
  milterPort = await freePort();
  corax = await serve(['--config', fixture('mta.config.ts'), '--milter', `127.0.0.1:${milterPort}`]);
});
Fuzz.after(async () => {
  await corax.stop();
});

const cases = Number(process.env.CORAX_FUZZ_CASES ?? 150);

Fuzz(`${cases} mutated legacy requests and ${cases} mutated milter streams: every connection ends, the server answers after each batch`, async () => {
  const rnd = random(Number(process.env.CORAX_FUZZ_SEED ?? 20261202));
  const milter = milterSeed();
  for (let batch = 0; batch < cases / 25; batch++) {
    const sends: Promise<boolean>[] = [];
    for (let i = 0; i < 25; i++) {
      sends.push(send(corax.port, mutate(legacySeeds[Math.floor(rnd() * legacySeeds.length)], rnd)));
      sends.push(send(milterPort, mutate(milter, rnd)));
    }
    const ended = await Promise.all(sends);
    // a stream cut mid-packet waits for more until the idle timeout: those are the false ones; none may crash the server
    assert.ok(ended.filter(Boolean).length > 0);
    const res = await fetch(`${corax.url}/checkv2`, { method: 'POST', body: message });
    assert.is(res.status, 200, `batch ${batch}`);
    await res.text();
  }
  assert.is(corax.child.exitCode, null, 'the server is still running');
});

Fuzz.run();
