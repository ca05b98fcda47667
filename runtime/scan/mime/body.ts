import { decodeBytes, decodeTransfer } from './decode.ts';
import type { HeaderField } from './headers.ts';
import { htmlContent } from './html.ts';
import type { MessageLimits } from './limits.ts';
import { parseStructure, type MimeNode, type MimeStructure, type ParseProblem } from './structure.ts';
import { UrlSet, type MessageUrl } from './urls.ts';

/** A text part as Rspamd rules see it (`task:get_text_parts()`). */
export interface TextPart {
  /** The text: a plain part decoded to a string, an HTML part as a reader sees it. */
  content: string;
  /** The decoded part as written: for HTML, its markup. */
  rawContent: string;
  html: boolean;
  mimeType: string;
  charset: string;
  /** The part's own headers, unfolded, undecoded. */
  headers: HeaderField[];
  lines: number;
  empty: boolean;
}

/** An attachment or other non-text part. */
export interface MessagePart {
  filename: string | null;
  mimeType: string;
  size: number;
  /** The part decoded from its transfer encoding. */
  content: Uint8Array;
  headers: HeaderField[];
}

/**
 * What a parse thread sends back, as plain data: text parts and URLs
 * computed, attachments as byte ranges (decoded here only if a rule asks).
 */
export interface BodySnapshot {
  textParts: TextPart[];
  attachmentNodes: MimeNode[];
  urls: MessageUrl[];
  problems: ParseProblem[];
}

/**
 * The message body, split once, decoded on demand: a part's transfer
 * encoding, charset and HTML are decoded the first time a rule asks for
 * text, HTML, parts or URLs, and kept.
 */
export class MimeBody {
  private textCache: TextPart[] | null = null;
  private attachmentCache: MessagePart[] | null = null;
  private urlCache: MessageUrl[] | null = null;
  private htmlLinks: string[][] = [];
  private attachmentNodes: MimeNode[] | null = null;
  private joinedText: string | null = null;
  private joinedHtml: string | undefined | null = null;

  private constructor(
    private readonly raw: Buffer,
    private readonly structure: MimeStructure | null,
    private readonly limits: MessageLimits,
    readonly problems: ParseProblem[],
  ) {}

  /** The top entity's header fields as the split found them (none when its block was cut at maxHeaderBytes). */
  get topHeaders(): HeaderField[] | undefined {
    const top = this.structure?.nodes[0];
    return top && top.bodyStart <= this.limits.maxHeaderBytes ? top.headers : undefined;
  }

  static parse(raw: Uint8Array, limits: MessageLimits): MimeBody {
    const buffer = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    const structure = parseStructure(buffer, limits);
    return new MimeBody(buffer, structure, limits, structure.problems);
  }

  /** A body the parser could not split: its URLs come from a raw scan. */
  static unsplit(raw: Uint8Array, limits: MessageLimits, problem: ParseProblem): MimeBody {
    const buffer = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    const structure: MimeStructure = { nodes: [], problems: [problem], unparsed: [[0, Math.min(buffer.length, limits.maxBytes)]] };
    return new MimeBody(buffer, structure, limits, structure.problems);
  }

  static fromSnapshot(snapshot: BodySnapshot, raw: Uint8Array, limits: MessageLimits): MimeBody {
    const buffer = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    const body = new MimeBody(buffer, null, limits, snapshot.problems);
    body.textCache = snapshot.textParts;
    body.attachmentNodes = snapshot.attachmentNodes;
    body.urlCache = snapshot.urls;
    return body;
  }

  /** Computes what a parse thread sends back. */
  snapshot(): BodySnapshot {
    const urls = this.urls();
    return { textParts: this.textParts(), attachmentNodes: this.leaves().filter((n) => !isText(n)), urls, problems: this.problems };
  }

  private leaves(): MimeNode[] {
    return this.structure ? this.structure.nodes.filter((n) => !n.multipart) : [];
  }

  textParts(): TextPart[] {
    if (this.textCache) return this.textCache;
    const parts: TextPart[] = [];
    for (const node of this.leaves()) {
      if (!isText(node)) continue;
      const charset = node.contentType.params.charset ?? 'utf-8';
      const decoded = decodeBytes(decodeTransfer(this.raw.subarray(node.bodyStart, node.bodyEnd), node.encoding), charset);
      // lines end in \n for rules, whatever the wire used
      const rawContent = decoded.includes('\r') ? decoded.replace(/\r\n?/g, '\n') : decoded;
      const html = node.contentType.value === 'text/html';
      let content = rawContent;
      if (html) {
        const parsed = htmlContent(rawContent, this.limits.maxUrls);
        content = parsed.text;
        this.htmlLinks.push(parsed.links);
      }
      parts.push({ content, rawContent, html, mimeType: node.contentType.value, charset, headers: node.headers, lines: countLines(content), empty: content.trim() === '' });
    }
    this.textCache = parts;
    return parts;
  }

  attachments(): MessagePart[] {
    if (this.attachmentCache) return this.attachmentCache;
    const parts: MessagePart[] = [];
    for (const node of this.attachmentNodes ?? this.leaves()) {
      if (isText(node)) continue;
      const content = decodeTransfer(this.raw.subarray(node.bodyStart, node.bodyEnd), node.encoding);
      const filename = node.disposition?.params.filename ?? node.contentType.params.name ?? null;
      parts.push({ filename, mimeType: node.contentType.value, size: content.length, content, headers: node.headers });
    }
    this.attachmentCache = parts;
    return parts;
  }

  urls(): MessageUrl[] {
    if (this.urlCache) return this.urlCache;
    const set = new UrlSet(this.limits.maxUrls);
    const parts = this.textParts();
    let html = 0;
    for (const part of parts) {
      if (part.html) for (const link of this.htmlLinks[html++] ?? []) set.addLink(link);
      set.scanText(part.content);
    }
    // text a client shows inline although it is marked as an attachment
    for (const node of this.structure ? this.leaves() : []) {
      if (!isText(node) && (node.contentType.value === 'text/plain' || node.contentType.value === 'text/html')) {
        set.scanText(decodeBytes(decodeTransfer(this.raw.subarray(node.bodyStart, node.bodyEnd), node.encoding), node.contentType.params.charset ?? 'utf-8'));
      }
    }
    // never blind: what the parser did not split is still searched for URLs
    for (const [start, end] of this.structure?.unparsed ?? []) set.scanText(this.raw.toString('latin1', start, end));
    if (set.dropped > 0) this.problems.push({ symbol: 'MIME_LIMIT_EXCEEDED', detail: `urls>${this.limits.maxUrls}` });
    this.urlCache = set.list;
    return set.list;
  }

  /** The plain text parts joined; the HTML parts' text when there is none. Joined once: every rule may ask. */
  text(): string {
    if (this.joinedText !== null) return this.joinedText;
    const parts = this.textParts();
    const plain = parts.filter((p) => !p.html);
    return (this.joinedText = (plain.length ? plain : parts).map((p) => p.content).join('\n'));
  }

  html(): string | undefined {
    if (this.joinedHtml !== null) return this.joinedHtml;
    const html = this.textParts().filter((p) => p.html);
    return (this.joinedHtml = html.length ? html.map((p) => p.rawContent).join('\n') : undefined);
  }
}

function isText(node: MimeNode): boolean {
  const type = node.contentType.value;
  return (type === 'text/plain' || type === 'text/html') && node.disposition?.value !== 'attachment';
}

function countLines(text: string): number {
  if (text === '') return 0;
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}
