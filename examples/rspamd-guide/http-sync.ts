// Rspamd guide, "Synchronous HTTP request" (full example): the same rule with yield*.
import { defineSymbol, http } from 'corax';
import { guide } from './settings.ts';

export const SIMPLE_HTTP = defineSymbol({
  name: 'SIMPLE_HTTP',
  score: 1.0,
  // the names it inserts, with their scores (Rspamd's virtual symbols): a name with no score scores 0
  results: { HTTP_ERROR: 1.0, HTTP_RESPONSE: 1.0 },
  *callback(task) {
    const [err, response] = yield* http.request({
      url: `${guide.httpBase}/abc`,
      method: 'post',
      timeout: 1000,
    });

    task.log.debug({ err, code: response?.code }, 'http.request done');

    if (err) {
      task.log.error(`http error: ${err.message}`);
      task.insertResult('HTTP_ERROR', 1.0, err);
    } else {
      task.insertResult('HTTP_RESPONSE', 1.0, response.content);
    }
  },
});
