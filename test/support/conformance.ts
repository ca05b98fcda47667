/**
 * One conformance suite for every interpreter (STYLE: hono's runTest): the
 * guide's rules must give the same results under the test interpreter,
 * live against local servers, and replayed from a recording.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createScanner, type ConfigInput, type Interpreter } from '../../index.ts';
import { callbackStyle, syncStyle } from '../../examples/rspamd-guide/index.ts';
import { guideExpected, guideTask, optionsOf } from './guide.ts';
import { silent } from './logger.ts';

export interface ConformanceTarget {
  io: Interpreter;
  config?: Omit<ConfigInput, 'symbols'>;
  teardown?(): Promise<void>;
}

export function guideConformance(name: string, setup: () => Promise<ConformanceTarget>): void {
  const s = suite(`conformance: Rspamd guide examples, ${name}`);
  let target: ConformanceTarget;
  s.before(async () => {
    target = await setup();
  });
  s.after(async () => {
    await target.teardown?.();
  });

  for (const [style, symbols] of [
    ['callback', callbackStyle],
    ['sync', syncStyle],
  ] as const) {
    s(`the ${style}-style rules give the guide's results`, async () => {
      const scanner = createScanner({ ...target.config, symbols }, { io: target.io, logger: silent });
      const { message, ...envelope } = guideTask;
      const result = await scanner.scan(message, { ...envelope, queueId: `guide-${style}` });
      assert.equal(optionsOf(result), guideExpected[style]);
      assert.is(result.score, Object.keys(guideExpected[style]).length);
      assert.is(result.action, 'greylist');
    });
  }
  s.run();
}
