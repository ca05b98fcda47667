/**
 * Dispatch: the cost of the runtime itself, under the test interpreter.
 *  1. effects per second: one symbol yielding N immediately-answered effects,
 *     against a hand-written async function awaiting the same stub call;
 *  2. scanner overhead per scan: 10 symbols that each yield one such effect,
 *     against 10 hand-written async functions run with Promise.all.
 * Run: npm run bench:dispatch   (--quick for a smoke run)
 */
import { pino } from 'pino';
import { createScanner, createTestInterpreter, defineSymbol, http, type HttpResponse } from '../index.ts';
import { alternate, fmt, machine, quick, report, table } from './lib.ts';

const logger = pino({ level: 'silent' });
const response: HttpResponse = { code: 200, content: 'ok', headers: {}, body: new Uint8Array() };

// 1. effects
const perLoop = quick ? 1_000 : 200_000;
const io = createTestInterpreter({ trace: false, handlers: { 'http.request': response } });
const ioTraced = createTestInterpreter({ handlers: { 'http.request': response } });
const LOOP = defineSymbol({
  name: 'LOOP',
  mime: false,
  *callback() {
    for (let i = 0; i < perLoop; i++) {
      const [err, res] = yield* http.request({ url: 'http://stub/' });
      if (err || res.code !== 200) throw new Error('unexpected');
    }
  },
});
const loopScanner = createScanner({ symbols: [LOOP], taskTimeout: 3_600_000 }, { io, logger });
const tracedScanner = createScanner({ symbols: [LOOP], taskTimeout: 3_600_000 }, { io: ioTraced, logger });

async function stub(_request: { url: string }): Promise<HttpResponse> {
  return response;
}

const effects = await alternate(
  [
    { name: 'corax effect (test interpreter)', run: async () => void (await loopScanner.scan('')) },
    {
      name: 'corax effect, traced',
      run: async () => {
        ioTraced.trace.length = 0;
        await tracedScanner.scan('');
      },
    },
    {
      name: 'hand-written await',
      run: async () => {
        for (let i = 0; i < perLoop; i++) {
          const res = await stub({ url: 'http://stub/' });
          if (res.code !== 200) throw new Error('unexpected');
        }
      },
    },
  ].map((c) => ({ ...c, run: async (n: number) => { for (let i = 0; i < n; i++) await c.run(); return n * perLoop; } })),
  { n: 1, rounds: quick ? 2 : 7, warmup: 1 },
);

// 2. scanner overhead
const scansPerRound = quick ? 200 : 20_000;
const symbols = Array.from({ length: 10 }, (_, i) =>
  defineSymbol({
    name: `S${i}`,
    mime: false,
    *callback(task) {
      const [err, res] = yield* http.request({ url: 'http://stub/' });
      if (!err) task.insertResult(`S${i}`, 1, res.content);
    },
  }),
);
const scanner = createScanner({ symbols }, { io, logger });
const scans = await alternate(
  [
    {
      name: 'corax scan, 10 symbols',
      run: async (n) => {
        for (let i = 0; i < n; i++) await scanner.scan('');
      },
    },
    {
      name: 'hand-written, 10 async functions',
      run: async (n) => {
        for (let i = 0; i < n; i++) {
          const results: Record<string, string> = {};
          await Promise.all(
            symbols.map(async (s) => {
              const res = await stub({ url: 'http://stub/' });
              results[s.name] = res.content;
            }),
          );
        }
      },
    },
  ],
  { n: scansPerRound, rounds: quick ? 2 : 7 },
);

const usPerEffect = 1e6 / effects[0].median;
const usPerScan = 1e6 / scans[0].median;
const usPerHand = 1e6 / scans[1].median;
const out = report(
  'Dispatch (test interpreter)',
  [
    `Machine: ${machine()}. Command: \`npm run bench:dispatch\`. ${perLoop} effects per run, ${scansPerRound} scans per round, medians of ${effects[0].rates.length} alternating rounds.`,
    '',
    table(effects, 'effects/s'),
    '',
    `Per effect: ${fmt(usPerEffect, 3)} µs through corax (budget 1 µs).`,
    '',
    table(scans, 'scans/s'),
    '',
    `Per scan of 10 one-effect symbols: ${fmt(usPerScan, 1)} µs through corax, ${fmt(usPerHand, 1)} µs hand-written: ${fmt(usPerScan - usPerHand, 1)} µs of scanner overhead (budget 100 µs).`,
  ].join('\n'),
);
export default out;
