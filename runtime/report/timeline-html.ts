import { actionTag, esc, page, ticks } from './html.ts';
import type { TimelineEffect, TimelineTask } from './timeline.ts';

const colours: Record<TimelineEffect['outcome'], string> = { ok: '#2e86de', error: '#e67e22', timeout: '#c0392b', canceled: '#95a5a6' };
const ROW = 26;
const LABEL = 190;
const WIDTH = 1100;

function ms(n: number): string {
  return n >= 100 ? `${Math.round(n)} ms` : `${Math.round(n * 10) / 10} ms`;
}

/** One scan: a row per symbol, the symbol's run as a thin band, its effects as bars, the task timeout as a line. */
function taskSvg(task: TimelineTask): string {
  const t0 = task.start;
  const last = Math.max(task.end, ...task.effects.map((e) => e.end), ...task.symbols.map((s) => s.end ?? t0));
  // the task timeout is drawn when it is near enough to matter
  const span = Math.max(last - t0, 1);
  const showTimeout = task.timedOut || task.taskTimeout <= span * 3;
  const hi = Math.max(span, showTimeout ? task.taskTimeout : 0) * 1.03;
  const x = (t: number): number => LABEL + ((t - t0) / hi) * (WIDTH - LABEL - 20);
  const rows = task.symbols.length;
  const H = 30 + rows * ROW + 24;
  const parts: string[] = [];
  for (const t of ticks(0, hi, 8)) {
    parts.push(`<line x1="${x(t0 + t)}" y1="22" x2="${x(t0 + t)}" y2="${H - 20}" stroke="#eef0f5"/><text x="${x(t0 + t)}" y="16" text-anchor="middle">${ms(t)}</text>`);
  }
  task.symbols.forEach((s, i) => {
    const y = 28 + i * ROW;
    parts.push(`<g class="row" data-symbol="${esc(s.name)}"><text x="8" y="${y + 15}">${esc(s.name)}</text><text x="${LABEL - 8}" y="${y + 15}" text-anchor="end" class="outcome-${esc(s.outcome.replace(/\s/g, '-'))}">${esc(s.outcome)}</text>`);
    if (s.start !== undefined && s.end !== undefined) {
      parts.push(`<rect class="symbol-span" x="${x(s.start)}" y="${y + 9}" width="${Math.max(1, x(s.end) - x(s.start))}" height="4" fill="#cfd6e3"><title>${esc(s.name)}: ${ms(s.start - t0)} to ${ms(s.end - t0)} (${esc(s.outcome)})</title></rect>`);
    }
    const mine = task.effects.filter((e) => e.symbol === s.name);
    // overlapping effects (all, race, callbacks) share the row in two lanes
    mine.forEach((e, j) => {
      const lane = mine.slice(0, j).some((o) => o.end > e.start) ? 1 : 0;
      const w = Math.max(2, x(e.end) - x(e.start));
      const title = `${e.what}\n${ms(e.start - t0)} → ${ms(e.end - t0)} (${ms(e.end - e.start)}): ${e.outcome}${e.error ? ` — ${e.error}` : ''}${e.timeout !== undefined ? `\ntimeout ${ms(e.timeout)}` : ''}`;
      parts.push(`<rect class="effect effect-${e.outcome}" x="${x(e.start)}" y="${y + 2 + lane * 11}" width="${w}" height="9" rx="2" fill="${colours[e.outcome]}"><title>${esc(title)}</title></rect>`);
      if (e.outcome !== 'ok') parts.push(`<text x="${x(e.end) + 3}" y="${y + 10 + lane * 11}" style="fill:${colours[e.outcome]}">${e.outcome === 'timeout' ? '⏱' : e.outcome === 'error' ? '✕' : '∅'}</text>`);
    });
    parts.push('</g>');
  });
  const tx = x(t0 + task.taskTimeout);
  if (showTimeout) {
    parts.push(`<line class="task-timeout" x1="${tx}" y1="22" x2="${tx}" y2="${H - 20}" stroke="#c0392b" stroke-width="2" stroke-dasharray="6 4"><title>task timeout ${ms(task.taskTimeout)}</title></line><text x="${tx - 4}" y="${H - 6}" text-anchor="end" style="fill:#c0392b">task timeout ${ms(task.taskTimeout)}</text>`);
  }
  // the end's label gives way to the timeout's when they fall together
  const endLabel = showTimeout && Math.abs(x(task.end) - tx) < 150 ? '' : `<text x="${x(task.end) - 4}" y="${H - 6}" text-anchor="end">done ${ms(task.end - t0)}</text>`;
  parts.push(`<line class="task-end" x1="${x(task.end)}" y1="22" x2="${x(task.end)}" y2="${H - 20}" stroke="#2c3e50"/>${endLabel}`);
  return `<svg class="timeline" role="img" aria-label="timeline of ${esc(task.label)}" width="${WIDTH}" height="${H}" viewBox="0 0 ${WIDTH} ${H}" style="background:#fff;border:1px solid #dde1ea;border-radius:8px">${parts.join('')}</svg>`;
}

/** The effects as a table: what the picture shows, readable without it. */
function effectTable(task: TimelineTask): string {
  if (!task.effects.length) return '<p class="muted">No effects.</p>';
  return `<details><summary>${task.effects.length} effects</summary><table class="effects"><tr><th>symbol</th><th>effect</th><th class="num">start</th><th class="num">took</th><th>outcome</th></tr>${task.effects
    .map(
      (e) =>
        `<tr><td><code>${esc(e.symbol)}</code></td><td><code>${esc(e.what)}</code></td><td class="num">${ms(e.start - task.start)}</td><td class="num">${ms(e.end - e.start)}</td><td style="color:${colours[e.outcome]}">${esc(e.outcome)}${e.error ? ` — ${esc(e.error)}` : ''}</td></tr>`,
    )
    .join('')}</table></details>`;
}

/** Timelines of scans as one self-contained HTML page (inline SVG, no scripts). */
export function timelineHtml(tasks: TimelineTask[]): string {
  const legend = Object.entries(colours)
    .map(([k, c]) => `<span><svg width="14" height="10" aria-hidden="true"><rect width="14" height="10" rx="2" fill="${c}"/></svg> ${k}</span>`)
    .join(' &nbsp; ');
  const sections = tasks
    .map(
      (t) => `<section class="task" id="task-${esc(t.id)}">
<h2>${esc(t.label)}</h2>
<div class="meta">${t.action ? actionTag(t.action) : '<span class="muted">no result</span>'} score ${t.score?.toFixed(2) ?? '–'} · ${ms(t.end - t.start)}${t.timedOut ? ' · <b style="color:#c0392b">task timed out</b>' : ''} · ${t.effects.length} effects</div>
${taskSvg(t)}
${effectTable(t)}
</section>`,
    )
    .join('\n');
  return page(`corax timeline (${tasks.length} scan${tasks.length === 1 ? '' : 's'})`, `<h1>Scan timeline</h1><div class="meta">${legend} &nbsp; symbol run <svg width="20" height="4" aria-hidden="true"><rect width="20" height="4" fill="#cfd6e3"/></svg></div>${sections}`);
}
