/**
 * Dispatch: the cost of the runtime itself, under the test interpreter.
 *  1. effects per second: one symbol yielding N immediately-answered effects,
 *     against a hand-written async function awaiting the same stub call;
 *  2. scanner overhead per scan: 10 symbols that each yield one such effect,
 *     against 10 hand-written async functions run with Promise.all.
 * Run: npm run bench:dispatch   (--quick for a smoke run)
 */
import { pino } from 'pino';
import { createScanner, createTestInterpreter, defineSymbol, http, type HttpResponse, type Interpreter } from '../index.ts';
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

// 1b. effects that park: answered by a promise, on the real clock, so the driver arms the effect's timeout
// (setTimeout) and clears it when the answer comes; against the same promise awaited by hand
const promiseIo: Interpreter = { handle: () => Promise.resolve(response), clock: { now: () => Date.now(), setTimer: (ms, fn) => { const t = setTimeout(fn, ms); return () => clearTimeout(t); } } };
const unarmedIo: Interpreter = { handle: () => Promise.resolve(response), clock: { now: () => Date.now(), setTimer: () => () => {} } };
const parkedScanner = createScanner({ symbols: [LOOP], taskTimeout: 3_600_000 }, { io: promiseIo, logger });
const unarmedScanner = createScanner({ symbols: [LOOP], taskTimeout: 3_600_000 }, { io: unarmedIo, logger });
const parked = await alternate(
  [
    { name: 'corax effect answered by a promise, timeout armed', run: async () => void (await parkedScanner.scan('')) },
    { name: 'the same, timers not armed', run: async () => void (await unarmedScanner.scan('')) },
    {
      name: 'hand-written await of a promise',
      run: async () => {
        for (let i = 0; i < perLoop; i++) {
          const res = await Promise.resolve(response);
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
const usParked = 1e6 / parked[0].median;
const usUnarmed = 1e6 / parked[1].median;
const usPerScan = 1e6 / scans[0].median;
const usPerHand = 1e6 / scans[1].median;
const out = report(
  'Dispatch (test interpreter)',
  [
    `Machine: ${machine()}. Command: \`npm run bench:dispatch\`. ${perLoop} effects per run, ${scansPerRound} scans per round, medians of ${effects[0].rates.length} alternating rounds.`,
    '',
    table(effects, 'effects/s'),
    '',
    `Per effect: ${fmt(usPerEffect, 3)} µs through corax (budget 1 µs). An effect answered at once needs no timer: its timeout is computed, never armed.`,
    '',
    table(parked, 'effects/s'),
    '',
    `Per effect that waits on a promise: ${fmt(usParked, 3)} µs with its timeout armed on the real clock, ${fmt(usUnarmed, 3)} µs without: arming and clearing the timer costs ${fmt(usParked - usUnarmed, 3)} µs per waiting effect.`,
    '',
    table(scans, 'scans/s'),
    '',
    `Per scan of 10 one-effect symbols: ${fmt(usPerScan, 1)} µs through corax, ${fmt(usPerHand, 1)} µs hand-written: ${fmt(usPerScan - usPerHand, 1)} µs of scanner overhead (budget 100 µs).`,
  ].join('\n'),
);
export default out;
