// The milter listener: driven by miltertest (the real program) and by a raw client for the protocol's corners.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, serve, type ServeProcess } from '../../support/corax-process.ts';
import { freePort } from '../../support/net.ts';
import { program, run } from '../../support/mta.ts';

let corax: ServeProcess;
let milterPort = 0;
let dir = '';

const script = (subject: string, checks: string): string => `
conn = mt.connect("inet:${milterPort}@127.0.0.1")
if conn == nil then error("no connection") end
if mt.negotiate(conn, nil, nil, nil) ~= nil then error("negotiate failed") end
mt.macro(conn, SMFIC_CONNECT, "j", "mx.corax.test")
if mt.conninfo(conn, "client.corax.test", "192.0.2.7") ~= nil then error("conninfo") end
mt.helo(conn, "client.corax.test")
mt.macro(conn, SMFIC_MAIL, "{i}", "QID1", "{auth_authen}", "alice")
mt.mailfrom(conn, "<sender@corax.test>")
mt.rcptto(conn, "<rcpt@corax.test>")
mt.header(conn, "From", "sender@corax.test")
mt.header(conn, "Subject", "${subject}")
mt.eoh(conn)
mt.bodystring(conn, "body\\r\\n")
mt.eom(conn)
${checks}
mt.disconnect(conn)
`;

function miltertest(subject: string, checks: string): { status: number | null; out: string } {
  const file = join(dir, `t${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(file, script(subject, checks));
  const r = run(program('miltertest'), ['-s', file]);
  return { status: r.status, out: r.stdout + r.stderr };
}

/** A raw milter client: sends packets, collects the replies until `until` says stop. */
function exchange(packets: Buffer[], until: (replies: string[]) => boolean): Promise<{ replies: string[]; data: Buffer[]; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(milterPort, '127.0.0.1', () => {
      for (const p of packets) socket.write(p);
    });
    const replies: string[] = [];
    const data: Buffer[] = [];
    let buffered = Buffer.alloc(0);
    let closed = false;
    const finish = (): void => {
      socket.destroy();
      resolve({ replies, data, closed });
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 5 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
        const length = buffered.readUInt32BE(0);
        replies.push(String.fromCharCode(buffered[4]));
        data.push(buffered.subarray(5, 4 + length));
        buffered = buffered.subarray(4 + length);
      }
      if (until(replies)) finish();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', () => {});
  });
}

const pkt = (command: string, ...parts: (string | Buffer)[]): Buffer => {
  const data = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
  const head = Buffer.alloc(5);
  head.writeUInt32BE(data.length + 1, 0);
  head.write(command, 4);
  return Buffer.concat([head, data]);
};
const optneg = (): Buffer => {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(6, 0);
  b.writeUInt32BE(0x1ff, 4);
  b.writeUInt32BE(0, 8);
  return pkt('O', b);
};
const messagePackets = (subject: string): Buffer[] => [
  pkt('M', '<sender@corax.test>\0'),
  pkt('R', '<rcpt@corax.test>\0'),
  pkt('L', 'From\0sender@corax.test\0'),
  pkt('L', `Subject\0${subject}\0`),
  pkt('N'),
  pkt('B', 'body\r\n'),
  pkt('E'),
];

const Milter = suite('corax serve --milter');
Milter.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'corax-milter-'));
  milterPort = await freePort();
  corax = await serve(['--config', fixture('mta.config.ts'), '--milter', `127.0.0.1:${milterPort}`]);
});
Milter.after(async () => {
  await corax.stop();
  rmSync(dir, { recursive: true, force: true });
});

Milter('miltertest: ham is accepted with X-Spamd-Result; add header adds X-Spam; reject and soft reject answer with reply codes', () => {
  const ham = miltertest('hello', 'if mt.getreply(conn) ~= SMFIR_ACCEPT then error("ham not accepted") end\nif not mt.eom_check(conn, MT_HDRADD, "X-Spamd-Result") then error("no X-Spamd-Result") end');
  assert.is(ham.status, 0, ham.out);
  const header = miltertest('header me', 'if mt.getreply(conn) ~= SMFIR_ACCEPT then error("not accepted") end\nif not mt.eom_check(conn, MT_HDRADD, "X-Spam", "Yes") then error("no X-Spam: Yes") end');
  assert.is(header.status, 0, header.out);
  const reject = miltertest('reject me', 'if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("not rejected") end');
  assert.is(reject.status, 0, reject.out);
  const soft = miltertest('soft me', 'if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("not tempfailed") end');
  assert.is(soft.status, 0, soft.out);
});

Milter('the verdicts carry Rspamd proxy codes; connect, HELO, envelope and macros reach the rules; several messages share a connection', async () => {
  const connect = pkt('C', 'client.corax.test\0', Buffer.from([0x34, 0x00, 0x19]), '192.0.2.7\0');
  const { replies, data } = await exchange(
    [optneg(), pkt('D', 'C', 'j\0mx.corax.test\0'), connect, pkt('H', 'client.corax.test\0'), pkt('D', 'M', '{i}\0QID1\0'), ...messagePackets('reject me'), ...messagePackets('soft me'), ...messagePackets('hello')],
    (r) => r.filter((c) => c === 'y' || c === 'a').length === 3,
  );
  const text = data.map((d) => d.toString());
  const codes = replies.map((r, i) => (r === 'y' ? text[i].replace(/\0$/, '') : r)).filter((r) => r !== 'c' && r !== 'O' && r !== 'h');
  assert.equal(codes, ['554 5.7.1 rejected by corax rules', '451 4.7.1 try again later, says corax', 'a']);
  const result = text.find((t, i) => replies[i] === 'h' && t.startsWith('X-Spamd-Result'));
  assert.match(result ?? '', /ENVELOPE_SEEN\(0\.00\)\[sender@corax\.test>rcpt@corax\.test,client\.corax\.test,192\.0\.2\.7\]/);
  // milter scans are counted and logged like the others
  const stat = (await (await fetch(`${corax.url}/stat`)).json()) as { scanned: number; actions: Record<string, number> };
  assert.ok(stat.scanned >= 3 && stat.actions.reject >= 1, JSON.stringify(stat));
  assert.ok(corax.logs.some((l) => l.msg === 'scanned' && l.protocol === 'milter'));
});

Milter('a malformed packet closes that connection only; the next connection is served', async () => {
  const bad = Buffer.alloc(5);
  bad.writeUInt32BE(0x7fffffff, 0);
  const broken = await exchange([optneg(), bad], () => false);
  assert.ok(broken.closed);
  const unknown = await exchange([optneg(), pkt('Z', 'x')], () => false);
  assert.ok(unknown.closed);
  const good = await exchange([optneg(), ...messagePackets('hello')], (r) => r.includes('a'));
  assert.ok(good.replies.includes('a'));
  // the server's log reaches us through a pipe, maybe after the replies: wait for the line
  await corax.logged(/milter connection closed: malformed packet length/);
});

Milter.run();

const Gate = suite('milter listener: connection caps');
Gate('past the per-address cap a milter connection is closed with a log line; another address still gets in; none is closed to make room', async () => {
  const { startMilterServer } = await import('../../../runtime/server/milter.ts');
  const { ConnectionGate } = await import('../../../runtime/server/gate.ts');
  const { pino } = await import('pino');
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  const server = await startMilterServer({
    bind: { host: '127.0.0.1', port: 0 },
    logger,
    maxBodySize: 1 << 20,
    gate: new ConnectionGate(3, 1),
    scan: () => Promise.reject(new Error('not scanned here')),
  });
  const port = (server.address() as net.AddressInfo).port;
  const connect = (from: string): Promise<net.Socket> =>
    new Promise((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1', localAddress: from }, () => resolve(s));
      s.on('error', () => {});
    });
  const closedWithin = (s: net.Socket, ms: number): Promise<boolean> => new Promise((r) => (s.destroyed ? r(true) : (s.once('close', () => r(true)), setTimeout(() => r(false), ms))));
  try {
    const first = await connect('127.0.0.2');
    const second = await connect('127.0.0.2');
    assert.ok(await closedWithin(second, 1000), 'the second connection from one address is closed');
    const other = await connect('127.0.0.3');
    assert.not.ok(await closedWithin(other, 200), 'another address gets in');
    assert.not.ok(first.destroyed, 'the first one is not closed to make room');
    assert.ok(lines.some((l) => l.includes('milter connection refused: too many connections from this address')), lines.join(''));
    first.destroy();
    other.destroy();
  } finally {
    server.close();
  }
});
Gate.run();
