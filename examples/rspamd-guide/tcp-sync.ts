// Rspamd guide, "Synchronous TCP request" (full example): lua_tcp_sync, an HTTP exchange by hand.
import { defineSymbol, tcp } from 'corax';
import { guide } from './settings.ts';

export const HTTP_TCP_TEST = defineSymbol({
  name: 'HTTP_TCP_TEST',
  score: 1.0,
  // the names it inserts, with their scores (Rspamd's virtual symbols): a name with no score scores 0
  results: { HTTP_SYNC_CONTENT: 1.0, HTTP_SYNC_EOF: 1.0 },
  *callback(task) {
    const [cerr, connection] = yield* tcp.connect({ host: guide.tcpHost, port: guide.tcpPort, timeout: 20_000 });
    task.log.debug({ ok: !cerr }, 'connect_sync');
    if (cerr) {
      task.log.error(`connect error: ${cerr.message}`);
      return;
    }

    const [werr] = yield* connection.write('GET /request_sync HTTP/1.1\r\nConnection: close\r\n\r\n');
    if (werr) {
      task.log.error(`write error: ${werr.message}`);
      return;
    }

    let contentLength: number | undefined;
    for (;;) {
      const [rerr, headerLine] = yield* connection.readUntil('\r\n');
      if (rerr) {
        task.log.error(`failed to get header: ${rerr.message}`);
        return;
      }
      if (headerLine === '') break; // headers done
      const m = /^([\w-]+): (.*)$/.exec(headerLine);
      if (m && m[1].toLowerCase() === 'content-length') contentLength = Number(m[2]);
    }

    if (contentLength !== undefined) {
      const [err, content] = yield* connection.readBytes(contentLength);
      if (!err) task.insertResult('HTTP_SYNC_CONTENT', 1.0, content);
    } else {
      const [err, content] = yield* connection.readUntilEof();
      if (!err) task.insertResult('HTTP_SYNC_EOF', 1.0, content);
    }
  },
});
