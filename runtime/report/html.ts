/** Pieces shared by corax's HTML reports: self-contained pages, readable without JavaScript. */

export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Colours for actions, worst first. */
export const actionColours: Record<string, string> = {
  reject: '#c0392b',
  'soft reject': '#d35400',
  'rewrite subject': '#e67e22',
  'add header': '#f1c40f',
  greylist: '#7f8c8d',
  'no action': '#27ae60',
};

const css = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#1d2330;background:#fbfbfd}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#5b6475;margin-bottom:16px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border:1px solid #dde1ea;border-radius:8px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:22px}.card span{color:#5b6475}
table{border-collapse:collapse;background:#fff;border:1px solid #dde1ea;width:100%}
th,td{text-align:left;padding:5px 9px;border-bottom:1px solid #eef0f5;vertical-align:top}th{background:#f3f5f9;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.tag{display:inline-block;border-radius:4px;padding:0 6px;color:#fff;font-size:12px}
.plus{color:#b03a2e}.minus{color:#1e8449}.muted{color:#8a93a6}
svg text{font:11px system-ui,sans-serif;fill:#3b4252}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
`;

/** A whole page: title, the report's own CSS, the body. No scripts, no external resources. */
export function page(title: string, body: string, extraCss = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title><style>${css}${extraCss}</style></head>
<body>${body}</body></html>
`;
}

export function actionTag(action: string): string {
  const colour = actionColours[action] ?? '#34495e';
  const dark = action === 'add header';
  return `<span class="tag" style="background:${colour}${dark ? ';color:#222' : ''}">${esc(action)}</span>`;
}

/** Round ticks for an axis from lo to hi. */
export function ticks(lo: number, hi: number, count = 6): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push(Math.round(t * 1e6) / 1e6);
  return out;
}
