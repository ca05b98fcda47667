/**
 * A TCP line server for tests on 127.0.0.1, port 0. It also speaks just
 * enough HTTP for the guide's TCP examples.
 *   PING → PONG · ECHO x → x · QUIT → BYE then close · CLOSE → close at once
 *   TRICKLE x → x one byte at a time · SILENT → nothing · RESET → reset
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { answerTcpRequest } from './guide.ts';

export interface TcpTestServer {
  host: string;
  port: number;
  /** Connections currently open on the server side. */
  readonly open: number;
  accepted: number;
  close(): Promise<void>;
}

export async function startTcpServer(options: { banner?: string } = {}, host = '127.0.0.1'): Promise<TcpTestServer> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const state = { accepted: 0 };
  const server = net.createServer((socket) => {
    state.accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (options.banner) socket.write(options.banner);
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      if (buffer.startsWith('GET ')) {
        if (!buffer.includes('\r\n\r\n')) return;
        const request = buffer.slice(0, buffer.indexOf('\r\n\r\n') + 4);
        buffer = buffer.slice(request.length);
        const answer = answerTcpRequest(request);
        if (!answer) return void socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        socket.write(answer.reply);
        if (answer.close) socket.end();
        return;
      }
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const [command, ...rest] = line.split(' ');
        const arg = rest.join(' ');
        switch (command) {
          case 'PING':
            socket.write('PONG\r\n');
            break;
          case 'ECHO':
            socket.write(`${arg}\r\n`);
            break;
          case 'QUIT':
            socket.end('BYE\r\n');
            return;
          case 'CLOSE':
            socket.end();
            return;
          case 'RESET':
            socket.resetAndDestroy();
            return;
          case 'SILENT':
            break;
          case 'TRICKLE': {
            const bytes = Buffer.from(`${arg}\r\n`);
            let i = 0;
            const step = (): void => {
              if (socket.destroyed || i >= bytes.length) return;
              socket.write(bytes.subarray(i, ++i));
              const t = setTimeout(() => (timers.delete(t), step()), 2);
              timers.add(t);
            };
            step();
            break;
          }
          default:
            socket.write(`ERR unknown ${command}\r\n`);
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen({ port: 0, host, backlog: 4096 }, r));
  return {
    host,
    port: (server.address() as AddressInfo).port,
    get open() {
      return sockets.size;
    },
    get accepted() {
      return state.accepted;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
