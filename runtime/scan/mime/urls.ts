import { getDomain } from 'tldts';

/** A URL found in the message. */
export interface MessageUrl {
  url: string;
  scheme: string;
  /** The host, lowercased, without a trailing dot (an IP address as written in the URL). */
  host: string;
  /** The registrable domain (`evil.example.co.uk` → `example.co.uk`); the host itself for an IP or a name with no public suffix. */
  domain: string;
  path: string;
}

/** Longest URL kept (longer candidates are cut here before parsing). */
const maxUrlLength = 8192;

/** Collects unique URLs up to a limit. */
export class UrlSet {
  readonly list: MessageUrl[] = [];
  private readonly seen = new Set<string>();
  /** Candidates dropped because the limit was reached. */
  dropped = 0;

  constructor(private readonly max: number) {}

  /**
   * A link from markup, cleaned as a browser cleans it (surrounding control
   * characters and spaces dropped, tabs and line breaks inside removed,
   * `//host` taken as http); relative, script and mail links are ignored.
   */
  addLink(link: string): void {
    const cleaned = link.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
    const absolute = cleaned.startsWith('//') ? `http:${cleaned}` : cleaned;
    if (/^(?:https?|ftp):|^www\./i.test(absolute)) this.add(absolute);
  }

  add(candidate: string): void {
    if (this.list.length >= this.max) {
      this.dropped++;
      return;
    }
    const text = trimTrailing(candidate.length > maxUrlLength ? candidate.slice(0, maxUrlLength) : candidate);
    const parsed = parseUrl(text) ?? parseUrl(text.slice(0, text.search(/[|^{}\\\[\]]|$/)));
    if (!parsed) return;
    let host = parsed.hostname.toLowerCase();
    if (!host) return;
    if (host.endsWith('.')) host = host.slice(0, -1);
    if (this.seen.has(parsed.href)) return;
    this.seen.add(parsed.href);
    const bare = host.startsWith('[') ? host.slice(1, -1) : host;
    this.list.push({ url: parsed.href, scheme: parsed.protocol.slice(0, -1), host, domain: getDomain(bare, { allowPrivateDomains: false }) ?? bare, path: parsed.pathname });
  }

  /** Every `scheme://…` and `www.…` run in plain text, one linear pass. */
  scanText(text: string): void {
    const pattern = /(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`“”‘’«»「」]+/gi;
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      if (this.list.length >= this.max) {
        this.dropped++;
        return;
      }
      this.add(m[0]);
    }
  }
}

const trailing = new Set([...'.,;:!?)]}>\'"*', '”', '’', '»', '」', '\u00a0']);

/** Punctuation that ends a sentence, not the URL: a loop, since a regex anchored at the end is quadratic on a run of dots. */
function trimTrailing(text: string): string {
  let end = text.length;
  while (end > 0 && trailing.has(text[end - 1])) end--;
  return end === text.length ? text : text.slice(0, end);
}

function parseUrl(text: string): URL | null {
  if (!text) return null;
  try {
    return new URL(/^www\./i.test(text) ? `http://${text}` : text);
  } catch {
    return null;
  }
}
