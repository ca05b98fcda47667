import { createPrivateKey, createPublicKey, createHash, diffieHellman, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { hchacha, xchacha20 } from '@noble/ciphers/chacha.js';
import { poly1305 } from '@noble/ciphers/_poly1305.js';

/**
 * Rspamd's encrypted HTTP ("HTTPCrypt", what `rspamc --key` and an
 * encrypting rspamd_proxy speak), in its default curve25519 mode, as
 * Rspamd 3.4 does it (src/libserver/http/http_connection.c,
 * src/libcryptobox/cryptobox.c):
 *
 * - the request carries `Key: <short id of our key>=<client's public key>`,
 *   both in Rspamd's base32; the short id is the first 5 bytes of
 *   BLAKE2b-512 of our public key;
 * - the shared key is HChaCha20(X25519(our secret, their public), 16 zero bytes);
 * - a body is nonce (24 bytes), Poly1305 tag (16), ciphertext: XChaCha20
 *   from keystream block 1, the tag keyed by the first 32 bytes of block 0
 *   and computed over the ciphertext alone;
 * - inside is a whole HTTP request (request line, headers, body), and the
 *   reply is a whole HTTP response sealed the same way with a fresh nonce.
 */

const alphabet = 'ybndrfg8ejkmcpqxot1uwisza345h769';
const digits = new Int8Array(128).fill(-1);
for (let i = 0; i < 32; i++) {
  digits[alphabet.charCodeAt(i)] = i;
  digits[alphabet.toUpperCase().charCodeAt(i)] = i;
}

/** Rspamd's base32: the zbase32 alphabet, bits taken least significant first. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc |= byte << bits;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[acc & 31];
      acc >>>= 5;
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[acc & 31];
  return out;
}

/** The bytes of Rspamd's base32 text, or null when a character is not in its alphabet. */
export function base32Decode(text: string): Buffer | null {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const d = code < 128 ? digits[code]! : -1;
    if (d < 0) return null;
    acc |= d << bits;
    bits += 5;
    if (bits >= 8) {
      out.push(acc & 0xff);
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0 && acc) out.push(acc & 0xff);
  return Buffer.from(out);
}

const pkcs8Prefix = Buffer.from('302e020100300506032b656e04220420', 'hex');
const spkiPrefix = Buffer.from('302a300506032b656e032100', 'hex');
const sigma = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
const nonceBytes = 24;
const tagBytes = 16;

const words = (bytes: Uint8Array): Uint32Array => {
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes[4 * i]! | (bytes[4 * i + 1]! << 8) | (bytes[4 * i + 2]! << 16) | (bytes[4 * i + 3]! << 24);
  return out;
};
const bytesOf = (w: Uint32Array): Buffer => {
  const out = Buffer.alloc(w.length * 4);
  for (let i = 0; i < w.length; i++) out.writeUInt32LE(w[i]!, 4 * i);
  return out;
};

/** A server keypair, from `rspamadm keypair`'s base32 `privkey`. */
export class HttpCryptKey {
  readonly publicKey: Buffer;
  /** The first 5 bytes of the key id, which a client names in its Key header. */
  readonly shortId: Buffer;
  private readonly secret: KeyObject;

  constructor(privkey: Buffer) {
    if (privkey.length !== 32) throw new TypeError(`a curve25519 private key has 32 bytes, got ${privkey.length}`);
    this.secret = createPrivateKey({ key: Buffer.concat([pkcs8Prefix, privkey]), format: 'der', type: 'pkcs8' });
    this.publicKey = (createPublicKey(this.secret).export({ format: 'der', type: 'spki' }) as Buffer).subarray(spkiPrefix.length);
    this.shortId = createHash('blake2b512').update(this.publicKey).digest().subarray(0, 5);
  }

  /** The key shared with a client's public key (Rspamd's `rspamd_cryptobox_nm`); null for a key that is no usable point (all zero, low order). */
  shared(peer: Buffer): Buffer | null {
    let point: Buffer;
    try {
      const publicKey = createPublicKey({ key: Buffer.concat([spkiPrefix, peer]), format: 'der', type: 'spki' });
      point = diffieHellman({ privateKey: this.secret, publicKey });
    } catch {
      return null;
    }
    const out = new Uint32Array(8);
    hchacha(sigma, words(point), new Uint32Array(4), out);
    return bytesOf(out);
  }

  /**
   * The client's public key from a Key header, or why the request is not for
   * this key (Rspamd then closes the connection without a reply).
   */
  peer(header: string): Buffer | string {
    const eq = header.indexOf('=');
    if (eq < 0) return 'the Key header has no "="';
    const id = base32Decode(header.slice(0, eq));
    if (!id || id.length < 5) return 'the Key header names no key id';
    if (!id.subarray(0, 5).equals(this.shortId)) return `the request is encrypted for key id ${header.slice(0, eq)}, not this server's ${base32Encode(this.shortId)}`;
    const peer = base32Decode(header.slice(eq + 1));
    if (!peer || peer.length !== 32) return 'the Key header\'s public key is not 32 bytes of base32';
    return peer;
  }
}

/** Opens a sealed body; null when it is too short or its tag does not verify. */
export function open(shared: Buffer, body: Buffer): Buffer | null {
  if (body.length < nonceBytes + tagBytes) return null;
  const nonce = body.subarray(0, nonceBytes);
  const tag = body.subarray(nonceBytes, nonceBytes + tagBytes);
  const sealed = body.subarray(nonceBytes + tagBytes);
  const macKey = xchacha20(shared, nonce, new Uint8Array(32), undefined, 0);
  if (!timingSafeEqual(poly1305(sealed, macKey), tag)) return null;
  return Buffer.from(xchacha20(shared, nonce, sealed, undefined, 1));
}

/** Seals `plain` for the peer: nonce, tag, ciphertext. */
export function seal(shared: Buffer, plain: Buffer): Buffer {
  const nonce = randomBytes(nonceBytes);
  const macKey = xchacha20(shared, nonce, new Uint8Array(32), undefined, 0);
  const sealed = xchacha20(shared, nonce, plain, undefined, 1);
  return Buffer.concat([nonce, poly1305(sealed, macKey), sealed]);
}
