import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestInterpreter, faults, runSymbol } from 'corax';
import { SENDER_NO_MX } from '../rules/sender-no-mx.ts';

const message = 'From: someone@nowhere.test\r\nSubject: hello\r\n\r\nhi\r\n';

test('a sender domain without MX scores', async () => {
  const io = createTestInterpreter({ handlers: { 'dns.request': () => { throw faults.nxdomain(); } } });
  const result = await runSymbol(SENDER_NO_MX, { io, task: { message } });
  assert.deepEqual(result.symbols.SENDER_NO_MX?.options, ['nowhere.test']);
  assert.equal(result.score, 2);
});

test('a sender domain with MX does not', async () => {
  const io = createTestInterpreter({ handlers: { 'dns.request': [{ name: 'mx.nowhere.test', priority: 10 }] } });
  const result = await runSymbol(SENDER_NO_MX, { io, task: { message } });
  assert.equal(result.symbols.SENDER_NO_MX, undefined);
});
