// Noise NK building blocks for secure mode (SPEC.md "Secure mode, version 1"): CipherState and
// SymmetricState over @noble (ChaCha20-Poly1305, HKDF-SHA256, SHA-256, X25519) and the frame
// header checks. Every failure is a typed BossoError with the same name as the Rust variant.
import { x25519 } from '@noble/curves/ed25519.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { BossoError, typed } from './errors.js';
import { concat, utf8 } from './bytes.js';

export const VERSION = 1;
export const KIND_HELLO = 1;
export const KIND_READY = 2;
export const KIND_DATA = 3;
export const REC_APP = 1;
export const REC_CONFIRM = 2;
export const REC_CLOSE = 3;
export const HEADER_LEN = 2;
export const TAG_LEN = 16;
export const HANDSHAKE_FRAME_LEN = HEADER_LEN + 32 + TAG_LEN;
/** Noise's maximum message (65535) less the tag and the record type byte. */
export const MAX_PAYLOAD_LEN = 65535 - TAG_LEN - 1;
export const PROTOCOL_NAME = utf8('Noise_NK_25519_ChaChaPoly_SHA256');
export const PROLOGUE = utf8('bosso-e2ee/1');
/** 2^64-1 is Noise's rekey nonce: the last message of a direction uses 2^64-2. */
const REKEY_NONCE = (1n << 64n) - 1n;
const EMPTY = new Uint8Array(0);

function nonce(n) {
  const b = new Uint8Array(12);
  new DataView(b.buffer).setBigUint64(4, n, true);
  return b;
}

/** X25519 refusing non-contributory results (low-order or zero peer keys). */
export function dh(secret, pub) {
  const s = typed(() => x25519.getSharedSecret(secret, pub), 'WeakPublicKey', 'peer key is low-order or invalid');
  if (s.every((b) => b === 0)) throw new BossoError('WeakPublicKey', 'peer key is low-order or invalid');
  return s;
}

export function randomSecret() {
  return typed(() => x25519.utils.randomSecretKey(), 'Random', 'no random generator');
}

export const publicKeyOf = (secret) => typed(() => x25519.getPublicKey(secret), 'Internal', 'X25519');

export class CipherState {
  constructor(k, n = 0n) {
    this.k = k;
    this.n = n;
  }
  #next() {
    if (this.n >= REKEY_NONCE) throw new BossoError('CounterExhausted', 'message counter exhausted');
    const v = this.n;
    this.n += 1n;
    return nonce(v);
  }
  encrypt(ad, pt) {
    const iv = this.#next();
    return typed(() => chacha20poly1305(this.k, iv, ad).encrypt(pt), 'Internal', 'encryption failed');
  }
  decrypt(ad, ct) {
    if (this.n >= REKEY_NONCE) throw new BossoError('CounterExhausted', 'message counter exhausted');
    const pt = typed(
      () => chacha20poly1305(this.k, nonce(this.n), ad).decrypt(ct),
      'Authentication',
      'frame failed authentication (tampered, replayed, reordered, reflected or wrong key)',
    );
    this.n += 1n;
    return pt;
  }
  rekey() {
    const k = typed(
      () => chacha20poly1305(this.k, nonce(REKEY_NONCE), EMPTY).encrypt(new Uint8Array(32)),
      'Internal',
      'rekey failed',
    );
    this.k.fill(0);
    this.k = k.slice(0, 32);
  }
}

export class SymmetricState {
  constructor(daemonStatic) {
    this.h = PROTOCOL_NAME.slice();
    this.ck = PROTOCOL_NAME.slice();
    this.cipher = null;
    this.mixHash(PROLOGUE);
    this.mixHash(daemonStatic);
  }
  mixHash(data) {
    this.h = sha256(concat(this.h, data));
  }
  mixKey(ikm) {
    const out = hkdf(sha256, ikm, this.ck, EMPTY, 64);
    this.ck = out.slice(0, 32);
    this.cipher = new CipherState(out.slice(32, 64));
    out.fill(0);
  }
  encryptAndHash(pt) {
    const ct = this.cipher.encrypt(this.h, pt);
    this.mixHash(ct);
    return ct;
  }
  decryptAndHash(ct) {
    const pt = this.cipher.decrypt(this.h, ct);
    this.mixHash(ct);
    return pt;
  }
  /** The two transport keys (client-to-daemon, daemon-to-client) and the handshake hash. */
  split() {
    const out = hkdf(sha256, EMPTY, this.ck, EMPTY, 64);
    const keys = [new CipherState(out.slice(0, 32)), new CipherState(out.slice(32, 64))];
    out.fill(0);
    this.ck.fill(0);
    return keys;
  }
}

function kindError(kind) {
  if (kind === KIND_HELLO) return new BossoError('UnexpectedFrame', 'hello');
  if (kind === KIND_READY) return new BossoError('UnexpectedFrame', 'ready');
  if (kind === KIND_DATA) return new BossoError('UnexpectedFrame', 'data before the handshake completed');
  return new BossoError('MalformedFrame', 'unknown frame kind');
}

function checkHeader(frame) {
  if (!(frame instanceof Uint8Array) || frame.length < HEADER_LEN) {
    throw new BossoError('MalformedFrame', 'frame shorter than its header');
  }
  if (frame[0] !== VERSION) throw new BossoError('UnsupportedVersion', 'unsupported protocol version');
}

/** A hello or ready frame: [ephemeral key, tag], checked as the Rust side checks it. */
export function splitHandshakeFrame(frame, kind) {
  checkHeader(frame);
  if (frame[1] !== kind) throw kindError(frame[1]);
  if (frame.length !== HANDSHAKE_FRAME_LEN) {
    throw new BossoError('MalformedFrame', 'handshake frame has the wrong length');
  }
  return [frame.slice(HEADER_LEN, HEADER_LEN + 32), frame.slice(HEADER_LEN + 32)];
}

/** The ciphertext of a data frame on an open channel. */
export function splitDataFrame(frame) {
  checkHeader(frame);
  if (frame[1] === KIND_DATA) return frame.subarray(HEADER_LEN);
  if (frame[1] === KIND_HELLO) {
    throw new BossoError('HelloOnOpenChannel', 'handshake message on an open channel refused (no re-keying)');
  }
  throw kindError(frame[1]);
}

export function handshakeFrame(kind, ephemeral, tag) {
  return concat(new Uint8Array([VERSION, kind]), ephemeral, tag);
}
