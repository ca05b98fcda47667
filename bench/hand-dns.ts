/**
 * What a careful hand-written resolver does per query, the baseline for
 * corax's DNS module: a fresh socket and a random id, answers accepted only
 * from the server, with our id and our question.
 */
import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';

export function handResolveA(server: string, name: string): Promise<string[]> {
  const [host, port] = server.split(':');
  return new Promise((resolve, reject) => {
    const id = randomInt(65536);
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => done(new Error('timeout')), 1000);
    const done = (error: Error | null, value?: string[]): void => {
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(value!);
    };
    socket.on('message', (msg, rinfo) => {
      if (rinfo.address !== host || rinfo.port !== Number(port) || msg.readUInt16BE(0) !== id) return;
      const packet = dnsPacket.decode(msg);
      if (packet.questions?.[0]?.name !== name) return;
      done(null, (packet.answers ?? []).filter((a) => a.type === 'A').map((a) => (a as { data: string }).data));
    });
    socket.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), Number(port), host);
  });
}
