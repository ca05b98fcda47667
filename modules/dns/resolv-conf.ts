import { readFileSync } from 'node:fs';
import { ipVersion } from '../../effects/ip.ts';
import { parseHostPort } from '../../effects/host-port.ts';

/** The nameservers of /etc/resolv.conf (port 53), or 127.0.0.1 when there are none. */
export function systemNameservers(path = '/etc/resolv.conf'): string[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return ['127.0.0.1'];
  }
  const servers: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) servers.push(m[1].replace(/%.*$/, ''));
  }
  return servers.length ? servers : ['127.0.0.1'];
}

export interface NameServer {
  host: string;
  port: number;
  family: 4 | 6;
}

/** `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]:5353`. */
export function parseNameServer(text: string): NameServer {
  const parsed = parseHostPort(text, 53);
  if (!parsed) throw new TypeError(`not a name server address: ${JSON.stringify(text)}`);
  const { host, port } = parsed;
  return { host, port, family: ipVersion(host) === 6 ? 6 : 4 };
}
