import type { WhatIfReport } from '../corpus/whatif.ts';
import { actionColours, actionTag, esc, page, ticks } from './html.ts';

/** Score before against score after, one dot per scan, the action thresholds drawn; dots whose action changed are ringed. */
function scatter(report: WhatIfReport): string {
  const W = 560;
  const H = 420;
  const pad = 46;
  const scores = report.comparisons.flatMap((c) => [c.before.score, c.after.score]);
  const limits = Object.values(report.thresholds);
  let lo = Math.min(0, ...scores);
  let hi = Math.max(1, ...scores, ...limits);
  const margin = (hi - lo) * 0.04;
  lo -= margin;
  hi += margin;
  const x = (v: number): number => pad + ((v - lo) / (hi - lo)) * (W - pad - 12);
  const y = (v: number): number => H - pad - ((v - lo) / (hi - lo)) * (H - pad - 12);
  const parts: string[] = [];
  for (const t of ticks(lo, hi)) {
    parts.push(`<line x1="${x(t)}" y1="${y(lo)}" x2="${x(t)}" y2="${y(hi)}" stroke="#eef0f5"/><text x="${x(t)}" y="${H - pad + 16}" text-anchor="middle">${t}</text>`);
    parts.push(`<line x1="${x(lo)}" y1="${y(t)}" x2="${x(hi)}" y2="${y(t)}" stroke="#eef0f5"/><text x="${pad - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`);
  }
  for (const [action, v] of Object.entries(report.thresholds)) {
    const c = actionColours[action] ?? '#888';
    parts.push(`<line class="threshold" x1="${x(lo)}" y1="${y(v)}" x2="${x(hi)}" y2="${y(v)}" stroke="${c}" stroke-dasharray="4 3"><title>${esc(action)} at ${v}</title></line>`);
    parts.push(`<text x="${x(hi) - 2}" y="${y(v) - 3}" text-anchor="end" style="fill:${c}">${esc(action)} ${v}</text>`);
  }
  parts.push(`<line x1="${x(lo)}" y1="${y(lo)}" x2="${x(hi)}" y2="${y(hi)}" stroke="#b8bfcc"/>`);
  for (const c of report.comparisons) {
    const changed = c.before.action !== c.after.action;
    const fill = actionColours[c.after.action] ?? '#34495e';
    parts.push(
      `<circle class="scan${changed ? ' changed' : ''}" cx="${x(c.before.score).toFixed(1)}" cy="${y(c.after.score).toFixed(1)}" r="${changed ? 5 : 3.5}" fill="${fill}" fill-opacity="0.75"${changed ? ' stroke="#111" stroke-width="1.5"' : ''}><title>${esc(c.messageId ?? c.id)} (${esc(c.where)})\n${esc(c.before.action)} ${c.before.score.toFixed(2)} → ${esc(c.after.action)} ${c.after.score.toFixed(2)}</title></circle>`,
    );
  }
  parts.push(`<text x="${W / 2}" y="${H - 6}" text-anchor="middle">score before</text><text x="12" y="${H / 2}" transform="rotate(-90 12 ${H / 2})" text-anchor="middle">score after</text>`);
  return `<svg id="scores" role="img" aria-label="score before against score after" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" style="background:#fff;border:1px solid #dde1ea;border-radius:8px">${parts.join('')}</svg>`;
}

function symbolTable(report: WhatIfReport): string {
  const rows = Object.entries(report.symbols)
    .filter(([, n]) => n.before !== n.after)
    .sort((a, b) => Math.abs(b[1].after - b[1].before) - Math.abs(a[1].after - a[1].before) || a[0].localeCompare(b[0]))
    .slice(0, 30);
  if (!rows.length) return '<p class="muted">No symbol fires more or less often.</p>';
  const most = Math.max(...rows.map(([, n]) => Math.max(n.before, n.after)), 1);
  const bar = (n: number, colour: string): string => `<svg width="160" height="10" aria-hidden="true"><rect width="${(160 * n) / most}" height="10" fill="${colour}"/></svg>`;
  return `<table id="symbols"><tr><th>symbol</th><th class="num">before</th><th class="num">after</th><th class="num">change</th><th>before / after</th></tr>${rows
    .map(([name, n]) => {
      const d = n.after - n.before;
      return `<tr><td><code>${esc(name)}</code></td><td class="num">${n.before}</td><td class="num">${n.after}</td><td class="num ${d > 0 ? 'plus' : 'minus'}">${d > 0 ? '+' : ''}${d}</td><td>${bar(n.before, '#9aa5b8')}<br>${bar(n.after, '#2e86de')}</td></tr>`;
    })
    .join('')}</table>`;
}

/** The what-if report as one self-contained HTML page (inline SVG and CSS, no scripts). */
export function whatIfHtml(report: WhatIfReport, about: { corpus: string; config: string }): string {
  const card = (n: number | string, label: string, id: string): string => `<div class="card" id="${id}"><b>${n}</b><span>${esc(label)}</span></div>`;
  const transitions = Object.entries(report.transitions).sort((a, b) => b[1] - a[1]);
  const changed = report.changed.slice(0, 500);
  const fresh = report.newEffects;
  const body = `
<h1>What if: ${esc(about.config)}</h1>
<div class="meta">corpus <code>${esc(about.corpus)}</code> · ${report.scans} captured scans</div>
<div class="cards">${card(report.compared, 'compared', 'card-compared')}${card(report.changed.length, 'action changed', 'card-changed')}${card(report.scoreChanged, 'score changed', 'card-score')}${card(fresh.total, `new effects (${fresh.mode})`, 'card-new')}${card(report.notCompared.length, 'not compared', 'card-not-compared')}</div>
<h2>Score before and after</h2>
${scatter(report)}
<h2>Action changes</h2>
${
  transitions.length
    ? `<table id="transitions"><tr><th>before</th><th>after</th><th class="num">scans</th></tr>${transitions
        .map(([move, n]) => {
          const [from, to] = move.split(' → ');
          return `<tr><td>${actionTag(from)}</td><td>${actionTag(to)}</td><td class="num">${n}</td></tr>`;
        })
        .join('')}</table>`
    : '<p class="muted">No scan changes action.</p>'
}
${
  changed.length
    ? `<h2>Scans whose action changed</h2><table id="changed"><tr><th>scan</th><th>message</th><th>action</th><th class="num">score</th><th>symbols</th></tr>${changed
        .map(
          (c) =>
            `<tr><td><code>${esc(c.where)}</code></td><td>${esc(c.messageId ?? c.id)}</td><td>${actionTag(c.before.action)} → ${actionTag(c.after.action)}</td><td class="num">${c.before.score.toFixed(2)} → ${c.after.score.toFixed(2)}</td><td>${[
              ...c.appeared.map((s) => `<span class="plus">+${esc(s)}</span>`),
              ...c.disappeared.map((s) => `<span class="minus">−${esc(s)}</span>`),
            ].join(' ')}</td></tr>`,
        )
        .join('')}</table>${report.changed.length > changed.length ? `<p class="muted">and ${report.changed.length - changed.length} more</p>` : ''}`
    : ''
}
<h2>Symbols that changed most</h2>
${symbolTable(report)}
<h2>New effects</h2>
${
  fresh.total
    ? `<p>${fresh.total} effects in ${fresh.scans} scans were not in the capture (${esc({ fail: 'not answered', live: 'answered live', handlers: 'answered by the handlers' }[fresh.mode])}).</p><table id="new-effects"><tr><th>effect or symbol</th><th class="num">count</th></tr>${[
        ...Object.entries(fresh.byType),
        ...Object.entries(fresh.bySymbol).map(([s, n]) => [`by ${s}`, n] as const),
      ]
        .map(([k, n]) => `<tr><td><code>${esc(k)}</code></td><td class="num">${n}</td></tr>`)
        .join('')}</table>`
    : '<p class="muted">Every effect the new rules make was in the capture.</p>'
}
${
  report.notCompared.length
    ? `<h2>Not compared</h2><table id="not-compared"><tr><th>scan</th><th>why</th></tr>${report.notCompared
        .slice(0, 200)
        .map((n) => `<tr><td><code>${esc(n.where)}</code></td><td>${esc(n.reason.split('\n')[0])}</td></tr>`)
        .join('')}</table>`
    : ''
}
${report.problems.length ? `<h2>Corpus lines skipped</h2><ul>${report.problems.map((p) => `<li><code>${esc(p.where)}</code>: ${esc(p.problem)}</li>`).join('')}</ul>` : ''}
`;
  return page(`corax what-if: ${about.config}`, body);
}
