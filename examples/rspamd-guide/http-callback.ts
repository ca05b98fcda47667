// Rspamd guide, "Asynchronous HTTP request" (full example), callback style.
import { defineSymbol, http } from 'corax';
import { guide } from './settings.ts';

export const SIMPLE_HTTP = defineSymbol({
  name: 'SIMPLE_HTTP',
  score: 1.0,
  // the names it inserts, with their scores (Rspamd's virtual symbols): a name with no score scores 0
  results: { HTTP_ERROR: 1.0, HTTP_RESPONSE: 1.0 },
  callback(task) {
    http.request({
      url: `${guide.httpBase}/abc`,
      task,
      callback(err, response) {
        if (err) {
          task.log.error(`http_callback error: ${err.message}`);
          task.insertResult('HTTP_ERROR', 1.0, err);
        } else {
          task.insertResult('HTTP_RESPONSE', 1.0, response!.content);
        }
      },
    });
  },
});
