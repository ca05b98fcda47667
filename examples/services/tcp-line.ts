/** The line service: one `CHECK <ip> <helo>` per line, `OK` or `BAD <reason>` back. */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { checkLine } from './data.ts';
import { chaos } from './chaos.ts';
import type { ServiceFaults } from './index.ts';

export interface ExampleLineService {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startExampleLineService(host = '127.0.0.1', port = 0, faults?: ServiceFaults): Promise<ExampleLineService> {
  const sockets = new Set<net.Socket>();
  const random = faults ? chaos(`line:${faults.seed}`) : null;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (random && random() < faults!.rate) {
      // closes at once, or answers one byte at a time
      if (random() < 0.5) return void socket.destroy();
      socket.on('data', () => {
        const reply = Buffer.from('OK\r\n');
        reply.forEach((byte, i) => setTimeout(() => !socket.destroyed && socket.write(Buffer.from([byte])), 5 * i));
      });
      return;
    }
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        if (line === 'QUIT') return void socket.end('BYE\r\n');
        socket.write(`${checkLine(line)}\r\n`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
