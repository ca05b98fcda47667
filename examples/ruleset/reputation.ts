// A sender-reputation counter with a rate limit: INCR and EXPIRE in one Redis pipeline.
import { defineSymbol, redis } from 'corax';
import { senderDomain } from './received.ts';

const perMinute = 1;

export const SENDER_RATE = defineSymbol({
  name: 'SENDER_RATE',
  description: `more than ${perMinute} message per minute from one sender domain`,
  group: 'reputation',
  mime: false,
  *callback(task) {
    const domain = senderDomain(task);
    if (!domain) return;
    const [, conn] = yield* redis.connect(redis.params());
    conn!.addCmd('INCR', [`rate:${domain}`]);
    conn!.addCmd('EXPIRE', [`rate:${domain}`, 60]);
    const [err, replies] = yield* conn!.exec();
    if (err) {
      task.insertResult('REDIS_UNAVAILABLE', 1, err); // the rest of the scan goes on
      return;
    }
    const [incrErr, count] = replies[0]; // one [err, reply] per queued command
    if (incrErr) {
      task.insertResult('REDIS_UNAVAILABLE', 1, incrErr);
      return;
    }
    if (Number(count) > perMinute) task.insertResult('SENDER_RATELIMIT', 1, `${domain}: ${count}/min`);
  },
});
