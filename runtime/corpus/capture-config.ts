import { count, invalid, onlyKeys, positive, section } from '../../effects/config-check.ts';
import { actionNames, type Action } from '../config/config.ts';

/**
 * What `corax serve` and `corax scan` keep of the mail they scan, for
 * `corax whatif`. It stores messages: off unless `dir` is set.
 */
export interface CaptureConfig {
  /** The corpus folder (created when missing). */
  dir: string;
  /** The fraction of scans kept, 0 to 1 (default 1). */
  sample: number;
  /** Only scans that ended in one of these actions (default: every action). */
  actions: readonly Action[] | null;
  /** The whole corpus at most this many bytes: the oldest files go first (default 1 GiB). */
  maxBytes: number;
  /** Files older than this many hours are deleted (default 168, a week). */
  maxAgeHours: number;
  /** A file is closed and a new one started at this size (default 64 MiB). */
  fileBytes: number;
  /** Messages larger than this are not kept (default 10 MiB). */
  maxMessageBytes: number;
  /** More request-header or option names whose values are replaced by the redaction marker. */
  redact: readonly string[];
}

export type CaptureInput = { dir: string } & Partial<Omit<CaptureConfig, 'dir'>>;

const keys = ['dir', 'sample', 'actions', 'maxBytes', 'maxAgeHours', 'fileBytes', 'maxMessageBytes', 'redact'];

/** The config's `capture` section, validated; null when absent. */
export function resolveCapture(input: unknown): Readonly<CaptureConfig> | null {
  if (input === undefined) return null;
  const given = section('capture', input);
  onlyKeys('capture', given, keys);
  if (typeof given.dir !== 'string' || given.dir === '') invalid('capture.dir', given.dir, 'the folder to keep the corpus in');
  const sample = given.sample ?? 1;
  if (typeof sample !== 'number' || !(sample >= 0 && sample <= 1)) invalid('capture.sample', sample, 'a fraction from 0 to 1');
  // read here, not at load: config.ts imports this file
  const allActions: readonly Action[] = [...actionNames, 'no action'];
  let actions: Action[] | null = null;
  if (given.actions !== undefined) {
    if (!Array.isArray(given.actions) || given.actions.some((a) => !allActions.includes(a as Action))) {
      invalid('capture.actions', given.actions, `a list of actions among ${allActions.join(', ')}`);
    }
    actions = [...(given.actions as Action[])];
  }
  const redact = given.redact ?? [];
  if (!Array.isArray(redact) || redact.some((r) => typeof r !== 'string')) invalid('capture.redact', redact, 'a list of header or field names');
  return Object.freeze({
    dir: given.dir,
    sample,
    actions,
    maxBytes: count('capture.maxBytes', given.maxBytes, 1024 ** 3, 1),
    maxAgeHours: positive('capture.maxAgeHours', given.maxAgeHours, 168),
    fileBytes: count('capture.fileBytes', given.fileBytes, 64 * 1024 ** 2, 1),
    maxMessageBytes: count('capture.maxMessageBytes', given.maxMessageBytes, 10 * 1024 ** 2, 1),
    redact: [...(redact as string[])],
  });
}
