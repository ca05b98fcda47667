/** Address parsing shared by the DNS effect (PTR names) and the SSRF guard. Pure. */

export function parseIPv4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** Eight 16-bit groups, or null. Accepts `::` and a trailing dotted quad; drops a `%zone`. */
export function parseIPv6(input: string): number[] | null {
  let s = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(':')) return null;
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    // a trailing dotted quad stands for the last two groups
    const v4 = parseIPv4(last);
    if (!v4) return null;
    s = `${s.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string): number[] | null => {
    if (h === '') return [];
    const groups: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      groups.push(parseInt(g, 16));
    }
    return groups;
  };
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if (!head || !rest) return null;
  const total = head.length + rest.length;
  if (halves.length === 1) return total === 8 ? head : null;
  if (total > 7) return null;
  return [...head, ...new Array<number>(8 - total).fill(0), ...rest];
}

export function ipVersion(s: string): 0 | 4 | 6 {
  if (parseIPv4(s)) return 4;
  if (parseIPv6(s)) return 6;
  return 0;
}

/** `1.2.3.4` → `4.3.2.1.in-addr.arpa`; IPv6 → nibbles under `ip6.arpa`; anything else unchanged. */
export function reverseName(ip: string): string {
  const v4 = parseIPv4(ip);
  if (v4) return `${v4[3]}.${v4[2]}.${v4[1]}.${v4[0]}.in-addr.arpa`;
  const v6 = parseIPv6(ip);
  if (v6) {
    const nibbles: string[] = [];
    for (let i = 7; i >= 0; i--) {
      const g = v6[i];
      nibbles.push((g & 0xf).toString(16), ((g >> 4) & 0xf).toString(16), ((g >> 8) & 0xf).toString(16), ((g >> 12) & 0xf).toString(16));
    }
    return `${nibbles.join('.')}.ip6.arpa`;
  }
  return ip;
}

/**
 * True for addresses a rule must not reach when `forbidLocal` is set:
 * unspecified, loopback, private (RFC 1918, ULA), link-local, CGNAT,
 * and IPv4 addresses mapped or translated into IPv6.
 */
export function isLocalAddress(ip: string): boolean {
  const v4 = parseIPv4(ip);
  if (v4) return isLocalV4(v4);
  const v6 = parseIPv6(ip);
  if (!v6) return false;
  if (v6.every((g) => g === 0)) return true; // ::
  if (v6.slice(0, 7).every((g) => g === 0) && v6[7] === 1) return true; // ::1
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), 64:ff9b::a.b.c.d (NAT64)
  const embedded = [v6[6] >> 8, v6[6] & 0xff, v6[7] >> 8, v6[7] & 0xff];
  if (v6.slice(0, 5).every((g) => g === 0) && (v6[5] === 0xffff || v6[5] === 0)) return isLocalV4(embedded);
  if (v6[0] === 0x64 && v6[1] === 0xff9b && v6.slice(2, 6).every((g) => g === 0)) return isLocalV4(embedded);
  if ((v6[0] & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((v6[0] & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((v6[0] & 0xffc0) === 0xfec0) return true; // fec0::/10 site-local (deprecated)
  if ((v6[0] & 0xff00) === 0xff00) return true; // multicast
  return false;
}

function isLocalV4([a, b]: number[]): boolean {
  return (
    a === 0 || // 0.0.0.0/8
    a === 127 || // loopback
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) || // link-local
    (a === 100 && b >= 64 && b <= 127) || // CGNAT
    a >= 224 // multicast, reserved, broadcast
  );
}
