import { decodeWords } from './headers.ts';

/** An address as Rspamd gives it to rules: `addr` = `user@domain`, and the display name. */
export interface Address {
  addr: string;
  user: string;
  domain: string;
  name: string;
  /** The entry as written in the header (or the SMTP command). */
  raw: string;
}

/** `user@domain` (or a bare name) split as Rspamd splits it: at the last `@`, the domain lowercased. */
export function toAddress(addr: string, name = '', raw = addr): Address {
  const bare = addr.trim().replace(/^<|>$/g, '');
  const at = bare.lastIndexOf('@');
  const user = at === -1 ? bare : bare.slice(0, at);
  const domain = at === -1 ? '' : bare.slice(at + 1).toLowerCase();
  return { addr: at === -1 ? bare : `${user}@${domain}`, user, domain, name, raw };
}

/**
 * The addresses of an address header (From, To, Cc, Reply-To) in one pass:
 * display names (quoted or RFC 2047-encoded), angle addresses, bare
 * addresses, comments and groups; at most `max` of them.
 */
export function parseAddressList(value: string, max: number): Address[] {
  const out: Address[] = [];
  let display = '';
  let angle: string | null = null;
  let comment = '';
  let entryStart = 0;
  let depth = 0;
  let quoted = false;
  let inAngle = false;
  const finish = (end: number): void => {
    const raw = value.slice(entryStart, end).trim();
    entryStart = end + 1;
    if (angle !== null) {
      out.push(toAddress(angle, cleanName(display), raw));
    } else {
      // bare addresses; several in one entry (separated by spaces or tabs) are each kept
      for (const word of display.trim().split(/\s+/)) if (word.includes('@') && out.length < max) out.push(toAddress(word, cleanName(comment), raw));
    }
    display = '';
    angle = null;
    inAngle = false;
    comment = '';
  };
  for (let i = 0; i < value.length && out.length < max; i++) {
    const c = value[i];
    if (depth > 0) {
      if (c === '\\') i++;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
      else comment += c;
      continue;
    }
    if (quoted) {
      if (c === '\\' && i + 1 < value.length) display += value[++i];
      else if (c === '"') quoted = false;
      else display += c;
      continue;
    }
    if (inAngle) {
      if (c === '>') inAngle = false;
      else angle += c;
      continue;
    }
    switch (c) {
      case '"':
        quoted = true;
        break;
      case '(':
        depth = 1;
        break;
      case '<':
        // a second angle address in one entry is skipped: the first is the one a client shows
        if (angle === null) {
          angle = '';
          inAngle = true;
        } else {
          const close = value.indexOf('>', i);
          i = close === -1 ? value.length : close;
        }
        break;
      case ':':
        // a group's name: what came before belongs to no address
        display = '';
        entryStart = i + 1;
        break;
      case ',':
      case ';':
        finish(i);
        break;
      default:
        display += c;
    }
  }
  if (out.length < max) finish(value.length);
  return out;
}

function cleanName(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, ' ');
  return trimmed.includes('=?') ? decodeWords(trimmed) : trimmed;
}
