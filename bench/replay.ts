/**
 * Replay: effects per second served from a recording, against the test
 * interpreter answering the same effects from handlers.
 * Run: npm run bench:replay   (--quick for a smoke run)
 */
import { pino } from 'pino';
import { createScanner, createTestInterpreter, defineSymbol, dns, http, record, redis, replay, type RecordingEntry } from '../index.ts';
import { alternate, fmt, machine, quick, report, table } from './lib.ts';

const logger = pino({ level: 'silent' });
const perScan = quick ? 60 : 3000;
const LOOP = defineSymbol({
  name: 'LOOP',
  mime: false,
  *callback() {
    for (let i = 0; i < perScan / 3; i++) {
      yield* http.request({ url: `http://api.test/score?n=${i}` });
      yield* dns.request({ type: 'a', name: `h${i}.test` });
      yield* redis.request(redis.params(), ['GET', `k${i}`]);
    }
  },
});
const config = { symbols: [LOOP], taskTimeout: 3_600_000 };
const handlers = { 'http.request': { content: 'ok' }, 'dns.request': ['192.0.2.1'], 'redis.request': 'v' };

// one recording of the scan, made through the test interpreter
let entries: RecordingEntry[] = [];
const recorder = record(createTestInterpreter({ handlers }), { sink: (sorted) => (entries = sorted) });
await createScanner(config, { io: recorder, logger }).scan('', { queueId: 'bench' });
await recorder.close();

const testScanner = createScanner(config, { io: createTestInterpreter({ handlers, trace: false }), logger });
const figures = await alternate(
  [
    {
      name: 'replay (instant)',
      run: async (n) => {
        const scanner = createScanner(config, { io: replay({ entries, repeat: true }), logger });
        for (let i = 0; i < n; i++) await scanner.scan('', { queueId: 'bench' });
        return n * perScan;
      },
    },
    {
      name: 'test interpreter',
      run: async (n) => {
        for (let i = 0; i < n; i++) await testScanner.scan('', { queueId: 'bench' });
        return n * perScan;
      },
    },
  ],
  { n: quick ? 1 : 20, rounds: quick ? 1 : 5, warmup: 1 },
);

const out = report(
  'Replay',
  [
    `Machine: ${machine()}. Command: \`npm run bench:replay\`. A scan of ${perScan} effects (HTTP, DNS, Redis in turn), replayed from its recording (${entries.length} entries) against the test interpreter answering the same effects.`,
    '',
    table(figures, 'effects/s'),
    '',
    `Replay serves ${fmt(figures[0].median)} effects/s, ${(figures[0].median / figures[1].median).toFixed(2)}× the test interpreter.`,
  ].join('\n'),
);
export default out;
