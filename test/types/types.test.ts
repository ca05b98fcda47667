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

Types.run();
