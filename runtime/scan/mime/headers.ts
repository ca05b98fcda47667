import { decodeBytes, decodeBase64, decodeQuotedPrintable } from './decode.ts';

/** One header as it appears: its name as written and its unfolded, undecoded value. */
export interface HeaderField {
  name: string;
  value: string;
}

/** A parsed Content-Type or Content-Disposition: the lowercased value and its parameters. */
export interface HeaderValue {
  value: string;
  params: Record<string, string>;
}

const utf8 = new TextDecoder('utf-8');

/**
 * Splits a header block into fields in one pass: continuation lines are
 * unfolded; lines without a colon are skipped (the block's end was found
 * by `headerEnd`, which stops at the first line that is not a header).
 */
export function parseHeaderBlock(bytes: Uint8Array): HeaderField[] {
  const text = utf8.decode(bytes);
  const fields: HeaderField[] = [];
  let start = 0;
  // a field's continuation lines, joined once at its end (not concatenated line by line)
  let current: HeaderField | null = null;
  let folded: string[] = [];
  const close = (): void => {
    if (current && folded.length) current.value = `${current.value} ${folded.join(' ')}`;
    folded = [];
  };
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const first = text.charCodeAt(start);
    if (lineEnd > start) {
      if ((first === 32 || first === 9) && current) {
        folded.push(text.slice(start, lineEnd).trim());
      } else {
        close();
        let colon = start;
        while (colon < lineEnd && text.charCodeAt(colon) !== 58) colon++;
        if (colon === start || colon >= lineEnd) {
          current = null;
        } else {
          current = { name: text.slice(start, colon).trim(), value: text.slice(colon + 1, lineEnd).trim() };
          fields.push(current);
        }
      }
    }
    start = end + 1;
  }
  close();
  return fields;
}

/** Fields by lowercased name, in message order. */
export function indexHeaders(fields: readonly HeaderField[]): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const field of fields) {
    const key = field.name.toLowerCase();
    const list = index.get(key);
    if (list) list.push(field.value);
    else index.set(key, [field.value]);
  }
  return index;
}

/** Parameters whose quoted values mail clients send RFC 2047-encoded (never a boundary or a charset). */
const wordParams = new Set(['name', 'filename']);
/** Highest RFC 2231 continuation index read (real mail uses a handful). */
const maxSegments = 64;

/**
 * `type/subtype; a=b; c="d"` → value and parameters, one pass. A parameter
 * without `=` is skipped; the first of a repeated name wins; a comment after
 * an unquoted value is dropped. RFC 2231 continuations (`name*0*=`,
 * `name*1=`) are joined in order up to the first gap, each `*` segment
 * percent-decoded in the first segment's charset. `name` and `filename` have
 * RFC 2047 words decoded, as mail clients send them.
 */
export function parseHeaderValue(raw: string): HeaderValue {
  const semi = raw.indexOf(';');
  const value = (semi === -1 ? raw : raw.slice(0, semi)).replace(/\(.*?\)/g, '').trim().toLowerCase();
  const params: Record<string, string> = {};
  const segments = new Map<string, Array<{ text: string; encoded: boolean } | undefined>>();
  let i = semi === -1 ? raw.length : semi + 1;
  while (i < raw.length) {
    while (i < raw.length && (raw[i] === ' ' || raw[i] === '\t' || raw[i] === ';')) i++;
    let j = i;
    while (j < raw.length && raw[j] !== '=' && raw[j] !== ';') j++;
    if (j >= raw.length) break;
    const name = raw.slice(i, j).trim().toLowerCase();
    i = j + 1;
    if (raw[j] === ';') continue;
    while (i < raw.length && (raw[i] === ' ' || raw[i] === '\t')) i++;
    let v: string;
    if (raw[i] === '"') {
      const chunks: string[] = [];
      let k = ++i;
      while (k < raw.length && raw[k] !== '"') {
        if (raw[k] === '\\' && k + 1 < raw.length) {
          chunks.push(raw.slice(i, k));
          i = ++k;
        }
        k++;
      }
      chunks.push(raw.slice(i, k));
      i = k + 1;
      v = chunks.join('');
    } else {
      const end = raw.indexOf(';', i);
      v = raw.slice(i, end === -1 ? raw.length : end).replace(/\(.*?\)/g, '').trim();
      i = end === -1 ? raw.length : end;
    }
    const star = /^([^*]+)\*(\d+)?(\*)?$/.exec(name);
    if (star) {
      const index = star[2] === undefined ? 0 : Number(star[2]);
      if (index >= maxSegments) continue;
      let list = segments.get(star[1]);
      if (!list) {
        if (segments.size >= maxSegments) continue;
        segments.set(star[1], (list = []));
      }
      list[index] ??= { text: v, encoded: star[3] !== undefined || star[2] === undefined };
    } else if (name && !(name in params)) {
      params[name] = wordParams.has(name) && v.includes('=?') ? decodeWords(v) : v;
    }
  }
  for (const [name, list] of segments) {
    if (name in params || !list[0]) continue;
    params[name] = join2231(list);
  }
  return { value, params };
}

/** RFC 2231 segments joined up to the first gap; `*` segments percent-decoded in the first one's charset. */
function join2231(list: Array<{ text: string; encoded: boolean } | undefined>): string {
  let charset = 'utf-8';
  const bytes: number[] = [];
  for (let n = 0; n < list.length; n++) {
    const segment = list[n];
    if (!segment) break;
    let text = segment.text;
    if (segment.encoded && n === 0) {
      const m = /^([^']*)'[^']*'/.exec(text);
      if (m) {
        charset = m[1] || 'utf-8';
        text = text.slice(m[0].length);
      }
    }
    for (let k = 0; k < text.length; k++) {
      const hexPair = segment.encoded && text[k] === '%' ? text.slice(k + 1, k + 3) : '';
      if (/^[0-9a-f]{2}$/i.test(hexPair)) {
        bytes.push(parseInt(hexPair, 16));
        k += 2;
      } else {
        const code = text.charCodeAt(k);
        if (code < 0x80) bytes.push(code);
        else bytes.push(...Buffer.from(text[k], 'utf8'));
      }
    }
  }
  return decodeBytes(Uint8Array.from(bytes), charset);
}

/** Longest header value RFC 2047 words are decoded in; longer values are returned as they are. */
const maxWordsLength = 64 * 1024;

/**
 * RFC 2047 encoded words (`=?charset?B|Q?...?=`) decoded in one pass;
 * whitespace between adjacent words is dropped, as the RFC says.
 */
export function decodeWords(value: string): string {
  if (value.length > maxWordsLength || !value.includes('=?')) return value;
  let out = '';
  let i = 0;
  // adjacent words of one charset are decoded together: a character may be split between them
  let pending: Uint8Array[] = [];
  let pendingCharset = '';
  let nextEnd = -2;
  const flush = (): void => {
    if (pending.length) out += decodeBytes(pending.length === 1 ? pending[0] : Buffer.concat(pending), pendingCharset);
    pending = [];
  };
  while (i < value.length) {
    const start = value.indexOf('=?', i);
    if (start === -1) break;
    const q1 = value.indexOf('?', start + 2);
    const q2 = q1 === -1 ? -1 : value.indexOf('?', q1 + 1);
    // the first `?=` after q2 serves every later start before it: search once, not once per start
    if (q2 !== -1 && nextEnd !== -1 && nextEnd <= q2) nextEnd = value.indexOf('?=', q2 + 1);
    else if (q2 !== -1 && nextEnd === -2) nextEnd = value.indexOf('?=', q2 + 1);
    const end = q2 === -1 ? -1 : nextEnd;
    const mode = q2 === q1 + 2 ? value[q1 + 1].toLowerCase() : '';
    if (end === -1) break; // no `?=` left: nothing after this can be a word
    if (mode !== 'b' && mode !== 'q') {
      flush();
      out += value.slice(i, start + 2);
      i = start + 2;
      continue;
    }
    const between = value.slice(i, start);
    const charset = value.slice(start + 2, q1).split('*')[0].toLowerCase();
    if (!(pending.length && /^\s*$/.test(between))) {
      flush();
      out += between;
    } else if (charset !== pendingCharset) flush();
    const text = value.slice(q2 + 1, end);
    pending.push(mode === 'b' ? decodeBase64(text) : decodeQuotedPrintable(Buffer.from(text.replace(/_/g, ' '), 'latin1'), false));
    pendingCharset = charset;
    i = end + 2;
  }
  flush();
  return out + value.slice(i);
}
