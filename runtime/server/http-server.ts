import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ScanResult } from '../scan/scan.ts';
import type { Envelope } from '../scan/task.ts';
import type { Interpreter } from '../../effects/handler.ts';
import type { Config } from '../config/config.ts';
import { parseHostPort } from '../../effects/host-port.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { createScanner, nextTaskId, type Scanner } from '../scan/scanner.ts';
import type { CaptureWriter } from '../corpus/capture.ts';
import { checkReply } from './reply.ts';
import { envelopeFrom, envelopeProblem } from './request.ts';
import { ServerMetrics, serveClusterMetrics } from './metrics.ts';
import { createLiveInterpreter } from '../interpreters/live.ts';
import { use } from '../interpreters/use.ts';
import { createFront, endWithJson, releaseSoon } from './front.ts';
import { encryptedReply, serveEncrypted } from './encrypted.ts';
import { ConnectionGate } from './gate.ts';
import { decodeBody, encodeReply } from './compression.ts';
import { readShm } from './shm.ts';
import { warmParsePool } from '../scan/mime/pool.ts';

export interface ScanServerOptions {
  config: Config;
  /** Default: the live interpreter. */
  io?: Interpreter;
  logger?: Logger;
  /** `host:port`; default `config.server.bind`. Port 0 picks a free port. */
  bind?: string;
  /** Where scans are kept (default: the config's `capture` section, if any). */
  capture?: CaptureWriter;
}

export interface ScanServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly stats: ServerMetrics;
  readonly scanner: Scanner;
  /** Who may hold a connection, counted across the scan port and any other listener given it (the milter): one budget of descriptors. */
  readonly gate: ConnectionGate;
  /** Scans a message that arrived another way (the milter), counted, logged and awaited at shutdown like the rest. */
  scan(raw: Buffer, envelope: Envelope, protocol: string): Promise<ScanResult>;
  /** Stops accepting, lets scans in flight finish (within the task timeout), closes pools. */
  close(): Promise<void>;
}

const loopback = new Set(['127.0.0.1', '::1', 'localhost']);

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * A server speaking Rspamd's scan protocol: POST /checkv2, GET /ping, /stat
 * and /metrics. Bad requests get a 4xx with a JSON `error`, never a crash.
 *
 * @example
 * const server = await startScanServer({ config, bind: '127.0.0.1:11333' });
 */
export async function startScanServer(options: ScanServerOptions): Promise<ScanServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: 'info', async: true });
  const stats = new ServerMetrics();
  serveClusterMetrics(stats.registry);
  // start the parse threads now, so the first large message does not wait for one
  if (config.message.offThreadBytes > 0) warmParsePool();
  const ownIo = options.io ? null : createLiveInterpreter(config);
  const scanner = createScanner(config, { io: use((options.io ?? ownIo)!, stats.middleware), logger, onTaskEnd: stats.taskEnded, capture: options.capture });
  const limits = config.server;
  // scans in flight are stats.active; shutdown waits for the count to reach 0
  let drained: (() => void) | null = null;
  const finished = (): void => {
    // after the turn in which the caller writes its reply
    if (--stats.active === 0 && drained) setImmediate(drained);
  };
  const sockets = new Set<Socket>();
  let closing = false;

  /** An error reply; `reason` replaces the status line's phrase, which is what rspamc prints. */
  const fail = (res: http.ServerResponse, status: number, error: string, headers: Record<string, string> = {}, reason?: string): void => {
    stats.requestError(status);
    if (res.headersSent) return void res.destroy();
    if (reason) res.statusMessage = reason;
    // an error ends the connection, and its descriptor goes even when the client never reads the reply
    const socket = res.socket;
    if (socket) res.once('finish', () => releaseSoon(socket));
    sendJson(res, status, { error }, { ...headers, connection: 'close' });
  };

  /** Whether the request uses `method` (HEAD counts as GET); answers 405 when it does not. */
  const allowed = (req: http.IncomingMessage, res: http.ServerResponse, path: string, method: string): boolean => {
    if (req.method === method || (method === 'GET' && req.method === 'HEAD')) return true;
    req.resume();
    fail(res, 405, `${req.method} is not allowed on ${path}; use ${method}`, { allow: method });
    return false;
  };

  const authorized = (req: http.IncomingMessage): boolean => {
    if (!limits.password) return true;
    const given = req.headers.password;
    return given === limits.password;
  };

  function check(req: http.IncomingMessage, res: http.ServerResponse): void {
    const compression = req.headers.compression === undefined ? undefined : String(req.headers.compression);
    if (compression !== undefined && compression.toLowerCase() !== 'zstd') {
      req.resume();
      return fail(res, 415, `Compression: ${compression} is not supported; use zstd or none`);
    }
    if (req.headers.shm !== undefined) {
      req.resume();
      const shm = readShm(req.headers, req.socket.remoteAddress, limits.maxBodySize);
      if (typeof shm === 'string') return fail(res, 400, shm);
      return scanBody(req, res, shm);
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limits.maxBodySize) {
      fail(res, 413, `message is larger than server.maxBodySize (${limits.maxBodySize} bytes)`);
      req.socket.destroySoon?.();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      if (tooBig) return;
      size += chunk.length;
      if (size > limits.maxBodySize) {
        tooBig = true;
        chunks.length = 0;
        fail(res, 413, `message is larger than server.maxBodySize (${limits.maxBodySize} bytes)`);
        req.socket.destroySoon?.();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (tooBig) return;
      if (size === 0) return fail(res, 400, 'empty message: POST the message as the request body');
      if (compression === undefined) return scanBody(req, res, Buffer.concat(chunks, size));
      decodeBody(Buffer.concat(chunks, size), limits.maxBodySize).then(
        (body) => scanBody(req, res, body),
        (error: Error) => fail(res, 400, `cannot decompress the zstd request: ${error.message}`),
      );
    });
  }

  /**
   * One scan, whatever protocol brought it (HTTP, legacy, milter): counted in
   * the metrics, logged, and waited for by a graceful shutdown.
   */
  function scanCounted(raw: Buffer, envelope: Envelope, protocol: string): Promise<ScanResult> {
    const task = envelope.queueId ?? nextTaskId();
    stats.active++;
    return scanner.scan(raw, envelope, { id: task }).then(
      (result) => {
        finished();
        stats.scanDone(result);
        if (logger.isLevelEnabled('info')) logger.info({ task, protocol, action: result.action, score: result.score, seconds: result.timeReal, symbols: Object.keys(result.symbols).length }, 'scanned');
        return result;
      },
      (error: Error) => {
        finished();
        stats.scanFailed();
        logger.error({ task, protocol, err: error }, `scan failed: ${error.message}`);
        throw error;
      },
    );
  }

  function scanBody(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    if (closing) return fail(res, 503, 'server is shutting down');
    const envelope = envelopeFrom(req.rawHeaders);
    const problem = envelopeProblem(envelope);
    if (problem) return fail(res, 400, problem);
    scanCounted(body, envelope, 'http').then(
      (result) => {
        if (res.destroyed) return;
        const reply = encodeReply(checkReply(result), req.headers);
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': reply.body.length,
          ...reply.headers,
          ...(closing ? { connection: 'close' } : {}),
        });
        res.end(reply.body);
      },
      (error: Error) => fail(res, 500, `scan failed: ${error.message}`),
    );
  }

  /** An encrypted request to a server without a keypair: refused, with the reason (rspamc, expecting an encrypted answer, cannot print it). */
  function refuseEncrypted(req: http.IncomingMessage, res: http.ServerResponse): void {
    req.resume();
    fail(res, 400, 'this server takes no encrypted requests: give it server.keypair (made by rspamadm keypair), or drop --key (rspamc) or the key of the proxy upstream', {}, 'No keypair for encrypted requests: set server.keypair or drop the key');
  }

  const server = http.createServer(
    { maxHeaderSize: limits.maxHeaderSize, requestTimeout: limits.requestTimeout, headersTimeout: limits.headersTimeout, keepAliveTimeout: 5_000 },
    (req, res) => {
      const sealAnswer = encryptedReply(req.socket);
      if (sealAnswer) res.once('finish', sealAnswer);
      const path = (req.url ?? '/').split('?', 1)[0];
      if (req.rawHeaders.length / 2 > limits.maxHeaders) {
        req.resume();
        return fail(res, 431, `too many request headers (server.maxHeaders is ${limits.maxHeaders})`);
      }
      if (req.headers.key !== undefined) {
        if (!limits.keypair) return refuseEncrypted(req, res);
        return serveEncrypted(limits.keypair, req, res, { server, maxBodySize: limits.maxBodySize, maxHeaderSize: limits.maxHeaderSize, logger, onRefused: () => stats.requestError(400) });
      }
      switch (path) {
        case '/checkv2':
        case '/check':
          // Rspamd's proxy sends GET, with the message as the body or in shared memory
          if (req.method === 'GET' || allowed(req, res, path, 'POST')) check(req, res);
          return;
        case '/post':
          return refuseEncrypted(req, res);
        case '/ping':
          if (!allowed(req, res, path, 'GET')) return;
          req.resume();
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 6 });
          return void res.end('pong\r\n');
        case '/stat':
        case '/metrics':
          if (!allowed(req, res, path, 'GET')) return;
          req.resume();
          if (!authorized(req)) return fail(res, 403, 'wrong or missing Password header (server.password)');
          void (path === '/stat' ? stats.json() : stats.prometheus()).then(
            (body) => {
              if (typeof body !== 'string') return sendJson(res, 200, body);
              res.writeHead(200, { 'content-type': stats.registry.contentType });
              res.end(body);
            },
            (error: Error) => fail(res, 503, `metrics unavailable: ${error.message}`),
          );
          return;
        default:
          req.resume();
          return fail(res, 404, `no such endpoint: ${path} (POST /checkv2, GET /ping, /stat, /metrics)`);
      }
    },
  );
  server.maxHeadersCount = limits.maxHeaders + 1;
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    stats.requestError(status);
    if (socket.writable && !(socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      endWithJson(socket as Socket, status, status === 431 ? `request headers are larger than server.maxHeaderSize (${limits.maxHeaderSize} bytes)` : `bad request: ${error.code ?? error.message}`);
    } else {
      socket.destroy();
    }
  });

  const bind = options.bind ?? limits.bind;
  const parsed = parseHostPort(bind, 11333);
  if (!parsed) throw new TypeError(`bind address ${JSON.stringify(bind)}: expected HOST:PORT`);
  const { host, port } = parsed;
  const gate = new ConnectionGate(limits.maxConnections, limits.maxConnectionsPerAddress);
  const front = createFront(
    server,
    {
      maxBodySize: limits.maxBodySize,
      maxHeaderSize: limits.maxHeaderSize,
      timeout: limits.headersTimeout,
      scan: (raw, envelope) => scanCounted(raw, envelope, 'legacy'),
      onError: (code) => stats.requestError(code === 'EX_PROTOCOL' ? 400 : code === 'EX_DATAERR' ? 413 : 500),
    },
    // node:http's own timeouts, given above too, do not run on a server that does not listen itself
    { headers: limits.headersTimeout, request: limits.requestTimeout, onExpired: () => stats.requestError(408) },
    // past a cap silent clients make room, busy ones get a 503: idle or hostile clients cannot take every descriptor
    gate,
  );
  front.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen({ host, port, backlog: 4096 }, () => {
      front.off('error', reject);
      resolve();
    });
  });
  const address = front.address() as AddressInfo;
  if (!loopback.has(host)) logger.warn({ host }, `listening on ${host}, not loopback: anyone who can reach this address can submit scans`);

  let closed: Promise<void> | null = null;
  return {
    host,
    port: address.port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    stats,
    scanner,
    gate,
    scan: scanCounted,
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((r) => front.close(() => r()));
        server.closeIdleConnections();
        if (stats.active > 0) await new Promise<void>((resolve) => (drained = resolve));
        // replies are out; connections still open are idle keep-alives or half-read requests
        for (const socket of sockets) socket.destroySoon?.() ?? socket.end();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
        await stopped;
        await scanner.close();
        await ownIo?.close();
      })();
      return closed;
    },
  };
}
