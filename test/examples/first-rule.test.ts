// The README's "first rule", tested the three ways the README shows.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { createLiveInterpreter, createTestInterpreter, faults, replay, runSymbol } from '../../index.ts';
import { SENDER_NO_MX } from '../../examples/first-rule.ts';
import { startDnsServer } from '../support/dns-server.ts';
import { silent } from '../support/logger.ts';

const recording = fileURLToPath(new URL('../recordings/first-rule.jsonl', import.meta.url));
const FirstRule = suite('the README first rule');

FirstRule('1. under the test interpreter', async () => {
  const io = createTestInterpreter({ handlers: { 'dns.request': faults.nodata() } });
  const result = await runSymbol(SENDER_NO_MX, { io, task: { from: 'someone@example.test' }, logger: silent });
  assert.equal(result.symbols.SENDER_NO_MX.options, ['example.test']);
  assert.equal(result.trace.map((t) => [t.effect.type, t.error?.code]), [['dns.request', 'NODATA']]);
});

FirstRule('2. replayed from a recording (test/recordings/first-rule.jsonl)', async () => {
  const result = await runSymbol(SENDER_NO_MX, { io: replay({ path: recording }), task: { from: 'someone@nomx.test', queueId: 'first-rule' }, logger: silent });
  assert.equal(result.symbols.SENDER_NO_MX.options, ['nomx.test']);
});

FirstRule('3. live, against a DNS server', async () => {
  const server = await startDnsServer({ 'nomx.test': { records: { A: ['192.0.2.1'] } }, 'example.com': { records: { MX: [{ preference: 10, exchange: 'mx.example.com' }] } } });
  const io = createLiveInterpreter({ symbols: [], dns: { servers: [server.address] } });
  try {
    const flagged = await runSymbol(SENDER_NO_MX, { io, task: { from: 'someone@nomx.test' }, logger: silent });
    assert.equal(flagged.symbols.SENDER_NO_MX.options, ['nomx.test']);
    const fine = await runSymbol(SENDER_NO_MX, { io, task: { from: 'someone@example.com' }, logger: silent });
    assert.equal(fine.symbols, {});
  } finally {
    await io.close();
    await server.close();
  }
});

FirstRule.run();
