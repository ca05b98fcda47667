/** `host:port` as corax reads it everywhere (config, Redis servers, DNS servers, --bind). Pure. */

export interface HostPort {
  host: string;
  port: number;
}

/**
 * `host`, `host:port`, `1.2.3.4:53`, `::1`, `[::1]`, `[::1]:6379`. A bare IPv6
 * address (more than one colon, no brackets) has no port. Returns null for
 * an empty host or a port outside 1–65535 (0 is allowed: pick a free port).
 */
export function parseHostPort(value: string, defaultPort: number): HostPort | null {
  const text = value.trim();
  let host: string;
  let port: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return null;
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return null;
    port = rest === '' ? undefined : rest.slice(1);
  } else {
    const first = text.indexOf(':');
    if (first >= 0 && first === text.lastIndexOf(':')) {
      host = text.slice(0, first);
      port = text.slice(first + 1);
    } else {
      host = text;
    }
  }
  if (host === '' || /\s/.test(host)) return null;
  if (port === undefined) return { host, port: defaultPort };
  if (!/^\d{1,5}$/.test(port)) return null;
  const n = Number(port);
  if (n > 65535) return null;
  return { host, port: n };
}

/** `host:port` for a URL or a log line: IPv6 hosts in brackets. */
export function formatHostPort({ host, port }: HostPort): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
