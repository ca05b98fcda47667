import { defineSymbol, dns } from 'corax';

export const SENDER_NO_MX = defineSymbol({
  name: 'SENDER_NO_MX',
  score: 2.0,
  mime: false,
  *callback(task) {
    const domain = task.getFrom()?.split('@')[1];
    if (!domain) return;
    const [err] = yield* dns.request({ type: 'mx', name: domain });
    if (err?.code === 'NXDOMAIN' || err?.code === 'NODATA') task.insertResult('SENDER_NO_MX', 1.0, domain);
  },
});
