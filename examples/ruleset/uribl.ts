// A URL blocklist lookup of every URL host in the message, all at once.
import { all, defineSymbol, dns } from 'corax';
import { zones } from '../settings.ts';

const maxHosts = 20;

/** Blocklists list registered domains: login.phish.test is looked up as phish.test. */
function registered(host: string): string {
  return host.split('.').slice(-2).join('.');
}

export const URIBL_LISTED = defineSymbol({
  name: 'URIBL_LISTED',
  description: `a URL host is listed in ${zones.uribl}`,
  group: 'uribl',
  *callback(task) {
    const hosts = [...new Set(task.getUrls().map((u) => u.host).filter((h) => !/^\d+\.\d+\.\d+\.\d+$/.test(h)).map(registered))].slice(0, maxHosts);
    if (hosts.length === 0) return;
    const answers = yield* all(hosts.map((host) => dns.request({ type: 'a', name: `${host}.${zones.uribl}` })));
    answers.forEach(([err], i) => {
      if (!err) task.insertResult('URIBL_LISTED', 1, hosts[i]);
      else if (err.code !== 'NXDOMAIN') task.insertResult('URIBL_ERROR', 1, `${hosts[i]}: ${err.message}`);
    });
  },
});
