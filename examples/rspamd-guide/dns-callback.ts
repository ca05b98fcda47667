// Rspamd guide, "Asynchronous DNS request" (full example): task:get_resolver():resolve_a{...}.
import { defineSymbol, dns } from 'corax';

export const SIMPLE_DNS = defineSymbol({
  name: 'SIMPLE_DNS',
  score: 1.0,
  // the names it inserts, with their scores (Rspamd's virtual symbols): a name with no score scores 0
  results: { DNS_ERROR: 1.0, DNS: 1.0 },
  callback(task) {
    dns.request({
      task,
      type: 'a',
      name: 'rspamd.com',
      callback(err, results) {
        task.log.debug({ results, err }, 'dns callback');
        if (err) task.insertResult('DNS_ERROR', 1.0, err);
        else task.insertResult('DNS', 1.0, String(results![0]));
      },
    });
  },
});
