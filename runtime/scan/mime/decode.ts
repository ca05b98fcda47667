import { TextDecoder } from 'node:util';

/** Transfer encodings and charsets: Buffer's native base64, a byte loop for quoted-printable, one TextDecoder per charset. */

const decoders = new Map<string, TextDecoder>();
// 8-bit text in a part labelled ASCII is UTF-8 far more often than anything else
const aliases: Record<string, string> = { 'us-ascii': 'utf-8', ascii: 'utf-8', latin1: 'windows-1252', 'x-user-defined': 'windows-1252', utf8: 'utf-8', 'ks_c_5601-1987': 'euc-kr', 'x-sjis': 'shift_jis', cp1252: 'windows-1252' };

function decoderFor(charset: string): TextDecoder {
  const label = charset.trim().toLowerCase() || 'utf-8';
  let decoder = decoders.get(label);
  if (decoder) return decoder;
  try {
    decoder = new TextDecoder(aliases[label] ?? label);
  } catch {
    // an unknown charset reads as UTF-8 with replacement characters, as Rspamd converts it
    decoder = decoderFor('utf-8');
  }
  if (decoders.size < 256) decoders.set(label, decoder);
  return decoder;
}

// windows-1252's 0x80–0x9F, which Node 20's decoder reads as C1 controls (ISO-8859-1)
const cp1252 = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** Bytes in `charset` as a string; invalid sequences become U+FFFD. */
export function decodeBytes(bytes: Uint8Array, charset = 'utf-8'): string {
  const decoder = decoderFor(charset);
  const text = decoder.decode(bytes);
  if (decoder.encoding !== 'windows-1252' || !/[\u0080-\u009f]/.test(text)) return text;
  return text.replace(/[\u0080-\u009f]/g, (c) => cp1252[c.charCodeAt(0) - 0x80]);
}

/** Base64 with whatever line breaks and junk mail carries (Buffer skips what is not base64). */
export function decodeBase64(input: string | Uint8Array): Uint8Array {
  return typeof input === 'string' ? Buffer.from(input, 'base64') : Buffer.from(Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1'), 'base64');
}

const hex = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) hex[48 + i] = i;
for (let i = 0; i < 6; i++) {
  hex[65 + i] = 10 + i;
  hex[97 + i] = 10 + i;
}

/**
 * Quoted-printable in one pass: `=XX` bytes, soft line breaks (`=` at the end
 * of a line) removed when `softBreaks`; a malformed `=` is kept as it is.
 */
export function decodeQuotedPrintable(input: Uint8Array, softBreaks = true): Uint8Array {
  const out = Buffer.allocUnsafe(input.length);
  let o = 0;
  const n = input.length;
  for (let i = 0; i < n; i++) {
    const c = input[i];
    if (c !== 61) {
      out[o++] = c;
      continue;
    }
    const a = i + 1 < n ? hex[input[i + 1]] : -1;
    const b = i + 2 < n ? hex[input[i + 2]] : -1;
    if (a >= 0 && b >= 0) {
      out[o++] = (a << 4) | b;
      i += 2;
      continue;
    }
    if (softBreaks) {
      // `=` then optional trailing whitespace then a line break
      let j = i + 1;
      while (j < n && (input[j] === 32 || input[j] === 9)) j++;
      if (j < n && input[j] === 10) {
        i = j;
        continue;
      }
      if (j + 1 < n && input[j] === 13 && input[j + 1] === 10) {
        i = j + 1;
        continue;
      }
      if (j === n) break;
    }
    out[o++] = c;
  }
  return out.subarray(0, o);
}

/** A part's body bytes decoded from its Content-Transfer-Encoding. */
export function decodeTransfer(body: Uint8Array, encoding: string): Uint8Array {
  switch (encoding) {
    case 'base64':
      return decodeBase64(body);
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}
