/**
 * npm run bench: every benchmark in turn, each in its own process, their
 * reports collected into BENCHMARKS.md with the analysis in bench/analysis.md.
 * `--quick` runs each with tiny counts (what npm test does, so none rots).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machine } from './lib.ts';

export const benchmarks = ['dispatch', 'live', 'replay', 'e2e', 'scale', 'load'];

const quick = process.argv.includes('--quick');
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const sections: string[] = [];
let failed = false;
for (const name of benchmarks) {
  const started = Date.now();
  process.stderr.write(`bench/${name}.ts …\n`);
  const run = spawnSync(process.execPath, ['--expose-gc', '--conditions=development', '--import', 'tsx', here(`./${name}.ts`), ...(quick ? ['--quick'] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 2 ** 20 });
  process.stderr.write(`bench/${name}.ts done in ${((Date.now() - started) / 1000).toFixed(0)} s (exit ${run.status})\n`);
  if (run.status !== 0) failed = true;
  const text = run.stdout.slice(Math.max(0, run.stdout.indexOf('## ')));
  sections.push(text.trim());
}
if (!quick) {
  const doc = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, on ${machine()}. Every comparison runs its contenders side by side in one run, in turns, and reports medians with min and max, and ratios: absolute figures on a shared two-core machine drift from run to run, ratios much less.`,
    '',
    readFileSync(here('./analysis.md'), 'utf8').trim(),
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
  writeFileSync(here('../BENCHMARKS.md'), doc);
  process.stderr.write('wrote BENCHMARKS.md\n');
} else {
  console.log(sections.join('\n\n'));
}
if (failed) process.exitCode = 1;
