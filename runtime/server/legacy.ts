import type { Socket } from 'node:net';
import type { ScanResult } from '../scan/scan.ts';
import type { Envelope } from '../scan/task.ts';
import { envelopeFrom, envelopeProblem } from './request.ts';

/**
 * Rspamd's legacy text protocol, as Exim (`variant=rspamd` and its default
 * SpamAssassin variant) and `spamc` speak it: one request per connection,
 * `COMMAND RSPAMC/1.x` or `COMMAND SPAMC/1.x`, header lines, a blank line,
 * the message; one reply, then the connection closes.
 */
const requestLine = /^([A-Z_]+) (RSPAMC|SPAMC)\/(\d+\.\d+)\r?\n/;
const commands = new Set(['CHECK', 'SYMBOLS', 'REPORT', 'REPORT_IFSPAM', 'PROCESS', 'PING', 'HEADERS', 'SKIP']);

/** Whether the first bytes of a connection are a legacy request (not HTTP). */
export function looksLegacy(first: Buffer): boolean {
  const head = first.toString('latin1', 0, Math.min(first.length, 32));
  return /^[A-Z_]+ (?:RSPAMC|SPAMC)\//.test(head);
}

export interface LegacyOptions {
  maxBodySize: number;
  maxHeaderSize: number;
  /** Milliseconds to receive the whole request. */
  timeout: number;
  scan(raw: Buffer, envelope: Envelope): Promise<ScanResult>;
  onError(status: string): void;
}

interface LegacyRequest {
  command: string;
  spamc: boolean;
  version: string;
  envelope: Envelope;
  body: Buffer;
}

/** Serves one legacy request on a socket whose first bytes were `first`. */
export function serveLegacy(socket: Socket, first: Buffer, options: LegacyOptions): void {
  let buffered = first;
  let headerEnd = -1;
  let expected = -1;
  const timer = setTimeout(() => refuse('EX_TEMPFAIL', 'timed out reading the request'), options.timeout);
  const cleanup = (): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onEnd);
  };
  const refuse = (code: 'EX_PROTOCOL' | 'EX_TEMPFAIL' | 'EX_SOFTWARE' | 'EX_DATAERR', reason: string): void => {
    cleanup();
    options.onError(code);
    const number = { EX_DATAERR: 65, EX_PROTOCOL: 76, EX_SOFTWARE: 70, EX_TEMPFAIL: 75 }[code];
    if (socket.writable) socket.end(`SPAMD/1.1 ${number} ${code}\r\n\r\n${reason}\r\n`);
    socket.destroySoon?.();
  };
  const onData = (chunk: Buffer): void => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    progress();
  };
  const onEnd = (): void => {
    if (headerEnd === -1) return refuse('EX_PROTOCOL', 'the request ended before its headers did');
    // no Content-length: the message runs to the end of the stream (as spamc may send it)
    if (expected === -1) expected = buffered.length - headerEnd;
    if (buffered.length - headerEnd < expected) return refuse('EX_PROTOCOL', `the request ended after ${buffered.length - headerEnd} of its ${expected} bytes`);
    progress(true);
  };
  const progress = (ended = false): void => {
    if (headerEnd === -1) {
      const lf = buffered.indexOf('\n\n');
      const crlf = buffered.indexOf('\r\n\r\n');
      const at = crlf !== -1 && (lf === -1 || crlf < lf) ? crlf + 4 : lf !== -1 ? lf + 2 : -1;
      if (at === -1) {
        if (buffered.length > options.maxHeaderSize) refuse('EX_PROTOCOL', `request headers are larger than server.maxHeaderSize (${options.maxHeaderSize} bytes)`);
        return;
      }
      headerEnd = at;
      const length = /(?:^|\n)content-length:[ \t]*(\d+)/i.exec(buffered.toString('latin1', 0, at));
      if (length) expected = Number(length[1]);
      if (expected > options.maxBodySize) return refuse('EX_DATAERR', `message is larger than server.maxBodySize (${options.maxBodySize} bytes)`);
    }
    if (buffered.length - headerEnd > options.maxBodySize) return refuse('EX_DATAERR', `message is larger than server.maxBodySize (${options.maxBodySize} bytes)`);
    if (expected === -1 ? !ended : buffered.length - headerEnd < expected) return;
    cleanup();
    const request = parseRequest(buffered.subarray(0, headerEnd), buffered.subarray(headerEnd, headerEnd + expected));
    if (typeof request === 'string') return refuse('EX_PROTOCOL', request);
    answer(socket, request, options);
  };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('error', cleanup);
  progress();
}

function parseRequest(head: Buffer, body: Buffer): LegacyRequest | string {
  const text = head.toString('latin1');
  const line = requestLine.exec(text);
  if (!line) return 'expected COMMAND RSPAMC/1.3 or COMMAND SPAMC/1.5';
  const [, command, protocol, version] = line;
  if (!commands.has(command)) return `unknown command ${command}; use CHECK, SYMBOLS, REPORT, REPORT_IFSPAM, PROCESS or PING`;
  const raw: string[] = [];
  for (const headerLine of text.slice(line[0].length).split(/\r?\n/)) {
    const colon = headerLine.indexOf(':');
    if (colon > 0) raw.push(headerLine.slice(0, colon).trim(), headerLine.slice(colon + 1).trim());
  }
  const envelope = envelopeFrom(raw);
  const problem = envelopeProblem(envelope);
  if (problem) return problem;
  // the legacy protocol's own fields, not request headers a rule should see
  for (const name of ['recipient-number', 'content-length', 'pass', 'deliver-to']) delete envelope.headers?.[name];
  // Exim puts an mbox "From " line in front of the message: it is not part of it
  let message = body;
  if (message.subarray(0, 5).toString('latin1') === 'From ') {
    const nl = message.indexOf(10);
    message = nl === -1 ? Buffer.alloc(0) : message.subarray(nl + 1);
  }
  return { command, spamc: protocol === 'SPAMC', version, envelope, body: message };
}

const fixed = (n: number): string => n.toFixed(2);

function answer(socket: Socket, request: LegacyRequest, options: LegacyOptions): void {
  if (request.command === 'PING') return void socket.end(`${request.spamc ? 'SPAMD/1.5' : 'RSPAMD/1.3'} 0 PONG\r\n`);
  if (request.body.length === 0) {
    options.onError('EX_DATAERR');
    return void socket.end(`${request.spamc ? 'SPAMD/1.1' : 'RSPAMD/1.3'} 65 EX_DATAERR\r\n\r\nempty message\r\n`);
  }
  options.scan(request.body, request.envelope).then(
    (result) => {
      if (!socket.writable) return;
      socket.end(request.spamc ? spamcReply(request, result) : rspamcReply(request, result));
    },
    (error: Error) => {
      options.onError('EX_SOFTWARE');
      if (socket.writable) socket.end(`${request.spamc ? 'SPAMD/1.1' : 'RSPAMD/1.3'} 70 EX_SOFTWARE\r\n\r\nscan failed: ${error.message}\r\n`);
    },
  );
}

/** Whether the result is spam in the legacy sense: rejected (by score or by a pre-result). */
const isSpam = (result: ScanResult): boolean => result.action === 'reject' || result.score >= result.requiredScore;

/** Rspamd's rspamc reply: `Metric:`, `Action:`, `Symbol:` lines (with options for SYMBOLS), messages, Message-ID. */
function rspamcReply(request: LegacyRequest, result: ScanResult): string {
  const lines = [`Metric: default; ${isSpam(result) ? 'True' : 'False'}; ${fixed(result.score)} / ${fixed(result.requiredScore)} / 0.0`, `Action: ${result.action}`];
  if (result.messages.subject) lines.push(`Subject: ${result.messages.subject}`);
  for (const s of Object.values(result.symbols)) lines.push(request.command === 'SYMBOLS' && s.options?.length ? `Symbol: ${s.name}(${fixed(s.score)}); ${s.options.join(',')}` : `Symbol: ${s.name}(${fixed(s.score)})`);
  for (const message of Object.values(result.messages)) if (typeof message === 'string') lines.push(`Message: ${message}`);
  if (result.messageId) lines.push(`Message-ID: ${result.messageId}`);
  return `RSPAMD/1.3 0 EX_OK\r\n\r\n${lines.join('\r\n')}\r\n`;
}

/** SpamAssassin's spamd reply, as spamc and Exim's default variant read it. */
function spamcReply(request: LegacyRequest, result: ScanResult): string {
  const spam = isSpam(result);
  const verdict = `Spam: ${spam ? 'True' : 'False'} ; ${fixed(result.score)} / ${fixed(result.requiredScore)}`;
  const names = Object.keys(result.symbols).join(',');
  const report = Object.values(result.symbols)
    .map((s) => ` ${fixed(s.score).padStart(6)} ${s.name}${s.options?.length ? ` ${s.options.join(', ')}` : ''}`)
    .join('\r\n');
  let body = '';
  switch (request.command) {
    case 'SYMBOLS':
      body = `${names}\r\n`;
      break;
    case 'REPORT':
      body = `Action: ${result.action}\r\n\r\n pts rule name\r\n${report}\r\n`;
      break;
    case 'REPORT_IFSPAM':
      body = spam ? `Action: ${result.action}\r\n\r\n pts rule name\r\n${report}\r\n` : '';
      break;
    case 'PROCESS':
      body = withHeaders(request.body, result, spam);
      break;
    case 'HEADERS':
      body = headersOnly(withHeaders(request.body, result, spam));
      break;
    default:
      body = '';
  }
  return `SPAMD/1.1 0 EX_OK\r\n${verdict}\r\nContent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** The message with X-Spam headers in front, as spamd's PROCESS returns it. */
function withHeaders(message: Buffer, result: ScanResult, spam: boolean): string {
  const headers = [`X-Spam-Flag: ${spam ? 'YES' : 'NO'}`, `X-Spam-Status: ${spam ? 'Yes' : 'No'}, score=${fixed(result.score)} required=${fixed(result.requiredScore)} tests=${Object.keys(result.symbols).join(',') || 'none'}`, `X-Spam-Action: ${result.action}`];
  return `${headers.join('\r\n')}\r\n${message.toString('utf8')}`;
}

function headersOnly(message: string): string {
  const end = message.search(/\r?\n\r?\n/);
  return end === -1 ? message : message.slice(0, end + (message[end] === '\r' ? 4 : 2));
}
