/**
 * The example services as test-interpreter handlers, answering from the same
 * data the live services serve. This is how a rule set is tested without any
 * network: see test/examples/ruleset.test.ts.
 */
import { fakeTcp, faults, type TestHandlers } from 'corax';
import { checkLine, scoreContent, zoneRecords } from './services/data.ts';

export function exampleHandlers(): TestHandlers {
  const zone = zoneRecords();
  const counters = new Map<string, number>();
  return {
    'dns.request': (effect) => {
      const entry = zone[effect.name.toLowerCase()];
      if (!entry) return faults.nxdomain();
      const records = entry.records[effect.rrtype.toUpperCase()];
      if (!records?.length) return faults.nodata();
      if (effect.rrtype === 'mx') return (records as { preference: number; exchange: string }[]).map((m) => ({ name: m.exchange, priority: m.preference }));
      if (effect.rrtype === 'txt') return (records as string[][]).map((parts) => parts.join(''));
      return records as string[];
    },
    'http.request': (effect) => {
      if (effect.method !== 'POST' || !effect.url.endsWith('/score')) return { code: 404, content: '{"error":"POST /score"}' };
      return { code: 200, content: JSON.stringify(scoreContent(String(effect.body ?? ''))) };
    },
    'redis.exec': (effect) =>
      effect.commands.map(([name, key]) => {
        if (name === 'INCR') {
          const n = (counters.get(String(key)) ?? 0) + 1;
          counters.set(String(key), n);
          return n;
        }
        return 1;
      }),
    ...fakeTcp({ onData: (data, peer) => data.split(/\r?\n/).filter(Boolean).forEach((line) => peer.send(`${checkLine(line)}\r\n`)) }),
  };
}
