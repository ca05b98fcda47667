// Two lookups at once with all(): the sender domain's MX and its SPF record.
import { all, defineSymbol, dns } from 'corax';
import { senderDomain } from './received.ts';

export const SENDER_DOMAIN = defineSymbol({
  name: 'SENDER_DOMAIN',
  description: 'the sender domain cannot receive mail, or its SPF allows anyone',
  group: 'sender',
  mime: false,
  *callback(task) {
    const domain = senderDomain(task);
    if (!domain) return;
    const [[mxErr], [txtErr, txt]] = yield* all([dns.request({ type: 'mx', name: domain }), dns.request({ type: 'txt', name: domain })]);
    if (mxErr?.code === 'NXDOMAIN' && txtErr?.code === 'NXDOMAIN') {
      task.insertResult('SENDER_DOMAIN_MISSING', 1, domain);
      return;
    }
    if (mxErr) task.insertResult('SENDER_NO_MX', 1, domain);
    const spf = txt?.find((t) => t.startsWith('v=spf1'));
    if (spf && /\s\+all\b/.test(spf)) task.insertResult('SENDER_SPF_PASS_ALL', 1, spf);
  },
});
