import { parseArgs } from 'node:util';
import { tidyRecording } from '../interpreters/journal.ts';
import { UsageError } from './main.ts';

export const recordingUsage = `Usage: corax recording tidy FILE

A recorder writes FILE.partial as it goes (a line per completed effect) and FILE when it closes.
After a crash (SIGKILL, power), \`tidy\` turns what is there into FILE: every complete entry is kept,
sorted; an entry cut off mid-write is dropped. The result replays with --io replay:FILE.
`;

export async function recordingCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    process.stdout.write(recordingUsage);
    return 0;
  }
  const [action, file] = positionals;
  if (action !== 'tidy' || !file) throw new UsageError('recording: expected `corax recording tidy FILE` (see corax recording --help)');
  try {
    const done = tidyRecording(file);
    process.stdout.write(`${file}: ${done.entries} entries from ${done.from}${done.dropped ? `, ${done.dropped} cut-off line${done.dropped === 1 ? '' : 's'} dropped` : ''}\n`);
    return 0;
  } catch (error) {
    throw new UsageError(`recording tidy: ${(error as Error).message}`);
  }
}
