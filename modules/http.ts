import { EventEmitter } from 'node:events';
import { Agent, type Dispatcher } from 'undici';
import type { Handler } from '../effects/handler.ts';
import type { HttpResponse } from '../effects/http.ts';
import {
  ArgumentError,
  CanceledError,
  ConnectionRefusedError,
  CoraxError,
  ForbiddenError,
  TimeoutError,
  TooBigError,
} from '../effects/errors.ts';
import { isLocalAddress } from '../effects/ip.ts';
import type { Config } from '../runtime/config.ts';
import type { DnsModule } from './dns/index.ts';

export interface HttpModule {
  handler: Handler<'http.request'>;
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

function mapError(error: unknown, timedOut: boolean, canceled: boolean): CoraxError {
  if (timedOut) return new TimeoutError({ cause: error });
  if (canceled) return new CanceledError({ cause: error });
  if (error instanceof CoraxError) return error;
  const e = error as NodeJS.ErrnoException & { cause?: unknown };
  if (e?.cause instanceof CoraxError) return e.cause;
  const code = e?.code ?? (e?.cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED') return new ConnectionRefusedError({ cause: error });
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT') {
    return new TimeoutError({ cause: error });
  }
  if (e?.name === 'HTTPParserError' || (typeof code === 'string' && code.startsWith('HPE_'))) return new CoraxError('EPROTO', `invalid HTTP response: ${e.message}`, { cause: error });
  if (code === 'UND_ERR_SOCKET') return new CoraxError('ECONNRESET', e.message, { cause: error });
  return new CoraxError(code ?? 'EIO', e?.message ?? String(error), { cause: error });
}

async function readBody(body: Dispatcher.ResponseData['body'], declared: number, maxSize: number): Promise<Uint8Array> {
  if (declared >= 0) {
    if (declared > maxSize) {
      body.destroy();
      throw new TooBigError();
    }
    return new Uint8Array(await body.arrayBuffer());
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > maxSize) {
      body.destroy();
      throw new TooBigError();
    }
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? new Uint8Array(chunks[0].buffer, chunks[0].byteOffset, chunks[0].length) : new Uint8Array(Buffer.concat(chunks));
}

/**
 * HTTP through undici: one pooled keep-alive agent, host names resolved by our
 * DNS module, and a second agent for `forbidLocal` requests whose connections
 * refuse local addresses at connect time too (no DNS-rebinding window).
 */
export function createHttpModule(config: Config, dns: DnsModule): HttpModule {
  const common = { connections: config.http.connections, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000 };
  const agent = new Agent({ ...common, connect: { lookup: dns.netLookup() } });
  const guarded = new Agent({ ...common, connect: { lookup: dns.netLookup({ guard: true }) } });

  const handler: Handler<'http.request'> = async (effect, ctx) => {
    const url = target(effect.url);
    if (!url) throw new ArgumentError(`http.request: invalid URL ${JSON.stringify(effect.url)}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ArgumentError(`http.request: unsupported scheme ${url.protocol} (http and https only)`);
    if (effect.forbidLocal) {
      const addresses = await dns.lookup(url.hostname, (fn) => ctx.onCancel(fn));
      if (addresses.some((a) => isLocalAddress(a.address))) throw new ForbiddenError();
    }
    const timeout = effect.timeout ?? config.http.timeout;
    const maxSize = effect.maxSize ?? config.http.maxSize;
    const headers: Record<string, string> = {};
    if (config.http.userAgent) headers['user-agent'] = config.http.userAgent;
    for (const [name, value] of Object.entries(effect.headers ?? {})) headers[name.toLowerCase()] = value;
    if (effect.user !== undefined || effect.password !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${effect.user ?? ''}:${effect.password ?? ''}`).toString('base64')}`;
    }
    if (url.username && !headers.authorization) {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    }

    if (effect.keepalive === false) headers.connection = 'close';
    // undici takes an EventEmitter as its signal: far cheaper than an AbortController per request
    const abort = new RequestAbort();
    ctx.onCancel(() => abort.fire('canceled'));
    const timer = setTimeout(() => abort.fire('timeout'), timeout);
    try {
      const res = await (effect.forbidLocal ? guarded : agent).request({
        origin: url.origin,
        path: url.path,
        method: effect.method as Dispatcher.HttpMethod,
        headers,
        body: effect.body === undefined ? undefined : typeof effect.body === 'string' ? effect.body : Buffer.from(effect.body),
        signal: abort,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      const length = res.headers['content-length'];
      const body = await readBody(res.body, typeof length === 'string' && /^\d+$/.test(length) ? Number(length) : -1, maxSize);
      const response: HttpResponse = { code: res.statusCode, content: decoder.decode(body), headers: joinHeaders(res.headers), body };
      return response;
    } catch (error) {
      throw mapError(error, abort.reason === 'timeout', abort.reason === 'canceled');
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    handler,
    async close() {
      await Promise.all([agent.close(), guarded.close()]);
    },
  };
}
