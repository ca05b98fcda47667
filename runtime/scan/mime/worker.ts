// A worker thread of the parse pool: the whole body parsed and decoded, sent back as plain data.
import { MimeBody, type BodySnapshot } from './body.ts';
import type { MessageLimits } from './limits.ts';

export default function parse(job: { raw: Uint8Array; limits: MessageLimits }): BodySnapshot {
  return MimeBody.parse(job.raw, job.limits).snapshot();
}
