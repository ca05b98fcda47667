import { defineSymbol, dns } from 'corax';

/** The sender's domain has no MX record: it cannot receive replies. */
export const SENDER_NO_MX = defineSymbol({
  name: 'SENDER_NO_MX',
  score: 2,
  description: 'sender domain has no MX',
  mime: false,
  *callback(task) {
    const domain = task.getFromAddresses()[0]?.domain;
    if (!domain) return;
    const [err] = yield* dns.request({ type: 'mx', name: domain });
    if (err?.code === 'NXDOMAIN' || err?.code === 'NODATA') task.insertResult('SENDER_NO_MX', 1, domain);
  },
});
