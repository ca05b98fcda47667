import {
  ConnectionRefusedError,
  ConnectionResetError,
  EndOfStreamError,
  HostNotFoundError,
  TimeoutError,
  TooBigError,
  type CoraxError,
} from './errors.ts';
import { perform, type Operation, type Result } from './effect.ts';
import { scheduleCallback, withoutCallback, type CallbackTask } from './callback.ts';
import { defineFamily, type Secrets } from './family.ts';
import { count, onlyKeys, optionalString, positive, section } from './config-check.ts';
import { ipVersion, isLocalAddress } from './ip.ts';

export interface HttpRequestOptions {
  url: string;
  /** Default GET, or POST when there is a body. */
  method?: string;
  /** Request headers; an array value sends the header once per element. */
  headers?: Record<string, string | string[]>;
  body?: string | Uint8Array;
  /** Milliseconds for the whole request, connect to last byte (default `http.timeout`). */
  timeout?: number;
  /** Fail with ETOOBIG past this many body bytes (default `http.maxSize`). */
  maxSize?: number;
  /** Refuse loopback, private, link-local and unspecified targets (after name resolution). */
  forbidLocal?: boolean;
  keepalive?: boolean;
  /** Basic auth. */
  user?: string;
  password?: string;
  /** HTTPS without verifying the server's certificate (Rspamd's `no_ssl_verify`). */
  noSslVerify?: boolean;
  /** Send the body gzip-compressed (`Content-Encoding: gzip`); compressed responses are always decompressed. */
  gzip?: boolean;
  /** The body's Content-Type (Rspamd's `mime_type`). */
  mimeType?: string;
}

export interface HttpRequestEffect extends HttpRequestOptions {
  readonly type: 'http.request';
  method: string;
}

export interface HttpResponse {
  /** The status code; 403 and 500 are results, not errors. */
  code: number;
  /** The body as text (UTF-8). */
  content: string;
  /** Response headers, lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** The body as bytes, for binary content. */
  body: Uint8Array;
}

/** An HTTP answer in a test: everything is optional (200, empty body, no headers). */
export interface HttpResponseInit {
  code?: number;
  content?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
}

export interface HttpCallbackOptions extends HttpRequestOptions {
  task: CallbackTask;
  callback(err: CoraxError | null, response: HttpResponse | undefined): void;
}

/** The `http` config section. */
export interface HttpConfig {
  /** Default request timeout in ms (default 5000). */
  timeout?: number;
  /** Default largest response body in bytes (default 10 MiB). */
  maxSize?: number;
  /** Connections kept per origin (default 32). */
  connections?: number;
  userAgent?: string;
}

export interface HttpSettings {
  readonly timeout: number;
  readonly maxSize: number;
  readonly connections: number;
  readonly userAgent?: string;
}

declare module './effect.ts' {
  interface EffectDescriptors {
    'http.request': HttpRequestEffect;
  }
  interface EffectResults {
    'http.request': HttpResponse;
  }
}

declare module './family.ts' {
  interface FamilyConfigs {
    http: [HttpConfig, HttpSettings];
  }
  interface TestValues {
    'http.request': HttpResponseInit;
  }
}

function HttpRequest(opts: HttpRequestOptions): HttpRequestEffect {
  if (typeof opts?.url !== 'string' || opts.url === '') throw new TypeError('http.request: `url` must be a non-empty string');
  const effect: HttpRequestEffect = {
    type: 'http.request',
    url: opts.url,
    method: (opts.method ?? (opts.body !== undefined ? 'POST' : 'GET')).toUpperCase(),
  };
  if (opts.headers !== undefined) effect.headers = { ...opts.headers };
  if (opts.body !== undefined) effect.body = opts.body;
  if (opts.timeout !== undefined) effect.timeout = opts.timeout;
  if (opts.maxSize !== undefined) effect.maxSize = opts.maxSize;
  if (opts.forbidLocal !== undefined) effect.forbidLocal = opts.forbidLocal;
  if (opts.keepalive !== undefined) effect.keepalive = opts.keepalive;
  if (opts.user !== undefined) effect.user = opts.user;
  if (opts.password !== undefined) effect.password = opts.password;
  if (opts.noSslVerify !== undefined) effect.noSslVerify = opts.noSslVerify;
  if (opts.gzip !== undefined) effect.gzip = opts.gzip;
  if (opts.mimeType !== undefined) effect.mimeType = opts.mimeType;
  return effect;
}

/**
 * Why a request cannot be made at all, known before any I/O: Rspamd's
 * callback form returns false for these and never calls back.
 */
export function unusableRequest(effect: HttpRequestEffect): string | null {
  let url: URL;
  try {
    url = new URL(effect.url);
  } catch {
    return `invalid URL ${JSON.stringify(effect.url)}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `unsupported scheme ${url.protocol} (http and https only)`;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (effect.forbidLocal && ipVersion(host) && isLocalAddress(host)) return 'access to local address is forbidden';
  return null;
}

/**
 * An HTTP request. With `task` and `callback` it is Rspamd's callback form
 * and returns whether it was scheduled (false for a malformed URL or a
 * forbidden local address, and the callback never runs).
 *
 * @example
 * const [err, res] = yield* http.request({ url: 'http://127.0.0.1:18080/abc', timeout: 1000 });
 * if (!err) task.insertResult('HTTP_RESPONSE', 1.0, res.content);
 */
function request(opts: HttpCallbackOptions): boolean;
function request(opts: HttpRequestOptions): Operation<Result<HttpResponse>>;
function request(opts: HttpRequestOptions | HttpCallbackOptions): Operation<Result<HttpResponse>> | boolean {
  if ('callback' in opts && typeof opts.callback === 'function') {
    const { callback } = opts;
    const effect = HttpRequest(withoutCallback(opts));
    if (unusableRequest(effect)) return false;
    const op = perform(effect);
    return scheduleCallback(opts.task, 'http.request', function* () {
      const [err, res] = yield* op;
      callback(err, res);
    });
  }
  return perform(HttpRequest(opts));
}

/** The HTTP effect family. */
export const http = { request };

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });

function redactHeaders(headers: Record<string, unknown> | undefined, secrets: Secrets): Record<string, unknown> | undefined {
  if (!headers) return headers;
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(headers)) {
    if (!secrets.header(k)) continue;
    out ??= { ...headers };
    out[k] = Array.isArray(v) ? v.map(() => secrets.marker) : secrets.marker;
  }
  return out ?? headers;
}

export const httpFamily = defineFamily<'http.request', HttpSettings>({
  name: 'http',
  config: {
    key: 'http',
    resolve(input) {
      const http = section('http', input);
      onlyKeys('http', http, ['timeout', 'maxSize', 'connections', 'userAgent']);
      return Object.freeze({
        timeout: positive('http.timeout', http.timeout, 5000),
        maxSize: positive('http.maxSize', http.maxSize, 10 * 1024 * 1024),
        connections: count('http.connections', http.connections, 32, 1),
        userAgent: optionalString('http.userAgent', http.userAgent),
      });
    },
  },
  effects: {
    'http.request': {
      timeout: (e, s) => e.timeout ?? s?.timeout ?? 5000,
      timeoutError: () => new TimeoutError(),
      describe: (e) => `${e.method} ${e.url}`,
      encodeResult(res) {
        // the body once: as text when it is valid UTF-8, as bytes otherwise
        try {
          if (utf8.decode(res.body) === res.content) return { code: res.code, headers: res.headers, content: res.content };
        } catch {
          // not text
        }
        return { code: res.code, headers: res.headers, body: { $bytes: Buffer.from(res.body).toString('base64') } };
      },
      decodeResult(value) {
        const res = value as { code: number; content?: string; headers?: Record<string, string>; body?: Uint8Array };
        const body = res.body ?? encoder.encode(res.content ?? '');
        return { code: res.code, content: res.content ?? decoder.decode(body), headers: res.headers ?? {}, body };
      },
      redact(e, secrets) {
        const url = secrets.url(e.url);
        const headers = redactHeaders(e.headers, secrets) as HttpRequestEffect['headers'];
        return url === e.url && headers === e.headers ? e : { ...e, url, headers };
      },
      redactResult(value, secrets) {
        const res = value as { headers?: Record<string, unknown> };
        const headers = redactHeaders(res?.headers, secrets);
        return headers === res?.headers ? value : { ...res, headers };
      },
      faults: {
        refused: () => new ConnectionRefusedError('IO write error: Connection refused'),
        reset: () => new ConnectionResetError('IO read error: Connection reset by peer'),
        eof: () => new EndOfStreamError('IO read error: unexpected EOF'),
        // Rspamd's HTTP client does not name the host (its TCP client does)
        nohost: (e) => new HostNotFoundError(hostOf(e.url), { message: 'unable to resolve host' }),
        tooBig: (e, generic) => new TooBigError((generic as TooBigError).size || (e.maxSize ?? 0) + 1),
      },
      alter: {
        truncated(res) {
          const body = res.body.subarray(0, Math.floor(res.body.length / 2));
          return { ...res, body, content: decoder.decode(body) };
        },
      },
      testValue(value) {
        const init = (value ?? {}) as HttpResponseInit;
        const body = init.body ?? encoder.encode(init.content ?? '');
        return { code: init.code ?? 200, content: init.content ?? decoder.decode(body), headers: init.headers ?? {}, body };
      },
    },
  },
});
