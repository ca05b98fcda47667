import type { IncomingHttpHeaders } from 'node:http';
import { compress, decompress, init } from '@bokuweb/zstd-wasm';

/**
 * zstd as Rspamd uses it: a request with `Compression: zstd` has a
 * compressed body, and its reply is compressed too, with the same header.
 * zstd runs as WebAssembly (@bokuweb/zstd-wasm): no native build, the same
 * on every platform; the codec loads on the first compressed request.
 */
let ready: Promise<void> | null = null;

export async function decodeBody(body: Buffer, maxSize: number): Promise<Buffer> {
  await (ready ??= init());
  let out: Buffer;
  try {
    out = Buffer.from(decompress(body));
  } catch {
    throw new Error('the body is not a zstd frame');
  }
  if (out.length > maxSize) throw new Error(`the message is larger than server.maxBodySize (${maxSize} bytes) once decompressed`);
  return out;
}

/** The reply body, compressed when the request was. */
export function encodeReply(json: string, request: IncomingHttpHeaders): { body: Buffer; headers: Record<string, string> } {
  const body = Buffer.from(json);
  if (String(request.compression ?? '').toLowerCase() !== 'zstd') return { body, headers: {} };
  return { body: Buffer.from(compress(body, 3)), headers: { compression: 'zstd' } };
}
