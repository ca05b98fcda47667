// A DNSBL lookup of the sending IP: reversed octets under the blocklist zone.
import { defineSymbol, dns } from 'corax';
import { zones } from '../settings.ts';
import { sendingIp } from './received.ts';

export const RBL_SENDER_IP = defineSymbol({
  name: 'RBL_SENDER_IP',
  description: `sending IP listed in ${zones.dnsbl}`,
  group: 'rbl',
  mime: false,
  *callback(task) {
    const ip = sendingIp(task);
    if (!ip || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return;
    const [err, codes] = yield* dns.request({ type: 'a', name: `${ip.split('.').reverse().join('.')}.${zones.dnsbl}` });
    if (err) {
      if (err.code !== 'NXDOMAIN') task.insertResult('RBL_ERROR', 1, `${zones.dnsbl}: ${err.message}`);
      return;
    }
    task.insertResult('RBL_SENDER_IP', 1, `${ip}:${codes[0]}`);
  },
});
