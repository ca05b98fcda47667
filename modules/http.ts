import { EventEmitter } from 'node:events';
import { gzipSync, createGunzip, createInflate, createBrotliDecompress } from 'node:zlib';
import { Agent, type Dispatcher } from 'undici';
import type { Handler } from '../effects/handler.ts';
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

/** The abort signal undici watches for one request, and why it fired. */
class RequestAbort extends EventEmitter {
  aborted = false;
  reason: 'timeout' | 'canceled' | null = null;

  fire(reason: 'timeout' | 'canceled'): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

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
function mapError(error: unknown, abort: RequestAbort, host: string): CoraxError {
  if (abort.reason === 'timeout') return new TimeoutError(undefined, { cause: error });
  if (abort.reason === 'canceled') return new CanceledError(undefined, { cause: error });
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

function ignore(): void {}

/** Reads a body up to `maxSize` bytes, decompressing a compressed one. */
async function readBody(res: Dispatcher.ResponseData, maxSize: number): Promise<Uint8Array> {
  // an abort while nobody reads the body (timed out, task over) must not become an unhandled 'error'
  res.body.on('error', ignore);
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
  const length = res.headers['content-length'];
  const declared = typeof length === 'string' && /^\d+$/.test(length) ? Number(length) : -1;
  if (declared > maxSize) {
    res.body.destroy();
    throw new TooBigError(declared);
  }
  // without a Content-Length Rspamd reports the declared length, 0: so do we
  const reported = declared >= 0 ? declared : 0;
  let stream: AsyncIterable<Buffer> = res.body;
  if (encoding === 'gzip' || encoding === 'x-gzip') stream = res.body.pipe(createGunzip());
  else if (encoding === 'deflate') stream = res.body.pipe(createInflate());
  else if (encoding === 'br') stream = res.body.pipe(createBrotliDecompress());
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      total += chunk.length;
      if (total > maxSize) {
        res.body.destroy();
        throw new TooBigError(reported);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof TooBigError) throw error;
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) throw new CoraxError('EPROTO', `IO read error: cannot decompress the body: ${(error as Error).message}`, { cause: error });
    throw error;
  }
  return chunks.length === 1 ? new Uint8Array(chunks[0].buffer, chunks[0].byteOffset, chunks[0].length) : new Uint8Array(Buffer.concat(chunks));
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

  const handler: Handler<'http.request'> = async (effect, call) => {
    const url = target(effect.url);
    if (!url) throw new ArgumentError(`http.request: invalid URL ${JSON.stringify(effect.url)}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ArgumentError(`http.request: unsupported scheme ${url.protocol} (http and https only)`);
    const abort = new RequestAbort();
    call.onCancel((reason) => abort.fire(reason));
    try {
      if (effect.forbidLocal) {
        const addresses = await dns.lookup(url.hostname, (fn) => call.onCancel(fn));
        if (addresses.some((a) => isLocalAddress(a.address))) throw new ForbiddenError();
      }
      const maxSize = effect.maxSize ?? settings.maxSize;
      const headers: Record<string, string | string[]> = {};
      if (settings.userAgent) headers['user-agent'] = settings.userAgent;
      for (const [name, value] of Object.entries(effect.headers ?? {})) headers[name.toLowerCase()] = value;
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
      const res = await agentFor(!!effect.forbidLocal, !effect.noSslVerify).request({
        origin: url.origin,
        path: url.path,
        method: effect.method as Dispatcher.HttpMethod,
        headers,
        body,
        signal: abort,
        // the driver times the request out; these only stop a request nobody waits for any more
        headersTimeout: 300_000,
        bodyTimeout: 300_000,
      });
      const bytes = await readBody(res, maxSize);
      const response: HttpResponse = { code: res.statusCode, content: decoder.decode(bytes), headers: joinHeaders(res.headers), body: bytes };
      return response;
    } catch (error) {
      throw mapError(error, abort, url.hostname);
    }
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
