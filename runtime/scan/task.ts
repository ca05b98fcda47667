import { SCHEDULE, type CallbackTask } from '../../effects/callback.ts';
import type { Operation } from '../../effects/effect.ts';
import type { Logger } from '../log/logger.ts';
import type { Message, MessagePart, MessageUrl } from './message.ts';
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
  options: Set<string> | null;
  /** The symbol that inserted it first (for invariants and logs). */
  by: string;
}

export interface PreResult {
  action: Action;
  message?: string;
  symbol?: string;
}

/** What a task needs from the scan that owns it. */
export interface TaskOwner {
  readonly finished: boolean;
  schedule(body: () => Operation<void>): boolean;
  currentSymbol(): string;
  setPreResult(pre: PreResult): void;
  metricScore(name: string): number;
  readonly logger: Logger;
}

const utf8 = new TextDecoder();

function optionText(option: unknown): string {
  if (typeof option === 'string') return option;
  if (option instanceof Error) return option.message;
  if (option instanceof Uint8Array) return utf8.decode(option);
  if (typeof option === 'object' && option !== null) {
    try {
      return JSON.stringify(option);
    } catch {
      return String(option);
    }
  }
  return String(option);
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
  [SCHEDULE](body: () => Operation<void>): boolean {
    return this.owner.schedule(body);
  }

  /** A logger bound to this task's id. */
  get log(): Logger {
    return (this.logChild ??= this.owner.logger.child({ task: this.id }));
  }

  /**
   * Adds a result. Score = weight × the configured score of `name` (default 1).
   * Inserting the same name again adds options (deduplicated), not score.
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
      const metricScore = this.owner.metricScore(name);
      entry = { name, score: weight * metricScore, metricScore, options: null, by: this.owner.currentSymbol() };
      this.results.set(name, entry);
    }
    for (const option of options) {
      if (option === undefined || option === null) continue;
      (entry.options ??= new Set()).add(optionText(option));
    }
  }

  hasSymbol(name: string): boolean {
    return this.results.has(name);
  }

  getSymbol(name: string): SymbolResult | undefined {
    const entry = this.results.get(name);
    return entry ? toSymbolResult(entry) : undefined;
  }

  /** The sum of the scores inserted so far. */
  getScore(): number {
    let score = 0;
    for (const entry of this.results.values()) score += entry.score;
    return score;
  }

  /** Forces the action; set by a prefilter, it skips every later symbol. */
  setPreResult(action: string, message?: string): void {
    const normalized = action.replace(/_/g, ' ') as Action;
    if (normalized !== 'no action' && !actionNames.includes(normalized as never)) {
      throw new TypeError(`setPreResult: unknown action ${JSON.stringify(action)}; use one of ${[...actionNames, 'no action'].join(', ')}`);
    }
    if (this.owner.finished) return;
    this.preResult = { action: normalized, message, symbol: this.owner.currentSymbol() };
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
    return this.envelope.from || this.message.addresses('from')[0];
  }

  /** The SMTP recipients, else the To and Cc addresses. */
  getRecipients(): string[] {
    if (this.envelope.rcpt?.length) return [...this.envelope.rcpt];
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

  /** URLs in the text and HTML parts, deduplicated. */
  getUrls(): MessageUrl[] {
    return this.message.urls();
  }

  /** The plain text of the message (HTML converted when there is no text part). */
  getText(): string {
    return this.message.text();
  }

  getHtml(): string | undefined {
    return this.message.html();
  }

  /** Attachments and other non-text parts. */
  getParts(): MessagePart[] {
    return this.message.parts();
  }

  /** The message as received. */
  getRaw(): Uint8Array {
    return this.message.raw;
  }

  /** Every result, for the scan result, by name (so the same scan always reads the same). */
  collectResults(descriptions: (name: string) => string | undefined): Record<string, SymbolResult> {
    const out: Record<string, SymbolResult> = {};
    const entries = [...this.results.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
    return new Map([...this.results.values()].map((e) => [e.name, e.by]));
  }
}

function toSymbolResult(entry: ResultEntry): SymbolResult {
  const result: SymbolResult = { name: entry.name, score: entry.score, metricScore: entry.metricScore };
  if (entry.options) result.options = [...entry.options];
  return result;
}
