import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { parseRecording, serialize, sortEntries, RecordingFormatError, type RecordingEntry, type RecordingHeader } from './recording.ts';

/**
 * A recording written as it goes: `FILE.partial` gets the header, then each
 * entry as one line the moment its effect completes, so a crash (SIGKILL,
 * power) loses at most the effects in flight; closing writes `FILE` sorted
 * and removes the journal. `FILE.lock` (holding the pid) keeps a second
 * process from recording to the same file.
 */
export class Journal {
  private fd: number | null = null;
  readonly partial: string;
  private readonly lock: string;

  constructor(readonly path: string, header: RecordingHeader) {
    this.partial = `${path}.partial`;
    this.lock = `${path}.lock`;
    takeLock(this.lock, path);
    try {
      this.fd = openSync(this.partial, 'w');
      writeSync(this.fd, `${JSON.stringify(header)}\n`);
    } catch (error) {
      releaseLock(this.lock);
      throw error;
    }
  }

  append(entry: RecordingEntry): void {
    if (this.fd === null) return;
    // one line per entry: serialize() encodes exactly as the final file does
    writeSync(this.fd, serialize({} as RecordingHeader, [entry]).split('\n')[1] + '\n');
  }

  /** Ends the journal: the caller has written the final file. */
  finish(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    if (existsSync(this.partial)) unlinkSync(this.partial);
    releaseLock(this.lock);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RecordingLockedError extends Error {
  override name = 'RecordingLockedError';
}

function takeLock(lock: string, path: string, advice = 'record to another file, or wait for it to finish'): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lock, 'utf8').trim());
      // an empty lock is one another process has just created and not yet written its pid into
      if (!(holder > 0) && Date.now() - statSync(lock).mtimeMs < 5000) throw new RecordingLockedError(`${path} is being locked by another process (${lock})`);
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
        throw new RecordingLockedError(`${path} is being recorded by process ${holder} (${lock}); ${advice}`);
      }
      // the holder is gone (it crashed): its journal stays for `corax recording tidy`; take the lock over
      unlinkSync(lock);
    }
  }
  throw new RecordingLockedError(`cannot take ${lock}`);
}

function releaseLock(lock: string): void {
  try {
    if (Number(readFileSync(lock, 'utf8').trim()) === process.pid) unlinkSync(lock);
  } catch {
    // already gone
  }
}

/**
 * Turns what a crashed recorder left (`FILE.partial`, or a FILE whose last
 * line was cut off) into a sorted recording at FILE: complete entries are
 * kept, a truncated last line is dropped. Returns what it did, for the CLI.
 */
export function tidyRecording(path: string): { entries: number; dropped: number; from: string } {
  // a live recorder's journal is not ours to finish: the lock is taken for the whole tidy (a dead recorder's is taken over)
  const lock = `${path}.lock`;
  const own = existsSync(lock) && Number(readFileSync(lock, 'utf8').trim()) === process.pid;
  if (!own) takeLock(lock, path, 'tidy it once that process has stopped');
  try {
    return tidyLocked(path);
  } finally {
    releaseLock(lock);
  }
}

function tidyLocked(path: string): { entries: number; dropped: number; from: string } {
  const from = existsSync(`${path}.partial`) ? `${path}.partial` : path;
  if (!existsSync(from)) throw new RecordingFormatError(`nothing to tidy: neither ${path} nor ${path}.partial exists`);
  const lines = readFileSync(from, 'utf8').split('\n');
  let dropped = 0;
  let parsed: { header: RecordingHeader; entries: RecordingEntry[] } | null = null;
  // drop trailing lines that do not parse (an entry cut off mid-write), nothing else
  for (let keep = lines.length; keep > 0 && !parsed; keep--) {
    try {
      parsed = parseRecording(lines.slice(0, keep).join('\n'), from);
    } catch (error) {
      if (keep < lines.length - 2) throw error;
      if (lines[keep - 1]?.trim()) dropped++;
    }
  }
  if (!parsed) throw new RecordingFormatError(`${from}: no recording header`);
  const tmp = `${path}.tidy`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, serialize(parsed.header, sortEntries(parsed.entries)));
  closeSync(fd);
  renameSync(tmp, path);
  if (from !== path) unlinkSync(from);
  return { entries: parsed.entries.length, dropped, from };
}
