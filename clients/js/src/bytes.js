// Byte helpers shared by every module: concatenation, UTF-8, hex and the two base64 forms the
// protocols use. Decoding mirrors bosso-e2ee's Rust decoder exactly (src/b64.rs), so the
// package accepts and refuses the same texts.
import { BossoError } from './errors.js';

const ENC = new TextEncoder();
const FATAL = new TextDecoder('utf-8', { fatal: true });
const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DEC = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) DEC[STD.charCodeAt(i)] = i;

/** @param {...Uint8Array} parts */
export function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const utf8 = (s) => ENC.encode(s);

/** UTF-8 decoding that refuses invalid sequences (returns null instead of replacing them). */
export function utf8Strict(bytes) {
  try {
    return FATAL.decode(bytes);
  } catch {
    return null;
  }
}

/** The UTF-8 length of a string, as Rust's `str::len` counts it. */
export function utf8Len(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i += 1;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

export function hex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function encode(bytes, alphabet, pad) {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + alphabet[(v >> 6) & 63] + alphabet[v & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i] << 16;
    out += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + (pad ? '==' : '');
  } else if (rest === 2) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + alphabet[(v >> 6) & 63] + (pad ? '=' : '');
  }
  return out;
}

/** Standard padded base64 (what both protocols write). */
export const b64 = (bytes) => encode(bytes, STD, true);
/** Unpadded base64url (pairing offers, channel audiences). */
export const b64url = (bytes) => encode(bytes, URL, false);

/**
 * Standard or url-safe base64, padded or not, and nothing else: any other character,
 * incomplete or misplaced padding, an impossible length or non-zero trailing bits is a
 * `Base64` error (bosso-e2ee's `decode_lenient`).
 * @param {string} text
 * @returns {Uint8Array}
 */
export function unb64(text) {
  const bad = () => new BossoError('Base64', 'invalid base64');
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61) end -= 1;
  const pad = text.length - end;
  if (pad > 2 || (pad > 0 && text.length % 4 !== 0)) throw bad();
  if (end % 4 === 1) throw bad();
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    let c = text.charCodeAt(i);
    if (c === 45) c = 43; // '-' -> '+'
    else if (c === 95) c = 47; // '_' -> '/'
    const v = c < 128 ? DEC[c] : -1;
    if (v < 0) throw bad();
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // Non-canonical encodings (trailing bits set) are refused, as Rust's decoder does.
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) throw bad();
  return out;
}
