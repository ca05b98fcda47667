// Rspamd guide, "Synchronous Redis request" (full example): lua_redis.connect, add_cmd, exec.
import { defineSymbol, redis } from 'corax';

const redisParams = redis.params('redis_test'); // rspamd_parse_redis_server('redis_test')

export const REDIS_TEST = defineSymbol({
  name: 'REDIS_TEST',
  score: 1.0,
  // the names it inserts, with their scores (Rspamd's virtual symbols): a name with no score scores 0
  results: { REDIS_ERROR: 1.0, REDIS_ERROR_2: 1.0, REDIS_ERROR_3: 1.0, REDIS: 1.0 },
  *callback(task) {
    const [cerr, connection] = yield* redis.connect(redisParams);
    task.log.debug({ ok: !cerr }, 'connect');
    if (cerr) {
      task.insertResult('REDIS_ERROR', 1.0, cerr);
      return;
    }

    const luaScript = 'return "hello from lua on redis"';
    const [aerr] = connection.addCmd('EVAL', [luaScript, 0]);
    if (aerr) {
      task.insertResult('REDIS_ERROR_2', 1.0, aerr);
      return;
    }

    const [xerr, data] = yield* connection.exec();
    task.log.debug({ ok: !xerr, data }, 'exec');
    if (xerr) {
      task.insertResult('REDIS_ERROR_3', 1.0, xerr);
      return;
    }

    const [cmdErr, reply] = data[0]; // one [err, reply] per queued command, as Rspamd's ok/reply pairs
    task.insertResult('REDIS', 1.0, cmdErr ?? reply);
  },
});
