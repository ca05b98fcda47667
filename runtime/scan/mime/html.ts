import { Tokenizer } from 'htmlparser2';

/** What rules read from an HTML part: its text as a reader sees it, and the links in its markup. */
export interface HtmlContent {
  text: string;
  /** `href`/`src`/`action` values, character references decoded. */
  links: string[];
}

const blocks = new Set(['br', 'p', 'div', 'tr', 'li', 'ul', 'ol', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'hr', 'title', 'section', 'article', 'header', 'footer', 'td', 'th']);
// <head> itself hides nothing: browsers leave it at the first body content
const hidden = new Set(['script', 'style', 'title', 'template']);
const linkAttributes: Record<string, string> = { a: 'href', area: 'href', img: 'src', form: 'action', iframe: 'src', link: 'href', frame: 'src', embed: 'src' };

/**
 * HTML to text with htmlparser2's tokenizer alone: one pass, character
 * references decoded (`&#70;ree` reads `Free`), script and style content
 * dropped, block elements ending lines; links inside Outlook's conditional
 * comments are collected too. The tokenizer keeps no element
 * stack (htmlparser2's Parser searches one on every close tag, which is
 * quadratic on unbalanced markup); hidden content is tracked by a counter.
 */
export function htmlContent(html: string, maxLinks: number): HtmlContent {
  const chunks: string[] = [];
  const links: string[] = [];
  let hiddenDepth = 0;
  let tag = '';
  let attrName = '';
  let attrValue = '';
  let wanted = '';
  const openTag = (name: string): void => {
    if (hidden.has(name)) hiddenDepth++;
    if (blocks.has(name)) chunks.push('\n');
  };
  const tokenizer = new Tokenizer(
    { decodeEntities: true, xmlMode: false, recognizeSelfClosing: false },
    {
      onopentagname(start, end) {
        tag = html.slice(start, end).toLowerCase();
        wanted = linkAttributes[tag] ?? '';
        openTag(tag);
      },
      onattribname(start, end) {
        attrName = html.slice(start, end).toLowerCase();
        attrValue = '';
      },
      onattribdata(start, end) {
        if (attrName === wanted) attrValue += html.slice(start, end);
      },
      onattribentity(codepoint) {
        if (attrName === wanted) attrValue += String.fromCodePoint(codepoint);
      },
      onattribend() {
        if (wanted && attrName === wanted && attrValue && links.length < maxLinks) links.push(attrValue.trim());
        attrName = '';
      },
      onopentagend() {},
      onselfclosingtag() {
        if (hidden.has(tag) && hiddenDepth > 0) hiddenDepth--;
      },
      onclosetag(start, end) {
        const name = html.slice(start, end).toLowerCase();
        if (hidden.has(name) && hiddenDepth > 0) hiddenDepth--;
        if (blocks.has(name)) chunks.push('\n');
      },
      ontext(start, end) {
        if (hiddenDepth === 0) chunks.push(html.slice(start, end));
      },
      ontextentity(codepoint) {
        if (hiddenDepth === 0) chunks.push(String.fromCodePoint(codepoint));
      },
      oncdata() {},
      oncomment(start, end) {
        // Outlook renders markup inside conditional comments (<!--[if mso]>…<![endif]-->)
        if (html.startsWith('[if', start) && links.length < maxLinks) for (const m of html.slice(start, end).matchAll(/\b(?:href|src)\s*=\s*["']?([^"'\s>]+)/gi)) links.push(m[1]);
      },
      ondeclaration() {},
      onprocessinginstruction() {},
      onend() {},
    },
  );
  tokenizer.write(html);
  tokenizer.end();
  return { text: normalizeSpace(chunks.join('')), links };
}

/** Runs of spaces to one, blank runs of lines to one, no leading or trailing space. */
function normalizeSpace(text: string): string {
  return text
    .replace(/\u00a0/g, ' ')
    .replace(/[ \t\r\f\v]+/g, ' ')
    .replace(/ ?\n[ \n]*/g, '\n')
    .trim();
}
