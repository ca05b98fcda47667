import net, { type Socket } from 'node:net';
import type { ConnectionGate } from './gate.ts';
import type { Logger } from '../log/logger.ts';
import type { ScanResult } from '../scan/scan.ts';
import type { Envelope } from '../scan/task.ts';

/**
 * A milter server (protocol version 6, as Postfix and Sendmail speak it):
 * the MTA streams connect, HELO, envelope, headers and body; at the end of
 * each message corax scans it and answers as Rspamd's proxy does in milter
 * mode. Each connection is independent: a malformed packet closes it, with a
 * log line, and nothing else.
 */
export interface MilterOptions {
  bind: { host: string; port: number };
  logger: Logger;
  maxBodySize: number;
  /** Connections held at once, in all and per client address; past a cap new ones are closed. */
  gate?: ConnectionGate;
  scan(raw: Buffer, envelope: Envelope): Promise<ScanResult>;
}

const SMFIF_ADDHDRS = 0x01;
const SMFIF_CHGHDRS = 0x10;
/** Largest packet accepted (a body chunk is at most 64 KiB; macros and headers are small). */
const maxPacket = 1024 * 1024;

export function startMilterServer(options: MilterOptions): Promise<net.Server> {
  const server = net.createServer((socket) => {
    const refused = options.gate?.admit(socket);
    if (refused) {
      options.logger.warn({ peer: `${socket.remoteAddress}:${socket.remotePort}` }, `milter connection refused: ${refused}`);
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    // an MTA holds its milter connection for a whole SMTP session: never closed to make room
    options.gate?.busy(socket);
    serveConnection(socket, options);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.bind.host, port: options.bind.port }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

interface MessageState {
  from?: string;
  rcpt: string[];
  headers: Array<[string, string]>;
  body: Buffer[];
  bodySize: number;
}

function packet(command: string, data: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(data.length + 1, 0);
  head.write(command, 4, 'latin1');
  return Buffer.concat([head, data]);
}

const cstrings = (...values: string[]): Buffer => Buffer.concat(values.map((v) => Buffer.from(`${v}\0`, 'utf8')));

/** NUL-separated strings in a packet's data. */
function strings(data: Buffer): string[] {
  const out = data.toString('utf8').split('\0');
  if (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

function serveConnection(socket: Socket, options: MilterOptions): void {
  const { logger } = options;
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  let buffered: Buffer = Buffer.alloc(0);
  const macros = new Map<string, string>();
  let connection: { hostname?: string; ip?: string; helo?: string } = {};
  let message: MessageState = { rcpt: [], headers: [], body: [], bodySize: 0 };
  let scanning = false;
  const queue: Array<[string, Buffer]> = [];
  socket.on('error', () => {});
  socket.setTimeout(300_000, () => socket.destroy());

  const close = (reason: string): void => {
    logger.warn({ peer, reason }, `milter connection closed: ${reason}`);
    socket.destroy();
  };
  const reply = (command: string, data?: Buffer): void => {
    if (!socket.destroyed) socket.write(packet(command, data));
  };

  const handle = (command: string, data: Buffer): void => {
    switch (command) {
      case 'O': {
        if (data.length < 12) return close('short option negotiation');
        const version = Math.min(6, data.readUInt32BE(0));
        const out = Buffer.alloc(12);
        out.writeUInt32BE(version, 0);
        out.writeUInt32BE(data.readUInt32BE(4) & (SMFIF_ADDHDRS | SMFIF_CHGHDRS), 4);
        out.writeUInt32BE(0, 8);
        return reply('O', out);
      }
      case 'D': {
        const [first, ...pairs] = strings(data.subarray(1));
        const list = first === undefined ? [] : [first, ...pairs];
        for (let i = 0; i + 1 < list.length; i += 2) macros.set(list[i].replace(/^\{|\}$/g, ''), list[i + 1]);
        return;
      }
      case 'C': {
        const [hostname] = strings(data);
        const zero = data.indexOf(0);
        const family = data[zero + 1];
        const address = family === 0x34 || family === 0x36 ? strings(data.subarray(zero + 4))[0] : undefined;
        connection = { hostname: hostname && hostname !== 'unknown' ? hostname.replace(/^\[|\]$/g, '') : undefined, ip: address?.replace(/^IPv6:/i, '') };
        return reply('c');
      }
      case 'H':
        connection.helo = strings(data)[0];
        return reply('c');
      case 'M':
        message = { rcpt: [], headers: [], body: [], bodySize: 0, from: strings(data)[0]?.replace(/^<|>$/g, '') };
        return reply('c');
      case 'R':
        message.rcpt.push((strings(data)[0] ?? '').replace(/^<|>$/g, ''));
        return reply('c');
      case 'L': {
        const [name, value] = strings(data);
        if (name !== undefined) message.headers.push([name, value ?? '']);
        return reply('c');
      }
      case 'B':
        message.bodySize += data.length;
        if (message.bodySize > options.maxBodySize) return close(`message is larger than server.maxBodySize (${options.maxBodySize} bytes)`);
        message.body.push(Buffer.from(data));
        return reply('c');
      case 'T':
      case 'N':
      case 'U':
        return reply('c');
      case 'E':
        if (data.length) message.body.push(Buffer.from(data));
        return endOfMessage();
      case 'A':
        message = { rcpt: [], headers: [], body: [], bodySize: 0 };
        return;
      case 'K':
        message = { rcpt: [], headers: [], body: [], bodySize: 0 };
        connection = {};
        macros.clear();
        return;
      case 'Q':
        socket.end();
        return;
      default:
        return close(`unknown milter command ${JSON.stringify(command)}`);
    }
  };

  const endOfMessage = (): void => {
    const raw = Buffer.concat([Buffer.from(message.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('') + '\r\n', 'utf8'), ...message.body]);
    const envelope: Envelope = {
      from: message.from || undefined,
      rcpt: message.rcpt.length ? message.rcpt : undefined,
      ip: connection.ip ?? macros.get('client_addr'),
      helo: connection.helo,
      hostname: connection.hostname ?? macros.get('client_name'),
      user: macros.get('auth_authen'),
      queueId: macros.get('i'),
      headers: macros.get('j') ? { 'mta-name': macros.get('j')! } : {},
    };
    const headers = message.headers;
    scanning = true;
    options.scan(raw, envelope).then(
      (result) => {
        for (const [command, data] of verdict(result, headers)) reply(command, data);
        done();
      },
      (error: Error) => {
        logger.error({ peer, err: error }, `milter scan failed: ${error.message}`);
        reply('t');
        done();
      },
    );
  };
  const done = (): void => {
    scanning = false;
    message = { rcpt: [], headers: [], body: [], bodySize: 0 };
    while (!scanning && queue.length) {
      const [command, data] = queue.shift()!;
      handle(command, data);
    }
  };

  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    while (buffered.length >= 5) {
      const length = buffered.readUInt32BE(0);
      if (length < 1 || length > maxPacket) return close(`malformed packet length ${length}`);
      if (buffered.length < 4 + length) break;
      const command = String.fromCharCode(buffered[4]);
      const data = buffered.subarray(5, 4 + length);
      buffered = buffered.subarray(4 + length);
      // the MTA may send the next commands before our end-of-message answer: keep their order
      if (scanning) queue.push([command, Buffer.from(data)]);
      else handle(command, data);
    }
  });
}

/**
 * The milter answer for a result, as Rspamd's proxy maps actions: reject →
 * 554 with the rules' message; soft reject and greylist → a 451 tempfail;
 * add header → `X-Spam: Yes`; rewrite subject → the Subject changed; no
 * action → accept. Every message gets `X-Spamd-Result` for logging.
 */
export function verdict(result: ScanResult, headers: ReadonlyArray<[string, string]>): Array<[string, Buffer?]> {
  const out: Array<[string, Buffer?]> = [];
  const symbols = Object.values(result.symbols)
    .map((s) => `${s.name}(${s.score.toFixed(2)})${s.options?.length ? `[${s.options.join(',')}]` : ''}`)
    .join(', ');
  out.push(['h', cstrings('X-Spamd-Result', `default: ${result.action === 'reject' ? 'True' : 'False'} [${result.score.toFixed(2)} / ${result.requiredScore.toFixed(2)}]${symbols ? `; ${symbols}` : ''}`)]);
  const message = result.messages.smtp_message;
  switch (result.action) {
    case 'reject':
      out.push(['y', cstrings(`554 5.7.1 ${message ?? 'Spam message rejected'}`)]);
      return out;
    case 'soft reject':
    case 'greylist':
      out.push(['y', cstrings(`451 4.7.1 ${message ?? 'Try again later'}`)]);
      return out;
    case 'rewrite subject': {
      const original = headers.find(([n]) => n.toLowerCase() === 'subject')?.[1] ?? '';
      // Rspamd's default subject template, "*** SPAM *** %s"
      const subject = result.messages.subject ?? `*** SPAM *** ${original}`.trimEnd();
      if (!headers.some(([n]) => n.toLowerCase() === 'subject')) out.push(['h', cstrings('Subject', subject)]);
      else {
        const data = Buffer.alloc(4);
        data.writeUInt32BE(1, 0);
        out.push(['m', Buffer.concat([data, cstrings('Subject', subject)])]);
      }
      out.push(['h', cstrings('X-Spam', 'Yes')]);
      break;
    }
    case 'add header':
      out.push(['h', cstrings('X-Spam', 'Yes')]);
      break;
  }
  out.push(['a']);
  return out;
}
