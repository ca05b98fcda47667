import { SCHEDULE, type CallbackTask } from '../../effects/callback.ts';
import type { Effect, Operation } from '../../effects/effect.ts';
import type { Logger } from '../log/logger.ts';
import type { Address, Message, MessagePart, MessageUrl, TextPart } from './message.ts';
import { toAddress } from './mime/addresses.ts';
import { actionNames, type Action } from '../config/config.ts';

/** The envelope and request headers of a scan (Rspamd's scan-request headers). */
export interface Envelope {
  from?: string;
  rcpt?: string[];
  ip?: string;
  helo?: string;
  hostname?: string;
  user?: string;
  queueId?: string;
  /** Any other request header; `task.getRequestHeader(name)` reads them. */
  headers?: Record<string, string | string[]>;
}

/** Where addresses come from: the SMTP envelope, the message's headers, or the envelope when it has them (Rspamd's `smtp`, `mime`, `any`). */
export type AddressSource = 'smtp' | 'mime' | 'any';

export interface SymbolResult {
  name: string;
  score: number;
  /** The configured score of one unit of this result. */
  metricScore: number;
  description?: string;
  options?: string[];
}

interface ResultEntry {
  name: string;
  score: number;
  metricScore: number;
  /** Inserts so far. */
  shots: number;
  maxShots: number;
  /** Deduplicated, in insertion order (an array: results have a few options, at most 100). */
  options: string[] | null;
  /** Bytes of options so far (Rspamd caps them at 4096 per result). */
  optionBytes: number;
  /** The symbol that inserted it first (for invariants and logs). */
  by: string;
}

export interface PreResult {
  action: Action;
  message?: string;
  /** Who set it (Rspamd's `module`); the symbol's name by default. */
  module?: string;
  symbol?: string;
}

/** What a task needs from the scan that owns it. */
export interface TaskOwner {
  readonly finished: boolean;
  schedule(body: () => Operation<void>, admit?: Effect): boolean;
  currentSymbol(): string;
  setPreResult(pre: PreResult): void;
  /** The configured score and nshots of a result name; undefined when it has none (it scores 0). */
  resultConfig(name: string): { readonly score: number; readonly nshots: number } | undefined;
  /** The action the current score (or a pre-result) gives. */
  actionFor(score: number): Action;
  readonly requiredScore: number;
  readonly logger: Logger;
}

/** Rspamd's limits on a result's options: at most this many, and this many bytes in all. */
const maxOptions = 100;
const maxOptionBytes = 4096;

const utf8 = new TextDecoder();

function optionText(option: unknown): string {
  if (typeof option === 'string') return printable(option);
  if (option instanceof Error) return printable(option.message);
  if (option instanceof Uint8Array) return printable(utf8.decode(option));
  if (typeof option === 'object' && option !== null) {
    try {
      return JSON.stringify(option);
    } catch {
      return String(option);
    }
  }
  return String(option);
}

/** Control characters in an option become U+FFFD, as Rspamd stores them. */
function printable(text: string): string {
  // a scan of the characters first: almost every option has none, and a regular expression costs more per call
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
  }
  return text;
}

/**
 * One message being scanned, as a rule sees it. Accessors are synchronous and
 * do no I/O; the MIME body is parsed lazily, once.
 */
export class Task implements CallbackTask {
  private readonly results = new Map<string, ResultEntry>();
  private requestHeaders: Map<string, string[]> | null = null;
  private logChild: Logger | null = null;
  preResult: PreResult | null = null;

  constructor(
    readonly id: string,
    private readonly message: Message,
    private readonly envelope: Envelope,
    private readonly owner: TaskOwner,
  ) {}

  /** Callback-style API hook: work started on behalf of the running symbol. */
  [SCHEDULE](body: () => Operation<void>, admit?: Effect): boolean {
    return this.owner.schedule(body, admit);
  }

  /** A logger bound to this task's id. */
  get log(): Logger {
    return (this.logChild ??= this.owner.logger.child({ task: this.id }));
  }

  /**
   * Adds a result, as Rspamd's `insert_result`: its score is weight × the
   * configured score of `name` (0 when it has none). Inserting the same name
   * again adds its score again, up to its `nshots` (default 100); past that
   * (or for a one-shot name) only a larger score of the same sign replaces
   * it. Options are deduplicated, at most 100 and 4096 bytes per result.
   * Errors become their message.
   */
  insertResult(name: string, weight: number | string = 1, ...options: unknown[]): void {
    if (this.owner.finished) {
      this.log.debug({ result: name }, 'result after the task ended ignored');
      return;
    }
    if (typeof name !== 'string' || name === '') throw new TypeError('insertResult: `name` must be a non-empty string');
    if (typeof weight !== 'number') {
      options.unshift(weight);
      weight = 1;
    }
    if (!Number.isFinite(weight)) throw new TypeError(`insertResult(${name}): weight must be a finite number`);
    let entry = this.results.get(name);
    if (!entry) {
      const configured = this.owner.resultConfig(name);
      const metricScore = configured?.score ?? 0;
      entry = { name, score: weight * metricScore, metricScore, shots: 1, maxShots: configured?.nshots ?? 100, options: null, optionBytes: 0, by: this.owner.currentSymbol() };
      this.results.set(name, entry);
    } else {
      const score = weight * entry.metricScore;
      if (entry.shots < entry.maxShots) entry.score += score;
      else if (Math.abs(entry.score) < Math.abs(score) && Math.sign(entry.score) === Math.sign(score)) entry.score = score;
      entry.shots++;
    }
    for (const option of options) {
      if (option === undefined || option === null) continue;
      addOption(entry, optionText(option));
    }
  }

  /**
   * Sets a result's score to `score` (Rspamd's `adjust_result`: an absolute
   * score, not a weight) and adds options. Throws for a name not inserted.
   */
  adjustResult(name: string, score: number, ...options: unknown[]): void {
    const entry = this.results.get(name);
    if (!entry) throw new Error(`symbol not found: ${name}`);
    if (!Number.isFinite(score)) throw new TypeError(`adjustResult(${name}): score must be a finite number`);
    if (this.owner.finished) return;
    entry.score = score;
    for (const option of options) if (option !== undefined && option !== null) addOption(entry, optionText(option));
  }

  /** Removes a result (Rspamd's `remove_result`); false when there was none. */
  removeResult(name: string): boolean {
    if (this.owner.finished) return false;
    return this.results.delete(name);
  }

  hasSymbol(name: string): boolean {
    return this.results.has(name);
  }

  getSymbol(name: string): SymbolResult | undefined {
    const entry = this.results.get(name);
    return entry ? toSymbolResult(entry) : undefined;
  }

  /** Every result so far, by name (Rspamd's `get_symbols` gives the same names and scores as two arrays). */
  getSymbols(): SymbolResult[] {
    return [...this.results.values()].sort(byName).map(toSymbolResult);
  }

  /** The sum of the scores inserted so far. */
  getScore(): number {
    let score = 0;
    for (const entry of this.results.values()) score += entry.score;
    return score;
  }

  /** The action the score so far gives, or the pre-result's (Rspamd's `get_metric_action`). */
  getAction(): Action {
    return this.preResult ? this.preResult.action : this.owner.actionFor(this.getScore());
  }

  /** `[score, required score]`, as Rspamd's `get_metric_score`. */
  getMetricScore(): [number, number] {
    return [this.getScore(), this.owner.requiredScore];
  }

  /**
   * Forces the action (Rspamd's `set_pre_result`): `setPreResult(action,
   * message?, module?)` or `setPreResult({ action, message, module })`.
   * `accept` means no action; `soft_reject` spellings are accepted. Set by a
   * prefilter, it skips every later symbol.
   */
  setPreResult(action: string | { action: string; message?: string; module?: string }, message?: string, module?: string): void {
    const spec = typeof action === 'object' && action !== null ? action : { action, message, module };
    const raw = String(spec.action).replace(/_/g, ' ');
    const normalized = (raw === 'accept' ? 'no action' : raw) as Action;
    if (normalized !== 'no action' && !actionNames.includes(normalized as never)) {
      throw new TypeError(`unknown action ${spec.action}; use one of ${[...actionNames, 'no action', 'accept'].join(', ')}`);
    }
    if (this.owner.finished) return;
    const symbol = this.owner.currentSymbol();
    this.preResult = { action: normalized, message: spec.message, module: spec.module ?? symbol, symbol };
    this.owner.setPreResult(this.preResult);
  }

  getRequestHeader(name: string): string | undefined {
    const lower = name.toLowerCase();
    const direct = this.envelope.headers?.[lower];
    if (direct !== undefined) return Array.isArray(direct) ? direct[0] : direct;
    if (!this.requestHeaders) {
      this.requestHeaders = new Map();
      for (const [key, value] of Object.entries(this.envelope.headers ?? {})) {
        const list = this.requestHeaders.get(key.toLowerCase()) ?? [];
        list.push(...(Array.isArray(value) ? value : [value]));
        this.requestHeaders.set(key.toLowerCase(), list);
      }
    }
    return this.requestHeaders.get(lower)?.[0];
  }

  /** The SMTP sender, else the From header's address. */
  getFrom(): string | undefined {
    return this.envelope.from || this.message.addresses('from')[0]?.addr;
  }

  /** The SMTP recipients, else the To and Cc addresses. */
  getRecipients(): string[] {
    if (this.envelope.rcpt?.length) return [...this.envelope.rcpt];
    return [...this.message.addresses('to'), ...this.message.addresses('cc')].map((a) => a.addr);
  }

  /**
   * The sender as Rspamd's `task:get_from(source)` gives it: `{ addr, user,
   * domain, name, raw }`, from the envelope (`smtp`), the From header
   * (`mime`), or the envelope when it has one (`any`, the default).
   */
  getFromAddresses(source: AddressSource = 'any'): Address[] {
    const smtp = this.envelope.from ? [toAddress(this.envelope.from)] : [];
    if (source === 'smtp' || (source === 'any' && smtp.length)) return smtp;
    return this.message.addresses('from');
  }

  /** The recipients as Rspamd's `task:get_recipients(source)` gives them: envelope, To and Cc, or the envelope when it has them. */
  getRecipientAddresses(source: AddressSource = 'any'): Address[] {
    const smtp = (this.envelope.rcpt ?? []).map((r) => toAddress(r));
    if (source === 'smtp' || (source === 'any' && smtp.length)) return smtp;
    return [...this.message.addresses('to'), ...this.message.addresses('cc')];
  }

  getIp(): string | undefined {
    return this.envelope.ip;
  }

  getHelo(): string | undefined {
    return this.envelope.helo;
  }

  getHostname(): string | undefined {
    return this.envelope.hostname;
  }

  getUser(): string | undefined {
    return this.envelope.user;
  }

  getQueueId(): string | undefined {
    return this.envelope.queueId;
  }

  /** The first value of a message header, unfolded and decoded. */
  getHeader(name: string): string | undefined {
    return this.message.header(name)[0];
  }

  /** Every value of a message header. */
  getHeaders(name: string): string[] {
    return this.message.header(name);
  }

  getSubject(): string | undefined {
    return this.getHeader('subject');
  }

  /** The Message-ID without angle brackets. */
  getMessageId(): string | undefined {
    return this.message.messageId;
  }

  /** URLs in the text and HTML parts (and, past a parse limit, in the rest of the raw body), deduplicated. */
  getUrls(): MessageUrl[] {
    const urls = this.message.urls();
    this.noteParseProblems();
    return urls;
  }

  /** The plain text of the message (HTML converted when there is no text part). */
  getText(): string {
    return this.message.text();
  }

  getHtml(): string | undefined {
    return this.message.html();
  }

  /** The text and HTML parts, decoded, with their headers (Rspamd's `task:get_text_parts()`). */
  getTextParts(): TextPart[] {
    return this.message.textParts();
  }

  /** Attachments and other non-text parts. */
  getParts(): MessagePart[] {
    return this.message.parts();
  }

  /**
   * Inserts a result for each problem the parser met (a limit reached, a
   * broken header or content type), with the detail as its option, so rules
   * and scores can tell a message that could not be read in full.
   */
  noteParseProblems(): void {
    for (const problem of this.message.takeProblems()) this.insertResult(problem.symbol, 1, problem.detail);
  }

  /** The message as received. */
  getRaw(): Uint8Array {
    return this.message.raw;
  }

  /** Every result, for the scan result, by name (so the same scan always reads the same). */
  collectResults(descriptions: (name: string) => string | undefined): Record<string, SymbolResult> {
    const out: Record<string, SymbolResult> = {};
    const entries = [...this.results.values()].sort(byName);
    for (const entry of entries) {
      const result = toSymbolResult(entry);
      const description = descriptions(entry.name);
      if (description !== undefined) result.description = description;
      out[entry.name] = result;
    }
    return out;
  }

  /** Which symbol inserted each result (for invariant checks). */
  resultOrigins(): Map<string, string> {
    const out = new Map<string, string>();
    for (const e of this.results.values()) out.set(e.name, e.by);
    return out;
  }
}

function byName(a: ResultEntry, b: ResultEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Adds an option within Rspamd's limits; past 4096 bytes one `...` marks what was dropped. */
function addOption(entry: ResultEntry, text: string): void {
  const options = (entry.options ??= []);
  if (options.length >= maxOptions || options.includes(text) || options.includes('...')) return;
  const bytes = Buffer.byteLength(text);
  if (entry.optionBytes + bytes > maxOptionBytes) {
    options.push('...');
    return;
  }
  entry.optionBytes += bytes;
  options.push(text);
}

function toSymbolResult(entry: ResultEntry): SymbolResult {
  const result: SymbolResult = { name: entry.name, score: entry.score, metricScore: entry.metricScore };
  if (entry.options) result.options = entry.options.slice();
  return result;
}
