import type { CoraxError } from './errors.ts';
import { perform, type Operation, type Result } from './effect.ts';
import { scheduleCallback, withoutCallback, type CallbackTask } from './callback.ts';

export interface HttpRequestOptions {
  url: string;
  /** Default GET, or POST when there is a body. */
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Milliseconds for the whole request, connect to last byte. */
  timeout?: number;
  /** Stop reading and fail with ETOOBIG past this many bytes. */
  maxSize?: number;
  /** Refuse loopback, private, link-local and unspecified targets (after name resolution). */
  forbidLocal?: boolean;
  keepalive?: boolean;
  /** Basic auth. */
  user?: string;
  password?: string;
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

export interface HttpCallbackOptions extends HttpRequestOptions {
  task: CallbackTask;
  callback(err: CoraxError | null, response: HttpResponse | undefined): void;
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
  return effect;
}

/**
 * An HTTP request. With `task` and `callback` it is Rspamd's callback form
 * and returns whether it was scheduled.
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
    return scheduleCallback(opts.task, 'http.request', function* () {
      const [err, res] = yield* perform(effect);
      callback(err, res);
    });
  }
  return perform(HttpRequest(opts));
}

/** The HTTP effect family. */
export const http = { request };
