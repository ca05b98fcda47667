import type { Transform } from 'node:stream';
import { gzipSync, createGunzip, createInflate, createBrotliDecompress } from 'node:zlib';
import { Agent, type Dispatcher } from 'undici';
import { SUSPEND, type Handler, type Suspension } from '../effects/handler.ts';
import type { LiveContext, LiveModule } from '../effects/family.ts';
import type { HttpResponse, HttpSettings } from '../effects/http.ts';
import {
  ArgumentError,
  CanceledError,
  ConnectionRefusedError,
  ConnectionResetError,
  CoraxError,
  EndOfStreamError,
  ForbiddenError,
  HostNotFoundError,
  TimeoutError,
  TooBigError,
} from '../effects/errors.ts';
import { isLocalAddress } from '../effects/ip.ts';
import { isTlsFailure, tlsError } from '../effects/tcp-stream.ts';
import type { DnsModule } from './dns/index.ts';

export interface HttpModule extends LiveModule<'http.request'> {
  readonly handlers: { 'http.request': Handler<'http.request'> };
  close(): Promise<void>;
}

const decoder = new TextDecoder();

function joinHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

interface Target {
  origin: string;
  path: string;
  hostname: string;
  protocol: string;
  username: string;
  password: string;
}

/** Rules call the same few URLs over and over: parse each once (bounded). */
const targets = new Map<string, Target | null>();

function target(url: string): Target | null {
  let t = targets.get(url);
  if (t !== undefined) return t;
  try {
    const u = new URL(url);
    t = { origin: u.origin, path: `${u.pathname}${u.search}`, hostname: u.hostname, protocol: u.protocol, username: u.username, password: u.password };
  } catch {
    t = null;
  }
  if (targets.size >= 1000) targets.delete(targets.keys().next().value as string);
  targets.set(url, t);
  return t;
}

function causeCode(error: unknown): string | undefined {
  let e = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && !e.code.startsWith('UND_ERR_')) return e.code;
    e = e.cause as typeof e;
  }
  return (error as { code?: string })?.code;
}

/** undici's failures as the rule sees them, with Rspamd's wording. */
function mapError(error: unknown, host: string): CoraxError {
  const corax = error instanceof CoraxError ? error : (error as { cause?: unknown })?.cause instanceof CoraxError ? ((error as { cause: CoraxError }).cause) : null;
  // Rspamd's HTTP client does not name the host (its TCP client does)
  if (corax instanceof HostNotFoundError) return new HostNotFoundError(host, { message: 'unable to resolve host', cause: corax });
  if (corax) return corax;
  const e = error as NodeJS.ErrnoException & { cause?: unknown };
  const code = causeCode(error);
  if (code === 'ECONNREFUSED') return new ConnectionRefusedError('IO write error: Connection refused', { cause: error });
  if (isTlsFailure(code)) return tlsError(code, tlsReason(error), 'http', error);
  if (code === 'ECONNRESET' || code === 'EPIPE') return new ConnectionResetError('IO read error: Connection reset by peer', { cause: error });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new HostNotFoundError(host, { message: 'unable to resolve host', cause: error });
  if (e?.code === 'UND_ERR_CONNECT_TIMEOUT' || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT') return new TimeoutError(undefined, { cause: error });
  if (e?.code === 'UND_ERR_SOCKET' || e?.code === 'UND_ERR_CLOSED') return new EndOfStreamError('IO read error: unexpected EOF', { cause: error });
  if (e?.name === 'HTTPParserError' || (typeof code === 'string' && code.startsWith('HPE_'))) {
    return new CoraxError('EPROTO', `HTTP parser error: ${e.message}`, { cause: error });
  }
  return new CoraxError(code ?? 'EIO', e?.message ?? String(error), { cause: error });
}

/** The message of the error that carries the TLS code (undici wraps it). */
function tlsReason(error: unknown): string {
  let e = error as { message?: string; code?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && isTlsFailure(e.code)) return e.message ?? e.code;
    e = e.cause as typeof e;
  }
  return String((error as Error)?.message ?? error);
}

type Headers = Record<string, string | string[] | undefined>;

/**
 * One request through undici's dispatch API, answering the driver straight
 * from undici's callbacks: no promise, no stream and no async iterator per
 * response. Enforces `maxSize` (declared and received), decompresses a
 * compressed body, and is torn down (the request aborted) when nobody waits
 * for it any more.
 */
class Exchange implements Suspension<HttpResponse>, Dispatcher.DispatchHandler {
  private settle: ((ok: boolean, value: unknown) => void) | null = null;
  private controller: Dispatcher.DispatchController | null = null;
  private torn = false;
  private status = 0;
  private headers: Headers = {};
  private readonly chunks: Buffer[] = [];
  private total = 0;
  /** The length Rspamd reports when a body is too big: the declared one, or 0 without a Content-Length. */
  private reported = 0;
  private inflate: Transform | null = null;

  constructor(
    private readonly agent: Agent,
    private readonly options: Dispatcher.DispatchOptions,
    private readonly maxSize: number,
    private readonly host: string,
    /** Checks to pass before the request goes out (`forbidLocal`'s lookup). */
    private readonly before: (() => Promise<void>) | null,
  ) {}

  [SUSPEND](settle: (ok: boolean, value: unknown) => void): () => void {
    this.settle = settle;
    if (this.before) this.before().then(() => this.start(), (error) => this.fail(error));
    else this.start();
    return () => this.teardown();
  }

  private start(): void {
    if (this.settle) this.agent.dispatch(this.options, this);
  }

  private teardown(): void {
    if (this.torn) return;
    this.torn = true;
    this.settle = null;
    this.controller?.abort(new CanceledError());
    this.inflate?.destroy();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.torn) controller.abort(new CanceledError());
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Headers): void {
    if (statusCode < 200) return; // an informational answer: the real one follows
    this.status = statusCode;
    this.headers = headers;
    const length = headers['content-length'];
    const declared = typeof length === 'string' && /^\d+$/.test(length) ? Number(length) : -1;
    if (declared > this.maxSize) return this.fail(new TooBigError(declared));
    this.reported = declared >= 0 ? declared : 0;
    const encoding = String(headers['content-encoding'] ?? '').toLowerCase();
    const inflate =
      encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : null;
    if (!inflate) return;
    this.inflate = inflate;
    inflate.on('data', (chunk: Buffer) => this.take(chunk));
    inflate.on('end', () => this.done());
    inflate.on('error', (error: NodeJS.ErrnoException) =>
      this.fail(new CoraxError('EPROTO', `IO read error: cannot decompress the body: ${error.message}`, { cause: error })),
    );
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.settle) return;
    if (this.inflate) this.inflate.write(chunk);
    else this.take(chunk);
  }

  onResponseEnd(): void {
    if (this.inflate) this.inflate.end();
    else this.done();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  private take(chunk: Buffer): void {
    if (!this.settle) return;
    this.total += chunk.length;
    if (this.total > this.maxSize) return this.fail(new TooBigError(this.reported));
    this.chunks.push(chunk);
  }

  private done(): void {
    const settle = this.settle;
    if (!settle) return;
    this.settle = null;
    const { chunks } = this;
    const bytes = chunks.length === 1 ? new Uint8Array(chunks[0].buffer, chunks[0].byteOffset, chunks[0].length) : new Uint8Array(Buffer.concat(chunks));
    const response: HttpResponse = { code: this.status, content: decoder.decode(bytes), headers: joinHeaders(this.headers), body: bytes };
    settle(true, response);
  }

  private fail(error: unknown): void {
    const settle = this.settle;
    if (!settle) return;
    this.settle = null;
    // stop the transfer: a body over the limit, a failed lookup, a broken stream
    if (this.controller && !this.controller.aborted) this.controller.abort(error instanceof Error ? error : new Error(String(error)));
    this.inflate?.destroy();
    settle(false, mapError(error, this.host));
  }
}

/**
 * HTTP through undici: pooled keep-alive agents, host names resolved by our
 * DNS module, and agents for `forbidLocal` requests whose connections refuse
 * local addresses at connect time too (no DNS-rebinding window). The
 * request's timeout is the driver's; cancellation aborts the request.
 */
export function createHttpModule(ctx: LiveContext<HttpSettings>): HttpModule {
  const settings = ctx.settings;
  const dns = ctx.require<DnsModule>('dns');
  const common = { connections: settings.connections, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000 };
  const agents = new Map<string, Agent>();
  const agentFor = (guard: boolean, verify: boolean): Agent => {
    const key = `${guard}/${verify}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = new Agent({ ...common, connect: { lookup: dns.netLookup({ guard }), rejectUnauthorized: verify } });
      agents.set(key, agent);
    }
    return agent;
  };

  const handler: Handler<'http.request'> = (effect, call) => {
    const url = target(effect.url);
    if (!url) throw new ArgumentError(`http.request: invalid URL ${JSON.stringify(effect.url)}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ArgumentError(`http.request: unsupported scheme ${url.protocol} (http and https only)`);
    const maxSize = effect.maxSize ?? settings.maxSize;
    const headers: Record<string, string | string[]> = {};
    if (settings.userAgent) headers['user-agent'] = settings.userAgent;
    if (effect.headers) for (const name in effect.headers) headers[name.toLowerCase()] = effect.headers[name];
    if (effect.user !== undefined || effect.password !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${effect.user ?? ''}:${effect.password ?? ''}`).toString('base64')}`;
    }
    if (url.username && !headers.authorization) {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    }
    if (effect.mimeType && !headers['content-type']) headers['content-type'] = effect.mimeType;
    if (effect.keepalive === false) headers.connection = 'close';
    let body: string | Buffer | undefined = effect.body === undefined ? undefined : typeof effect.body === 'string' ? effect.body : Buffer.from(effect.body);
    if (effect.gzip && body !== undefined) {
      body = gzipSync(body);
      headers['content-encoding'] = 'gzip';
    }
    const options: Dispatcher.DispatchOptions = {
      origin: url.origin,
      path: url.path,
      method: effect.method as Dispatcher.HttpMethod,
      headers,
      body,
      // the driver times the request out; these only stop a request nobody waits for any more
      headersTimeout: 300_000,
      bodyTimeout: 300_000,
    };
    const before = effect.forbidLocal
      ? async (): Promise<void> => {
          const addresses = await dns.lookup(url.hostname, (fn) => call.onCancel(fn));
          if (addresses.some((a) => isLocalAddress(a.address))) throw new ForbiddenError();
        }
      : null;
    return new Exchange(agentFor(!!effect.forbidLocal, !effect.noSslVerify), options, maxSize, url.hostname, before);
  };

  return {
    handlers: { 'http.request': handler },
    resources: () => ({ httpAgents: agents.size }),
    async close() {
      await Promise.all([...agents.values()].map((a) => a.close()));
      agents.clear();
    },
  };
}
