import { parseHeaderBlock, parseHeaderValue, type HeaderField, type HeaderValue } from './headers.ts';
import type { MessageLimits } from './limits.ts';

/** One MIME entity: its headers and where its body lies in the raw message. */
export interface MimeNode {
  index: number;
  parent: number;
  depth: number;
  headers: HeaderField[];
  contentType: HeaderValue;
  disposition: HeaderValue | null;
  /** Content-Transfer-Encoding, lowercased. */
  encoding: string;
  bodyStart: number;
  bodyEnd: number;
  multipart: boolean;
}

/** Why the parser could not read everything; each becomes a result of the scan. */
export interface ParseProblem {
  symbol: 'BROKEN_HEADERS' | 'BROKEN_CONTENT_TYPE' | 'MIME_LIMIT_EXCEEDED';
  detail: string;
}

export interface MimeStructure {
  nodes: MimeNode[];
  problems: ParseProblem[];
  /** Byte ranges the parser did not split (past a limit): rules still get their URLs, from a raw scan. */
  unparsed: Array<[number, number]>;
}

const LF = 10;
const CR = 13;
const SP = 32;
const HT = 9;
/**
 * Where a header block that starts at `start` ends, and where the body
 * begins: at the blank line, or, when a line is neither a header nor a
 * continuation (no blank line was sent), at that line, as mail clients read
 * it; `missing` says the blank line was missing. One pass over the lines.
 */
export function headerEnd(raw: Buffer, start: number, end: number): { blockEnd: number; bodyStart: number; missing: boolean } {
  let line = start;
  while (line < end) {
    let next = raw.indexOf(LF, line);
    if (next === -1 || next >= end) next = end;
    const lineEnd = next > line && raw[next - 1] === CR ? next - 1 : next;
    if (lineEnd === line) return { blockEnd: line, bodyStart: Math.min(next + 1, end), missing: false };
    const first = raw[line];
    if (first !== SP && first !== HT) {
      let k = line;
      // a field name: printable ASCII up to the colon, no spaces inside
      while (k < lineEnd && raw[k] !== 58 && raw[k] > 32 && raw[k] < 127) k++;
      while (k < lineEnd && (raw[k] === SP || raw[k] === HT)) k++;
      if (k === line || k >= lineEnd || raw[k] !== 58) return { blockEnd: line, bodyStart: line, missing: true };
    }
    line = next + 1;
  }
  return { blockEnd: end, bodyStart: end, missing: false };
}

/**
 * Splits a message into its MIME tree in one pass over the bytes, without
 * decoding anything: each entity's headers are parsed, multipart bodies are
 * cut at their delimiter lines, and every leaf is left as a byte range.
 * Work is linear in the message size for each nesting level, and the
 * levels, parts and header bytes are capped by `limits`.
 */
export function parseStructure(input: Uint8Array, limits: MessageLimits): MimeStructure {
  const raw = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const nodes: MimeNode[] = [];
  const problems: ParseProblem[] = [];
  const unparsed: Array<[number, number]> = [];
  const reported = new Set<string>();
  const problem = (symbol: ParseProblem['symbol'], detail: string): void => {
    if (reported.has(detail)) return;
    reported.add(detail);
    problems.push({ symbol, detail });
  };

  const entity = (start: number, end: number, depth: number, parent: number, defaultType: string): void => {
    if (nodes.length >= limits.maxParts) {
      problem('MIME_LIMIT_EXCEEDED', `parts>${limits.maxParts}`);
      unparsed.push([start, end]);
      return;
    }
    const { blockEnd, bodyStart, missing } = headerEnd(raw, start, end);
    if (missing && blockEnd > start) problem('BROKEN_HEADERS', 'no blank line after the headers');
    let block = raw.subarray(start, blockEnd);
    if (block.length > limits.maxHeaderBytes) {
      problem('MIME_LIMIT_EXCEEDED', `header bytes>${limits.maxHeaderBytes}`);
      block = block.subarray(0, limits.maxHeaderBytes);
    }
    const fields = parseHeaderBlock(block);
    let type: string | undefined;
    let cte: string | undefined;
    let disp: string | undefined;
    for (const field of fields) {
      const name = field.name.toLowerCase();
      if (name === 'content-type') type ??= field.value;
      else if (name === 'content-transfer-encoding') cte ??= field.value;
      else if (name === 'content-disposition') disp ??= field.value;
    }
    let contentType = parseHeaderValue(type ?? defaultType);
    if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(contentType.value)) {
      if (type !== undefined) problem('BROKEN_CONTENT_TYPE', `Content-Type ${JSON.stringify(type.slice(0, 64))}`);
      contentType = { value: 'text/plain', params: contentType.params };
    }
    const node: MimeNode = {
      index: nodes.length,
      parent,
      depth,
      headers: fields,
      contentType,
      disposition: disp === undefined ? null : parseHeaderValue(disp),
      encoding: (cte ?? '7bit').trim().toLowerCase(),
      bodyStart,
      bodyEnd: end,
      multipart: false,
    };
    nodes.push(node);
    const major = contentType.value.slice(0, contentType.value.indexOf('/'));
    if (major === 'multipart') {
      const boundary = contentType.params.boundary;
      if (!boundary) {
        problem('BROKEN_CONTENT_TYPE', 'multipart without a boundary');
        node.contentType = { value: 'text/plain', params: {} };
        return;
      }
      if (depth >= limits.maxDepth) {
        problem('MIME_LIMIT_EXCEEDED', `depth>${limits.maxDepth}`);
        unparsed.push([bodyStart, end]);
        return;
      }
      node.multipart = true;
      const childType = contentType.value === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
      const ranges = splitMultipart(raw, bodyStart, end, boundary);
      if (ranges.length === 0) {
        // never blind: a multipart whose boundary never appears is read as text
        problem('BROKEN_CONTENT_TYPE', 'multipart without its boundary');
        node.multipart = false;
        node.contentType = { value: 'text/plain', params: {} };
        return;
      }
      for (const [a, b] of ranges) entity(a, b, depth + 1, node.index, childType);
    } else if (contentType.value === 'message/rfc822' && (node.encoding === '7bit' || node.encoding === '8bit' || node.encoding === 'binary')) {
      if (depth >= limits.maxDepth) {
        problem('MIME_LIMIT_EXCEEDED', `depth>${limits.maxDepth}`);
        unparsed.push([bodyStart, end]);
        return;
      }
      node.multipart = true;
      entity(bodyStart, end, depth + 1, node.index, 'text/plain');
    }
  };

  let end = raw.length;
  if (end > limits.maxBytes) {
    problem('MIME_LIMIT_EXCEEDED', `bytes>${limits.maxBytes}`);
    end = limits.maxBytes;
  }
  entity(0, end, 0, -1, 'text/plain');
  return { nodes, problems, unparsed };
}

/**
 * The byte ranges of a multipart body's parts: between delimiter lines
 * (`--boundary` at the start of a line, then only whitespace), the line break
 * before each delimiter belonging to it. A missing close delimiter ends the
 * last part at the end of the body, as mail clients read it.
 */
export function splitMultipart(raw: Buffer, start: number, end: number, boundary: string): Array<[number, number]> {
  const region = raw.subarray(start, end);
  const needle = Buffer.from(`--${boundary}`, 'latin1');
  const ranges: Array<[number, number]> = [];
  let partStart = -1;
  let from = 0;
  for (;;) {
    const p = region.indexOf(needle, from);
    if (p === -1) break;
    from = p + 1;
    if (p > 0 && region[p - 1] !== LF) continue;
    let q = p + needle.length;
    const close = region[q] === 45 && region[q + 1] === 45;
    if (close) q += 2;
    while (q < region.length && (region[q] === SP || region[q] === HT)) q++;
    if (q < region.length && region[q] !== CR && region[q] !== LF) continue;
    if (partStart !== -1) {
      let partEnd = p;
      if (partEnd > partStart && region[partEnd - 1] === LF) partEnd--;
      if (partEnd > partStart && region[partEnd - 1] === CR) partEnd--;
      ranges.push([start + partStart, start + partEnd]);
    }
    if (close) return ranges;
    if (region[q] === CR) q++;
    if (region[q] === LF) q++;
    partStart = q;
    from = q;
  }
  if (partStart !== -1 && partStart < region.length) ranges.push([start + partStart, end]);
  return ranges;
}
