// Rspamd guide, "Asynchronous TCP request" (full example): rspamd_tcp.request with a callback.
import { defineSymbol, tcp } from 'corax';
import { guide } from './settings.ts';

export const SIMPLE_TCP_ASYNC_TEST = defineSymbol({
  name: 'SIMPLE_TCP_ASYNC_TEST',
  score: 1.0,
  // the names it inserts, with their scores (Rspamd's virtual symbols): a name with no score scores 0
  results: { HTTP_ASYNC_RESPONSE: 1.0 },
  callback(task) {
    task.log.debug('http_tcp_symbol: begin');
    tcp.request({
      task,
      host: guide.tcpHost,
      port: guide.tcpPort,
      data: ['GET /request HTTP/1.1\r\nConnection: keep-alive\r\n\r\n'],
      read: true,
      callback(err, data, conn) {
        task.log.debug({ data, err: err?.message, conn: conn?.id }, 'http_read_cb: got reply');
        task.insertResult('HTTP_ASYNC_RESPONSE', 1.0, data ?? err);
        // to send another request on the same connection:
        // conn.addWrite(httpReadPostCb, 'POST /request2 HTTP/1.1\r\n\r\n');
      },
    });
  },
});
