// An HTTP call to the content-scoring service, with a timeout and a local fallback.
import { defineSymbol, http } from 'corax';
import { services } from '../settings.ts';

/** What to do when the scorer cannot answer: a crude local look at the text. */
function fallbackScore(text: string): number {
  const shouting = (text.match(/[A-Z]{4,}/g) ?? []).length;
  const bangs = (text.match(/!{2,}/g) ?? []).length;
  return Math.min(3, shouting * 0.5 + bangs * 0.5);
}

export const CONTENT_SCORE = defineSymbol({
  name: 'CONTENT_SCORE',
  description: 'the content scorer finds the text spammy',
  group: 'content',
  *callback(task) {
    const text = task.getText();
    const [err, res] = yield* http.request({
      url: `${services.http}/score`,
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: text,
      timeout: 500,
    });
    if (err || res.code !== 200) {
      task.insertResult('CONTENT_SCORE_FALLBACK', 1, err ? err.message : `HTTP ${res.code}`);
      const score = fallbackScore(text);
      if (score > 0) task.insertResult('CONTENT_SPAMMY', score, 'local fallback');
      return;
    }
    const { score, labels } = JSON.parse(res.content) as { score: number; labels: string[] };
    if (score > 0) task.insertResult('CONTENT_SPAMMY', score, ...labels);
  },
});
