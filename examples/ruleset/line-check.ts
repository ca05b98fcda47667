// A TCP line-protocol check: ask the line service about the sending IP and HELO.
import { defineSymbol, tcp } from 'corax';
import { services } from '../settings.ts';
import { sendingHelo, sendingIp } from './received.ts';

export const HELO_CHECK = defineSymbol({
  name: 'HELO_CHECK',
  description: 'the line service rejects the HELO',
  group: 'helo',
  mime: false,
  *callback(task) {
    const [cerr, conn] = yield* tcp.connect({ host: services.tcpHost, port: services.tcpPort, timeout: 500 });
    if (cerr) {
      task.insertResult('HELO_CHECK_ERROR', 1, cerr);
      return;
    }
    try {
      yield* conn.write(`CHECK ${sendingIp(task) ?? '-'} ${sendingHelo(task) ?? '-'}\r\n`);
      const [err, line] = yield* conn.readUntil('\r\n');
      if (err) task.insertResult('HELO_CHECK_ERROR', 1, err);
      else if (line.startsWith('BAD ')) task.insertResult('HELO_BAD', 1, line.slice(4));
    } finally {
      yield* conn.close();
    }
  },
});
