// Rspamd's callback form of TCP against a local line server: read: false, partial reads, onConnect, eof(), per-phase timeouts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { createLiveInterpreter, createScanner, defineSymbol, tcp, type LiveInterpreter, type Task } from '../../index.ts';
import { startTcpServer, type TcpTestServer } from '../support/tcp-server.ts';
import { perform } from '../support/live.ts';
import { silent } from '../support/logger.ts';
import { listenLocal } from '../support/net.ts';

let server: TcpTestServer;
let chunky: net.Server;
let chunkyPort = 0;
let io: LiveInterpreter;

const run = async (body: (task: Task, log: unknown[]) => void): Promise<unknown[]> => {
  const log: unknown[] = [];
  const S = defineSymbol({ name: 'S', callback: (task) => body(task, log) });
  await createScanner({ symbols: [S], taskTimeout: 3000 }, { io, logger: silent }).scan('');
  return log;
};

async function start(): Promise<void> {
  server = await startTcpServer();
  // three chunks, apart, then EOF
  chunky = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.write('one');
    setTimeout(() => socket.write('two'), 20);
    setTimeout(() => socket.end('three'), 40);
  });
  chunkyPort = await listenLocal(chunky);
  io = createLiveInterpreter({ symbols: [] });
}
let started: Promise<void> | null = null;
const ready = (): Promise<void> => (started ??= start());

const Callback = suite('tcp.request: Rspamd callback options');
Callback.before(ready);

Callback('read: false calls back (err, conn) once the data is written, and the connection reads on', async () => {
  const log = await run((task, log) => {
    tcp.request({
      task,
      host: server.host,
      port: server.port,
      data: 'PING\r\n',
      read: false,
      callback(err, conn) {
        log.push(err, typeof conn?.addRead);
        conn!.addRead((rerr, data) => log.push(rerr, data), '\r\n');
      },
    });
  });
  assert.equal(log, [null, 'function', null, 'PONG']);
});

Callback('read: false with nothing to write never calls back, as Rspamd has no handler to call', async () => {
  const log = await run((task, log) => {
    log.push(tcp.request({ task, host: server.host, port: server.port, read: false, callback: () => log.push('called') }));
  });
  assert.equal(log, [true]);
});

Callback('partial: true calls back for every chunk, then once with the EOF error', async () => {
  const log = await run((task, log) => {
    tcp.request({ task, host: '127.0.0.1', port: chunkyPort, partial: true, callback: (err, data) => log.push(err ? `error: ${err.message}` : data) });
  });
  assert.equal(log.slice(-1), ['error: IO read error: connection terminated']);
  assert.is(log.slice(0, -1).join(''), 'onetwothree');
});

Callback('onConnect runs with the connection before the data is written', async () => {
  const log = await run((task, log) => {
    tcp.request({ task, host: server.host, port: server.port, data: 'PING\r\n', stopPattern: '\r\n', onConnect: () => log.push('connected'), callback: (err, data) => log.push(err ?? data) });
  });
  assert.equal(log, ['connected', 'PONG']);
});

Callback('eof() tells that the peer ended the stream', async () => {
  const log = await run((task, log) => {
    tcp.request({
      task,
      host: server.host,
      port: server.port,
      data: 'QUIT\r\n',
      stopPattern: '\r\n',
      callback(err, data, conn) {
        log.push(data, conn!.eof());
        conn!.addRead((rerr) => log.push(rerr?.message, conn!.eof()));
      },
    });
  });
  assert.equal(log, ['BYE', false, 'IO read error: connection terminated', true]);
});

const Sync = suite('tcp.connect: eof() and per-phase timeouts');
Sync.before(ready);
Sync.after(async () => {
  await io.close();
  await server.close();
  await new Promise((r) => chunky.close(r));
});

Sync('a read times out after readTimeout while connect and write use their own', async () => {
  const got = await perform(io, function* () {
    const [err, conn] = yield* tcp.connect({ host: server.host, port: server.port, connectTimeout: 2000, writeTimeout: 2000, readTimeout: 50 });
    if (err) return [err.code];
    const [werr] = yield* conn.write('SILENT\r\n');
    const [rerr] = yield* conn.readUntil('\r\n');
    const eof = conn.eof();
    yield* conn.close();
    return [werr, rerr?.code, rerr?.message, eof];
  });
  assert.equal(got, [null, 'ETIMEDOUT', 'IO timeout', false]);
});

Sync('eof() is true once a read met the end of the stream', async () => {
  const got = await perform(io, function* () {
    const [, conn] = yield* tcp.connect({ host: server.host, port: server.port });
    yield* conn!.write('QUIT\r\n');
    const [, line] = yield* conn!.readUntil('\r\n');
    const before = conn!.eof();
    const [rerr] = yield* conn!.readUntil('\r\n');
    return [line, before, rerr?.code, conn!.eof()];
  });
  assert.equal(got, ['BYE', false, 'EEOF', true]);
});

Sync('readUntil on an endless stream fails at the 16 MiB cap, in linear time, and the socket is dropped', async () => {
  let peerClosed = false;
  const endless = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.on('close', () => (peerClosed = true));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = (): void => {
      while (!socket.destroyed && socket.write(chunk));
      if (!socket.destroyed) socket.once('drain', pump);
    };
    pump();
  });
  const endlessPort = await listenLocal(endless);
  try {
    const got = await perform(io, function* () {
      const [, conn] = yield* tcp.connect({ host: '127.0.0.1', port: endlessPort, timeout: 20_000 });
      const [err] = yield* conn!.readUntil('\r\n');
      return [err?.code, err?.message];
    });
    assert.equal(got, ['ETOOBIG', 'IO read error: more than 16777216 unread bytes']);
    for (let i = 0; i < 100 && !peerClosed; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(peerClosed, 'the endless peer was disconnected');
  } finally {
    await new Promise((r) => endless.close(r));
  }
});

Callback.run();
Sync.run();
