import { readFileSync } from 'node:fs';

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
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) return { host: bracket[1], port: bracket[2] ? Number(bracket[2]) : 53, family: 6 };
  if (text.includes(':') && text.indexOf(':') !== text.lastIndexOf(':')) return { host: text, port: 53, family: 6 };
  const [host, port] = text.split(':');
  return { host, port: port ? Number(port) : 53, family: 4 };
}
