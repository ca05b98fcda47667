import { parseAddressList, type Address } from './mime/addresses.ts';
import { MimeBody, type MessagePart, type TextPart } from './mime/body.ts';
import { decodeWords, indexHeaders, parseHeaderBlock, type HeaderField } from './mime/headers.ts';
import { defaultLimits, type MessageLimits } from './mime/limits.ts';
import { parseOffThread } from './mime/pool.ts';
import { headerEnd, type ParseProblem } from './mime/structure.ts';
import type { MessageUrl } from './mime/urls.ts';

export type { Address, MessagePart, MessageUrl, ParseProblem, TextPart };


/**
 * The raw message with lazy views: the top header block is split on first
 * use (cheap, synchronous); the body's MIME structure is found at most once,
 * when a symbol that reads it is about to run — on this thread for a small
 * message, on a parse thread for a large one — and each part is decoded when
 * a rule first asks for it.
 */
export class Message {
  private fields: HeaderField[] | null = null;
  private headerIndex: Map<string, string[]> | null = null;
  private body: MimeBody | null = null;
  private bodyParse: Promise<void> | null = null;
  private abortParse: AbortController | null = null;
  private problemsTaken = 0;
  private topEnd: number | undefined;
  private decoded = new Map<string, string[]>();
  private readonly buffer: Buffer;

  constructor(
    readonly raw: Uint8Array,
    private readonly limits: MessageLimits = defaultLimits,
  ) {
    this.buffer = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  }

  get hasBody(): boolean {
    return this.raw.length > 0;
  }

  get bodyParsed(): boolean {
    return this.body !== null || !this.hasBody;
  }

  /**
   * Finds the body's structure once. A small message is split here and now
   * (undefined is returned); a large one on a parse thread (the promise
   * settles when it is done, or when abort() is called).
   */
  parseBody(): Promise<void> | undefined {
    if (this.bodyParsed) return undefined;
    if (this.bodyParse) return this.bodyParse;
    if (this.limits.offThreadBytes === 0 || this.raw.length < this.limits.offThreadBytes) {
      this.body = parseHere(this.raw, this.limits);
      return undefined;
    }
    const abort = (this.abortParse = new AbortController());
    this.bodyParse = parseOffThread(this.raw, this.limits, abort.signal).then(
      (snapshot) => {
        this.body = MimeBody.fromSnapshot(snapshot, this.raw, this.limits);
      },
      (error: Error) => {
        this.body = MimeBody.unsplit(this.raw, this.limits, { symbol: 'MIME_LIMIT_EXCEEDED', detail: abort.signal.aborted ? 'parse cancelled' : `parser failed: ${error.message}` });
      },
    );
    return this.bodyParse;
  }

  /** Ends an off-thread parse in flight (the scan is over). */
  abort(): void {
    this.abortParse?.abort();
  }

  /** Problems the parser met that were not taken yet (each is reported once). */
  takeProblems(): ParseProblem[] {
    const all = this.body?.problems ?? [];
    if (this.problemsTaken >= all.length) return [];
    const fresh = all.slice(this.problemsTaken);
    this.problemsTaken = all.length;
    return fresh;
  }

  /** Where the top header block ends. */
  private headerEnd(): number {
    return (this.topEnd ??= headerEnd(this.buffer, 0, Math.min(this.buffer.length, this.limits.maxHeaderBytes)).blockEnd);
  }

  /** The top-level header fields, in message order. */
  headerFields(): HeaderField[] {
    if (this.fields) return this.fields;
    // the body's split has parsed the same block already, when it has run
    this.fields = this.body?.topHeaders ?? parseHeaderBlock(this.buffer.subarray(0, this.headerEnd()));
    return this.fields;
  }

  private headers(): Map<string, string[]> {
    return (this.headerIndex ??= indexHeaders(this.headerFields()));
  }

  /** Every value of a header, unfolded and RFC 2047-decoded, in message order. */
  header(name: string): string[] {
    const key = name.toLowerCase();
    let values = this.decoded.get(key);
    if (!values) {
      values = (this.headers().get(key) ?? []).map(decodeWords);
      this.decoded.set(key, values);
    }
    return [...values];
  }

  /** Raw (undecoded) values of a header. */
  rawHeader(name: string): string[] {
    return this.headers().get(name.toLowerCase()) ?? [];
  }

  get messageId(): string | undefined {
    // every scan result carries it: find it without indexing every header
    const id = this.headerIndex ? this.rawHeader('message-id')[0] : this.findMessageId();
    if (!id) return undefined;
    const open = id.indexOf('<');
    const close = open === -1 ? -1 : id.indexOf('>', open);
    return (close === -1 ? id : id.slice(open + 1, close)).trim() || undefined;
  }

  private findMessageId(): string | undefined {
    const block = this.buffer.toString('latin1', 0, this.headerEnd());
    const m = /(?:^|\n)message-id:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)/i.exec(block);
    return m ? m[1].replace(/\r?\n[ \t]+/g, ' ').trim() : undefined;
  }

  /** Addresses in an address header (From, To, Cc), at most `message.maxAddresses` per header. */
  addresses(name: string): Address[] {
    const out: Address[] = [];
    for (const value of this.rawHeader(name)) out.push(...parseAddressList(value, this.limits.maxAddresses));
    return out;
  }

  private parsed(api: string): MimeBody {
    if (this.body) return this.body;
    if (!this.hasBody) return (this.body = parseHere(this.raw, this.limits));
    throw new BodyNotParsedError(api);
  }

  text(api = 'getText'): string {
    return this.parsed(api).text();
  }

  html(api = 'getHtml'): string | undefined {
    return this.parsed(api).html();
  }

  textParts(api = 'getTextParts'): TextPart[] {
    return this.parsed(api).textParts();
  }

  parts(api = 'getParts'): MessagePart[] {
    return this.parsed(api).attachments();
  }

  urls(api = 'getUrls'): MessageUrl[] {
    return this.parsed(api).urls();
  }
}

function parseHere(raw: Uint8Array, limits: MessageLimits): MimeBody {
  try {
    return MimeBody.parse(raw, limits);
  } catch (error) {
    return MimeBody.unsplit(raw, limits, { symbol: 'MIME_LIMIT_EXCEEDED', detail: `parser failed: ${(error as Error).message}` });
  }
}

export class BodyNotParsedError extends Error {
  override name = 'BodyNotParsedError';
  constructor(api: string) {
    super(`task.${api}() reads the message body, but this symbol is declared with \`mime: false\`; remove it (or set \`mime: true\`)`);
  }
}
