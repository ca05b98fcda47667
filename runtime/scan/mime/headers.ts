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
 * unfolded; lines without a colon are skipped (`broken` counts them).
 */
export function parseHeaderBlock(bytes: Uint8Array): { fields: HeaderField[]; broken: number } {
  const text = utf8.decode(bytes);
  const fields: HeaderField[] = [];
  let broken = 0;
  let start = 0;
  let current: HeaderField | null = null;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const first = text.charCodeAt(start);
    if (lineEnd > start) {
      if ((first === 32 || first === 9) && current) {
        current.value += ` ${text.slice(start, lineEnd).trim()}`;
      } else {
        const colon = text.indexOf(':', start);
        if (colon <= start || colon >= lineEnd) {
          current = null;
          broken++;
        } else {
          current = { name: text.slice(start, colon).trim(), value: text.slice(colon + 1, lineEnd).trim() };
          fields.push(current);
        }
      }
    }
    start = end + 1;
  }
  return { fields, broken };
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

/**
 * `type/subtype; a=b; c="d"` → value and parameters, one pass. RFC 2231
 * continuations (`name*0*=`, `name*1=`) and charsets (`utf-8''%E2%82%AC`) are
 * joined and decoded; RFC 2047 words in a quoted value are decoded too, as
 * mail clients send them.
 */
export function parseHeaderValue(raw: string): HeaderValue {
  const semi = raw.indexOf(';');
  const value = (semi === -1 ? raw : raw.slice(0, semi)).trim().toLowerCase();
  const params: Record<string, string> = {};
  const continued = new Map<string, { parts: string[]; encoded: boolean }>();
  let i = semi === -1 ? raw.length : semi + 1;
  while (i < raw.length) {
    while (i < raw.length && (raw[i] === ' ' || raw[i] === '\t' || raw[i] === ';')) i++;
    const eq = raw.indexOf('=', i);
    if (eq === -1) break;
    const name = raw.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (i < raw.length && (raw[i] === ' ' || raw[i] === '\t')) i++;
    let v: string;
    if (raw[i] === '"') {
      let out = '';
      i++;
      while (i < raw.length && raw[i] !== '"') {
        if (raw[i] === '\\' && i + 1 < raw.length) i++;
        out += raw[i++];
      }
      i++;
      v = out;
    } else {
      const end = raw.indexOf(';', i);
      v = raw.slice(i, end === -1 ? raw.length : end).trim();
      i = end === -1 ? raw.length : end;
    }
    const star = /^([^*]+)\*(\d+)?(\*)?$/.exec(name);
    if (star) {
      const entry = continued.get(star[1]) ?? { parts: [], encoded: false };
      entry.parts[star[2] === undefined ? 0 : Number(star[2])] = v;
      if (star[3] || star[2] === undefined) entry.encoded ||= star[2] === undefined || star[2] === '0';
      continued.set(star[1], entry);
    } else if (name) {
      params[name] = v.includes('=?') ? decodeWords(v) : v;
    }
    if (continued.size > 64) break;
  }
  for (const [name, { parts, encoded }] of continued) params[name] = encoded ? decode2231(parts.join('')) : parts.join('');
  return { value, params };
}

function decode2231(text: string): string {
  const m = /^([^']*)'[^']*'(.*)$/s.exec(text);
  if (!m) return text;
  const bytes: number[] = [];
  const body = m[2];
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '%' && /^[0-9a-f]{2}$/i.test(body.slice(i + 1, i + 3))) {
      bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(body.charCodeAt(i) & 0xff);
  }
  return decodeBytes(Uint8Array.from(bytes), m[1] || 'utf-8');
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
  const flush = (): void => {
    if (pending.length) out += decodeBytes(pending.length === 1 ? pending[0] : Buffer.concat(pending), pendingCharset);
    pending = [];
  };
  while (i < value.length) {
    const start = value.indexOf('=?', i);
    if (start === -1) break;
    const q1 = value.indexOf('?', start + 2);
    const q2 = q1 === -1 ? -1 : value.indexOf('?', q1 + 1);
    const end = q2 === -1 ? -1 : value.indexOf('?=', q2 + 1);
    const mode = q2 === q1 + 2 ? value[q1 + 1].toLowerCase() : '';
    if (end === -1 || (mode !== 'b' && mode !== 'q')) {
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
