import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLiveInterpreter, createScanner, defineSymbol, tcp, type LiveInterpreter } from '../../index.ts';
import { startTcpServer, type TcpTestServer } from '../support/tcp-server.ts';
import { startDnsServer, testZone, type DnsTestServer } from '../support/dns-server.ts';
import { perform } from '../support/live.ts';
import { silent } from '../support/logger.ts';
import { freePort } from '../support/net.ts';

let server: TcpTestServer;
let names: DnsTestServer;
let io: LiveInterpreter;

const Conn = suite('tcp module: connection operations');
Conn.before(async () => {
  server = await startTcpServer();
  names = await startDnsServer({ ...testZone, 'line.test': { records: { A: ['127.0.0.1'] } } });
  io = createLiveInterpreter({ symbols: [], dns: { servers: [names.address], timeout: 100, retransmits: 1 } });
});
Conn.after(async () => {
  await io.close();
  await server.close();
  await names.close();
});

Conn('write, then readUntil drops the pattern; readOnce, readBytes and readUntilEof', async () => {
  const out = await perform(io, function* () {
    const [cerr, conn] = yield* tcp.connect({ host: server.host, port: server.port });
    if (cerr) throw cerr;
    yield* conn.write('PING\r\n');
    const [, pong] = yield* conn.readUntil('\r\n');
    yield* conn.write('ECHO hello world\r\n');
    const [, five] = yield* conn.readBytes(5);
    const [, rest] = yield* conn.readUntil('\r\n');
    yield* conn.write('ECHO once\r\n');
    const [, once] = yield* conn.readOnce();
    yield* conn.write('QUIT\r\n');
    const [, tail] = yield* conn.readUntilEof();
    yield* conn.close();
    return [pong, five, rest, once, tail];
  });
  assert.equal(out, ['PONG', 'hello', ' world', 'once\r\n', 'BYE\r\n']);
});

Conn('a line trickled one byte at a time is read whole', async () => {
  const line = await perform(io, function* () {
    const [, conn] = yield* tcp.connect({ host: server.host, port: server.port });
    yield* conn!.write('TRICKLE slowly but surely\r\n');
    const [err, data] = yield* conn!.readUntil('\r\n');
    return err ? err.message : data;
  });
  assert.is(line, 'slowly but surely');
});

Conn('host names go through our DNS module', async () => {
  const pong = await perform(io, function* () {
    const [err, conn] = yield* tcp.connect({ host: 'line.test', port: server.port });
    if (err) return err.message;
    yield* conn.write('PING\r\n');
    return (yield* conn.readUntil('\r\n'))[1];
  });
  assert.is(pong, 'PONG');
});

const Errors = suite('tcp module: errors');
Errors.before(async () => {
  server = await startTcpServer();
  names = await startDnsServer();
  io = createLiveInterpreter({ symbols: [], dns: { servers: [names.address], timeout: 2000, retransmits: 1 } });
});
Errors.after(async () => {
  await io.close();
  await server.close();
  await names.close();
});


Errors('refused, and a connect that takes too long', async () => {
  const port = await freePort();
  const refused = await perform(io, function* () {
    const [err] = yield* tcp.connect({ host: '127.0.0.1', port });
    return [err?.code, err?.message];
  });
  assert.equal(refused, ['ECONNREFUSED', 'Socket error detected: Connection refused']);
  const slow = await perform(io, function* () {
    const [err] = yield* tcp.connect({ host: 'silent.test', port: 25, timeout: 50 });
    return [err?.code, err?.message];
  });
  assert.equal(slow, ['ETIMEDOUT', 'IO timeout']);
});

Errors("after connect: Rspamd's wording for early close and reset", async () => {
  const out = await perform(io, function* () {
    const [, a] = yield* tcp.connect({ host: server.host, port: server.port });
    yield* a!.write('CLOSE\r\n');
    const [closed] = yield* a!.readUntil('\r\n');
    const [, b] = yield* tcp.connect({ host: server.host, port: server.port });
    yield* b!.write('CLOSE\r\n');
    const [eofErr, eofData] = yield* b!.readUntilEof();
    const [, c] = yield* tcp.connect({ host: server.host, port: server.port });
    yield* c!.write('RESET\r\n');
    const [reset] = yield* c!.readOnce();
    return [closed?.code, closed?.message, eofErr, eofData, reset?.code, reset?.message];
  });
  assert.equal(out, [
    'EEOF',
    'IO read error: connection terminated',
    null,
    '',
    'ECONNRESET',
    'IO read error while trying to read data: Connection reset by peer',
  ]);
});

Errors('a read with nothing coming times out after readTimeout', async () => {
  const out = await perform(io, function* () {
    const [, conn] = yield* tcp.connect({ host: server.host, port: server.port, readTimeout: 60 });
    yield* conn!.write('SILENT\r\n');
    const [err] = yield* conn!.readOnce();
    return [err?.code, err?.message];
  });
  assert.equal(out, ['ETIMEDOUT', 'IO timeout']);
});

Errors('operations on a closed connection fail cleanly', async () => {
  const out = await perform(io, function* () {
    const [, conn] = yield* tcp.connect({ host: server.host, port: server.port });
    yield* conn!.close();
    const [err] = yield* conn!.write('PING\r\n');
    return [err?.code, err?.message];
  });
  assert.equal(out, ['ECLOSED', 'Socket error detected: connection tcp0 is closed']);
});

const Ownership = suite('tcp module: connections belong to the task');
Ownership.before(async () => {
  server = await startTcpServer();
  io = createLiveInterpreter({ symbols: [] });
});
Ownership.after(async () => {
  await io.close();
  await server.close();
});

Ownership('sockets a rule leaves open are closed when the task ends', async () => {
  const LEAKY = defineSymbol({
    name: 'LEAKY',
    *callback() {
      for (let i = 0; i < 5; i++) {
        const [, conn] = yield* tcp.connect({ host: server.host, port: server.port });
        yield* conn!.write('PING\r\n');
        yield* conn!.readUntil('\r\n');
      }
    },
  });
  await createScanner({ symbols: [LEAKY] }, { io, logger: silent }).scan('');
  // destroyed at task end; the close events follow within a few turns of the event loop
  for (let i = 0; i < 100 && (server.open > 0 || io.resources.tcpSockets > 0); i++) await new Promise((r) => setImmediate(r));
  assert.is(io.resources.tcpSockets, 0);
  assert.is(server.open, 0);
  assert.is(server.accepted, 5);
});

const Callback = suite('tcp module: callback style');
Callback.before(async () => {
  server = await startTcpServer({ banner: 'HELLO\r\n' });
  io = createLiveInterpreter({ symbols: [] });
});
Callback.after(async () => {
  await io.close();
  await server.close();
});

Callback('tcp.request writes data, reads to stopPattern (consumed, as in Rspamd), then addWrite and addRead continue', async () => {
  const log: string[] = [];
  const CB = defineSymbol({
    name: 'CB',
    callback(task) {
      tcp.request({
        task,
        host: server.host,
        port: server.port,
        data: ['PING\r\n'],
        stopPattern: 'PONG\r\n',
        callback(err, data, conn) {
          log.push(`first ${JSON.stringify(err?.message ?? data)}`);
          conn!.addWrite((werr, c) => {
            log.push(`wrote ${werr?.message ?? 'ok'}`);
            c.addRead((rerr, more) => {
              log.push(`second ${JSON.stringify(rerr?.message ?? more)}`);
              task.insertResult('CB', 1, more!.trim());
            }, '\r\n');
          }, 'ECHO again\r\n');
        },
      });
    },
  });
  const r = await createScanner({ symbols: [CB] }, { io, logger: silent }).scan('');
  assert.equal(log, ['first "HELLO\\r\\n"', 'wrote ok', 'second "again"']);
  assert.equal(r.symbols.CB.options, ['again']);
});

Callback('a refused connection reaches the callback as an error', async () => {
  const port = await freePort();
  const seen: unknown[] = [];
  const CB = defineSymbol({
    name: 'CB',
    callback(task) {
      tcp.request({ task, host: '127.0.0.1', port, data: 'x', callback: (err, data, conn) => seen.push(err?.code, data, conn) });
    },
  });
  await createScanner({ symbols: [CB] }, { io, logger: silent }).scan('');
  assert.equal(seen, ['ECONNREFUSED', undefined, undefined]);
});

Conn.run();
Errors.run();
Ownership.run();
Callback.run();
