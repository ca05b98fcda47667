import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config-file.ts';
import { createLiveInterpreter } from '../interpreters/live.ts';
import type { TestHandlers } from '../interpreters/test.ts';
import { readCorpus } from '../corpus/corpus.ts';
import { whatIf } from '../corpus/whatif.ts';
import type { NewEffects } from '../corpus/whatif-io.ts';
import { formatWhatIf } from '../corpus/whatif-text.ts';
import { whatIfHtml } from '../report/whatif-html.ts';
import { UsageError } from './main.ts';
import { positiveInteger } from './options.ts';

export const whatifUsage = `Usage: corax whatif --corpus DIR [options]

Re-runs the scans a capture kept (config \`capture\`, or --capture on serve and scan) with a new
configuration. Effects the old and new rules share answer from the capture, on its timing; the
report says which scans would have got another action, how scores and symbols moved, and which
effects the capture could not answer.

Options:
  -c, --config F          the new configuration (default: ./corax.config.ts, .mts, .cts, .js, .mjs or .cjs)
      --corpus DIR        the capture folder
      --new-effects HOW   what answers an effect the capture lacks:
                            fail (default)    nothing: that scan is reported as not compared
                            live              performed now, with the new configuration's servers
                            handlers:FILE     the test handlers FILE exports (default export or \`handlers\`)
      --json              the report as one JSON object
      --html FILE         also write the report as a self-contained HTML page
      --fail-on N|N%      exit 1 when more than N scans (or N% of those compared) change action
      --concurrency N     scans re-run at once (default 16)
  -h, --help              this text

Exit status: 0, or 1 when --fail-on is passed or the corpus cannot be read; 2 for a usage or config mistake.
`;

async function newEffectsFrom(spec: string, config: Parameters<typeof createLiveInterpreter>[0]): Promise<NewEffects> {
  if (spec === 'fail') return { mode: 'fail' };
  if (spec === 'live') return { mode: 'live', live: createLiveInterpreter(config) };
  if (spec.startsWith('handlers:') && spec.length > 'handlers:'.length) {
    const file = resolve(spec.slice('handlers:'.length));
    if (!existsSync(file)) throw new UsageError(`--new-effects ${spec}: no such file`);
    let mod: Record<string, unknown>;
    try {
      mod = await import(pathToFileURL(file).href);
    } catch (error) {
      throw new UsageError(`--new-effects ${spec}: cannot load it: ${(error as Error).message}`);
    }
    const handlers = (mod.handlers ?? mod.default) as TestHandlers | undefined;
    if (typeof handlers !== 'object' || handlers === null) {
      throw new UsageError(`--new-effects ${spec}: export the handlers as \`default\` or \`handlers\`, keyed by effect type as for createTestInterpreter`);
    }
    return { mode: 'handlers', handlers };
  }
  throw new UsageError(`--new-effects ${spec}: expected fail, live or handlers:FILE`);
}

/** `--fail-on 3` or `--fail-on 2.5%`. */
function threshold(value: string | undefined): ((changed: number, compared: number) => boolean) | null {
  if (value === undefined) return null;
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(value);
  if (!m) throw new UsageError(`--fail-on ${value}: expected a count such as 0 or 10, or a share such as 1%`);
  const n = Number(m[1]);
  return m[2] ? (changed, compared) => changed > (n / 100) * compared : (changed) => changed > n;
}

export async function whatifCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      corpus: { type: 'string' },
      'new-effects': { type: 'string', default: 'fail' },
      json: { type: 'boolean', default: false },
      html: { type: 'string' },
      'fail-on': { type: 'string' },
      concurrency: { type: 'string', default: '16' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(whatifUsage);
    return 0;
  }
  if (!values.corpus) throw new UsageError('whatif: --corpus DIR is needed (see corax whatif --help)');
  const failOn = threshold(values['fail-on']);
  const concurrency = positiveInteger('concurrency', values.concurrency!);
  const { config, path } = await loadConfig(values.config);
  let corpus;
  try {
    corpus = readCorpus(values.corpus);
  } catch (error) {
    process.stderr.write(`corax: cannot read the corpus ${values.corpus}: ${(error as Error).message}\n`);
    return 1;
  }
  if (corpus.scans.length === 0) {
    process.stderr.write(`corax: ${values.corpus} holds no captured scans${corpus.problems.length ? ` (${corpus.problems.length} lines could not be read)` : ''}\n`);
    return 1;
  }
  const newEffects = await newEffectsFrom(values['new-effects']!, config);
  const progress = process.stderr.isTTY && !values.json;
  const report = await whatIf(corpus.scans, corpus.problems, {
    config,
    newEffects,
    concurrency,
    onProgress: progress ? (done, total) => process.stderr.write(`\r\x1b[Kre-scanning ${done}/${total}`) : undefined,
  });
  if (progress) process.stderr.write('\r\x1b[K');
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatWhatIf(report));
  if (values.html) writeFileSync(values.html, whatIfHtml(report, { corpus: values.corpus, config: path }));
  if (failOn?.(report.changed.length, report.compared)) {
    process.stderr.write(`corax: ${report.changed.length} of ${report.compared} scans change action, more than --fail-on ${values['fail-on']} allows\n`);
    return 1;
  }
  return 0;
}
