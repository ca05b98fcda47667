// Rspamd guide, "Synchronous DNS request" (full example): the name comes from the To-Resolve request header.
import { defineSymbol, dns } from 'corax';

export const SIMPLE_DNS_SYNC = defineSymbol({
  name: 'SIMPLE_DNS_SYNC',
  score: 1.0,
  // the names it inserts, with their scores (Rspamd's virtual symbols): a name with no score scores 0
  results: { DNS_SYNC_ERROR: 1.0, DNS_SYNC: 1.0 },
  *callback(task) {
    const toResolve = String(task.getRequestHeader('to-resolve'));
    const [err, results] = yield* dns.request({ type: 'a', name: toResolve });

    task.log.debug({ err, results }, 'dns.request done');

    if (err) task.insertResult('DNS_SYNC_ERROR', 1.0, err);
    else task.insertResult('DNS_SYNC', 1.0, String(results[0]));
  },
});
