/** Normal mail and hostile mail sent side by side to a running server, with the latencies of each. */
import { Pool } from 'undici';
import { hostileCases, normalMessage, type HostileCase } from './hostile-messages.ts';

export interface ScanReply {
  ms: number;
  status: number;
  symbols: Record<string, { options?: string[] }>;
}

export interface AttackReport {
  baselineP99: number;
  duringP99: number;
  normalScans: number;
  hostile: Array<HostileCase & ScanReply>;
}

export const p99 = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.99))];

export async function attack(url: string, options: { clients?: number; baselineScans?: number; cases?: HostileCase[] } = {}): Promise<AttackReport> {
  const clients = options.clients ?? 8;
  const pool = new Pool(url, { connections: clients + 2 });
  const scan = async (message: string): Promise<ScanReply> => {
    const started = performance.now();
    const res = await pool.request({ path: '/checkv2', method: 'POST', body: message, headers: { 'content-type': 'message/rfc822' } });
    const body = (await res.body.json()) as { symbols?: Record<string, { options?: string[] }> };
    return { ms: performance.now() - started, status: res.statusCode, symbols: body.symbols ?? {} };
  };
  const normalLoad = async (count: number | undefined, until?: Promise<unknown>): Promise<number[]> => {
    let stop = false;
    until?.then(() => (stop = true));
    const latencies: number[] = [];
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let i = 0; count === undefined ? !stop : i < count; i++) {
          const reply = await scan(normalMessage);
          if (reply.status !== 200 || !reply.symbols.SENDER) throw new Error(`a normal scan failed: ${reply.status} ${JSON.stringify(reply.symbols)}`);
          latencies.push(reply.ms);
        }
      }),
    );
    return latencies;
  };
  try {
    await normalLoad(20);
    const baseline = await normalLoad(options.baselineScans ?? 100);
    const hostile: AttackReport['hostile'] = [];
    const sending = (async () => {
      for (const c of options.cases ?? hostileCases(1)) hostile.push({ ...c, ...(await scan(c.message)) });
    })();
    const during = await normalLoad(undefined, sending);
    await sending;
    return { baselineP99: p99(baseline), duringP99: p99(during), normalScans: during.length, hostile };
  } finally {
    await pool.close();
  }
}
