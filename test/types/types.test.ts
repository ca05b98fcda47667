// Type tests: `npm test` type-checks this file, so each @ts-expect-error must stay an error.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineSymbol, dns, http, all, type HandlerTable, type Operation, type Result, type HttpResponse } from '../../index.ts';

const Types = suite('types');

Types('[err, value] narrows after if (err)', () => {
  defineSymbol({
    name: 'NARROW',
    *callback(task) {
      const [err, res] = yield* http.request({ url: 'http://a/' });
      // @ts-expect-error res may be undefined before the check
      res.content;
      if (err) {
        task.insertResult('E', 1, err.code);
        return;
      }
      const code: number = res.code;
      task.insertResult('OK', 1, code);
    },
  });
  assert.ok(true);
});

Types('dns answers are typed by the record type', () => {
  defineSymbol({
    name: 'DNS_TYPES',
    *callback() {
      const [mxErr, mx] = yield* dns.request({ type: 'mx', name: 'x' });
      if (!mxErr) {
        const p: number = mx[0].priority;
        void p;
      }
      const [aErr, a] = yield* dns.request({ type: 'a', name: 'x' });
      if (!aErr) {
        const s: string = a[0];
        // @ts-expect-error A records are strings
        a[0].priority;
        void s;
      }
    },
  });
  assert.ok(true);
});

Types('all returns each operation own result type, in order', () => {
  defineSymbol({
    name: 'ALL_TYPES',
    *callback() {
      const [[e1, r1], [e2, r2]] = yield* all([http.request({ url: 'a' }), dns.request({ type: 'txt', name: 'x' })]);
      if (!e1 && !e2) {
        const c: number = r1.code;
        const t: string = r2[0];
        void c;
        void t;
      }
    },
  });
  const op: Operation<Result<HttpResponse>> = http.request({ url: 'a' });
  void op;
  assert.ok(true);
});

Types('a handler table that misses an effect type does not compile', () => {
  // @ts-expect-error 'redis.exec' and the rest are missing
  const table: HandlerTable = {
    'http.request': () => ({ code: 200, content: '', headers: {}, body: new Uint8Array() }),
  };
  void table;
  assert.ok(true);
});

Types('a symbol callback is a generator of effects or a plain function: async and non-effect yields do not compile', () => {
  defineSymbol({ name: 'GEN', *callback(task) { const [err] = yield* http.request({ url: 'a' }); if (err) task.insertResult('E'); } });
  defineSymbol({ name: 'PLAIN', callback(task) { http.request({ task, url: 'a', callback() {} }); } });
  // @ts-expect-error corax never waits for a promise: async callbacks are refused
  defineSymbol({ name: 'ASYNC', async callback(task) { task.insertResult('X'); } });
  defineSymbol({
    name: 'YIELDS_NUMBER',
    // @ts-expect-error only effects are yielded, and with yield*
    *callback() {
      yield 42;
    },
  });
  defineSymbol({
    name: 'YIELDS_PROMISE',
    // @ts-expect-error a promise is not an effect
    *callback() {
      yield Promise.resolve(1);
    },
  });
  assert.ok(true);
});

Types('the public operation types carry unknown, not any', () => {
  defineSymbol({
    name: 'RAW_YIELD',
    // @ts-expect-error what a bare yield is resumed with is unknown: it cannot flow into a typed slot unchecked
    *callback() {
      const n: number = yield { type: 'time.now' };
      void n;
    },
  });
  const both = all([http.request({ url: 'a' }), http.request({ url: 'b' })]);
  const r: Operation<[Result<HttpResponse>, Result<HttpResponse>]> = both;
  void r;
  assert.ok(true);
});

Types.run();
