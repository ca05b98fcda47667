import PostalMime, { addressParser, decodeWords, type Email } from 'postal-mime';

/** A URL found in the message body. */
export interface MessageUrl {
  url: string;
  scheme: string;
  host: string;
  path: string;
}

/** A MIME part as rules see it. */
export interface MessagePart {
  filename: string | null;
  mimeType: string;
  size: number;
  content: Uint8Array;
}

const utf8 = new TextDecoder('utf-8');

/**
 * The raw message with lazy views: the header block is split on first use
 * (cheap, synchronous); the body is parsed with postal-mime at most once,
 * and only when a symbol that reads it is about to run.
 */
export class Message {
  private headerIndex: Map<string, string[]> | null = null;
  private bodyParse: Promise<void> | null = null;
  private email: Email | null = null;
  private urlList: MessageUrl[] | null = null;
  private textCache: string | null = null;

  constructor(readonly raw: Uint8Array) {}

  get hasBody(): boolean {
    return this.raw.length > 0;
  }

  get bodyParsed(): boolean {
    return this.email !== null || !this.hasBody;
  }

  /** Parses the body once; later calls share the first parse. */
  parseBody(): Promise<void> {
    if (this.bodyParse) return this.bodyParse;
    this.bodyParse = this.hasBody
      ? PostalMime.parse(this.raw, { attachmentEncoding: 'arraybuffer' }).then(
          (email) => {
            this.email = email;
          },
          () => {
            // unparseable MIME: rules see no text rather than a failed scan
            this.email = { headers: [], attachments: [] } as unknown as Email;
          },
        )
      : Promise.resolve();
    return this.bodyParse;
  }

  /** Where the header block ends (the byte after its last line break). */
  private headerEnd(): number {
    const raw = this.raw;
    for (let i = 0; i < raw.length - 1; i++) {
      if (raw[i] === 0x0a && (raw[i + 1] === 0x0a || (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a))) return i + 1;
    }
    return raw.length;
  }

  private headers(): Map<string, string[]> {
    if (this.headerIndex) return this.headerIndex;
    const index = new Map<string, string[]>();
    const block = utf8.decode(this.raw.subarray(0, this.headerEnd()));
    let name = '';
    let value = '';
    const flush = (): void => {
      if (!name) return;
      const key = name.toLowerCase();
      const list = index.get(key);
      if (list) list.push(value);
      else index.set(key, [value]);
    };
    for (const line of block.split(/\r?\n/)) {
      if (line === '') continue;
      if ((line[0] === ' ' || line[0] === '\t') && name) {
        value += ` ${line.trim()}`;
        continue;
      }
      flush();
      const colon = line.indexOf(':');
      if (colon <= 0) {
        name = '';
        continue;
      }
      name = line.slice(0, colon).trim();
      value = line.slice(colon + 1).trim();
    }
    flush();
    this.headerIndex = index;
    return index;
  }

  /** Every value of a header, unfolded and RFC 2047-decoded, in message order. */
  header(name: string): string[] {
    const values = this.headers().get(name.toLowerCase());
    return values ? values.map(decodeHeader) : [];
  }

  /** Raw (undecoded) values of a header. */
  rawHeader(name: string): string[] {
    return this.headers().get(name.toLowerCase()) ?? [];
  }

  get messageId(): string | undefined {
    // every scan result carries it: find it without indexing every header
    const id = this.headerIndex ? this.rawHeader('message-id')[0] : this.findMessageId();
    if (!id) return undefined;
    const m = /<([^>]*)>/.exec(id);
    return (m ? m[1] : id).trim() || undefined;
  }

  private findMessageId(): string | undefined {
    const block = Buffer.from(this.raw.buffer, this.raw.byteOffset, this.headerEnd()).toString('latin1');
    const m = /(?:^|\n)message-id:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)/i.exec(block);
    return m ? m[1].replace(/\r?\n[ \t]+/g, ' ').trim() : undefined;
  }

  /** Addresses in an address header (From, To, Cc). */
  addresses(name: string): string[] {
    const out: string[] = [];
    for (const value of this.rawHeader(name)) {
      for (const entry of addressParser(value)) {
        if ('address' in entry && entry.address) out.push(entry.address);
        if ('group' in entry && Array.isArray(entry.group)) for (const m of entry.group) if (m.address) out.push(m.address);
      }
    }
    return out;
  }

  private parsed(api: string): Email {
    if (this.email) return this.email;
    if (!this.hasBody) return { headers: [], attachments: [] } as unknown as Email;
    throw new BodyNotParsedError(api);
  }

  text(api = 'getText'): string {
    if (this.textCache !== null) return this.textCache;
    const email = this.parsed(api);
    this.textCache = email.text ?? (email.html ? htmlToText(email.html) : '');
    return this.textCache;
  }

  html(api = 'getHtml'): string | undefined {
    return this.parsed(api).html;
  }

  parts(api = 'getParts'): MessagePart[] {
    return this.parsed(api).attachments.map((a) => {
      const content = typeof a.content === 'string' ? new TextEncoder().encode(a.content) : new Uint8Array(a.content);
      return { filename: a.filename, mimeType: a.mimeType, size: content.length, content };
    });
  }

  urls(api = 'getUrls'): MessageUrl[] {
    if (this.urlList) return this.urlList;
    const email = this.parsed(api);
    const seen = new Set<string>();
    const list: MessageUrl[] = [];
    const add = (candidate: string): void => {
      const cleaned = candidate.replace(/&amp;/g, '&').replace(/[.,;:!?)\]}>'"]+$/, '');
      let parsed: URL;
      try {
        parsed = new URL(/^www\./i.test(cleaned) ? `http://${cleaned}` : cleaned);
      } catch {
        return;
      }
      if (!parsed.hostname || seen.has(parsed.href)) return;
      seen.add(parsed.href);
      list.push({ url: parsed.href, scheme: parsed.protocol.slice(0, -1), host: parsed.hostname.toLowerCase(), path: parsed.pathname });
    };
    const scan = (text: string | undefined): void => {
      if (!text) return;
      for (const m of text.matchAll(/\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`]+/gi)) add(m[0]);
    };
    scan(email.text);
    if (email.html) {
      for (const m of email.html.matchAll(/\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)) add(m[1] ?? m[2] ?? m[3]);
      scan(htmlToText(email.html));
    }
    this.urlList = list;
    return list;
  }
}

export class BodyNotParsedError extends Error {
  override name = 'BodyNotParsedError';
  constructor(api: string) {
    super(`task.${api}() reads the message body, but this symbol is declared with \`mime: false\`; remove it (or set \`mime: true\`)`);
  }
}

function decodeHeader(value: string): string {
  return value.includes('=?') ? decodeWords(value) : value;
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/p>|<\/div>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ')
    .trim();
}
