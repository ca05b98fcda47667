// Rspamd guide, "Asynchronous Redis request" (full example): lua_redis.request with a callback.
import { defineSymbol, redis } from 'corax';

const redisParams = redis.params('redis_test'); // rspamd_parse_redis_server('redis_test')

export const SIMPLE_REDIS_ASYNC_TEST = defineSymbol({
  name: 'SIMPLE_REDIS_ASYNC_TEST',
  score: 1.0,
  // the names it inserts, with their scores (Rspamd's virtual symbols): a name with no score scores 0
  results: { REDIS_ASYNC_ERROR: 1.0, REDIS_ASYNC: 1.0 },
  callback(task) {
    redis.request(
      redisParams,
      {
        task,
        callback(err, data) {
          if (err) task.insertResult('REDIS_ASYNC_ERROR', 1.0, err);
          else task.insertResult('REDIS_ASYNC', 1.0, data);
        },
      },
      ['GET', 'test_key'],
    );
  },
});
