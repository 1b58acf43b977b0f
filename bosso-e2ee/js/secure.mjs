// bosso-e2ee secure mode (SPEC.md), written from the spec with audited @noble libraries:
// Noise_NK_25519_ChaChaPoly_SHA256, prologue "bosso-e2ee/1", frames [version, kind] || noise msg,
// records plaintext || record-type byte, deterministic rekey after N records per direction.
import { x25519 } from '@noble/curves/ed25519.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';

export const VERSION = 1;
export const KIND_HELLO = 1;
export const KIND_READY = 2;
export const KIND_DATA = 3;
export const REC_APP = 1;
export const REC_CONFIRM = 2;
export const REC_CLOSE = 3;
const NAME = new TextEncoder().encode('Noise_NK_25519_ChaChaPoly_SHA256');
const PROLOGUE = new TextEncoder().encode('bosso-e2ee/1');
const MAX_NONCE = (1n << 64n) - 1n;

const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

function nonce(n) {
  const b = new Uint8Array(12);
  new DataView(b.buffer).setBigUint64(4, n, true);
  return b;
}

function dh(secret, pub) {
  const s = x25519.getSharedSecret(secret, pub);
  if (s.every((b) => b === 0)) throw new Error('non-contributory X25519');
  return s;
}

class CipherState {
  constructor(k) { this.k = k; this.n = 0n; }
  encrypt(ad, pt) {
    if (this.n >= MAX_NONCE) throw new Error('nonce exhausted');
    const ct = chacha20poly1305(this.k, nonce(this.n), ad).encrypt(pt);
    this.n += 1n;
    return ct;
  }
  decrypt(ad, ct) {
    if (this.n >= MAX_NONCE) throw new Error('nonce exhausted');
    const pt = chacha20poly1305(this.k, nonce(this.n), ad).decrypt(ct); // throws on bad tag
    this.n += 1n;
    return pt;
  }
  rekey() {
    this.k = chacha20poly1305(this.k, nonce(MAX_NONCE), new Uint8Array(0))
      .encrypt(new Uint8Array(32)).slice(0, 32);
  }
}

class SymmetricState {
  constructor(daemonStatic) {
    this.h = NAME.slice();
    this.ck = NAME.slice();
    this.cipher = null;
    this.mixHash(PROLOGUE);
    this.mixHash(daemonStatic);
  }
  mixHash(data) { this.h = sha256(concat(this.h, data)); }
  mixKey(ikm) {
    const out = hkdf(sha256, ikm, this.ck, new Uint8Array(0), 64);
    this.ck = out.slice(0, 32);
    this.cipher = new CipherState(out.slice(32, 64));
  }
  encryptAndHash(pt) { const ct = this.cipher.encrypt(this.h, pt); this.mixHash(ct); return ct; }
  decryptAndHash(ct) { const pt = this.cipher.decrypt(this.h, ct); this.mixHash(ct); return pt; }
  split() {
    const out = hkdf(sha256, new Uint8Array(0), this.ck, new Uint8Array(0), 64);
    return [new CipherState(out.slice(0, 32)), new CipherState(out.slice(32, 64))];
  }
}

function parseHandshake(frame, kind) {
  if (frame.length !== 50 || frame[0] !== VERSION || frame[1] !== kind) throw new Error('bad handshake frame');
  return [frame.slice(2, 34), frame.slice(34)];
}

export class Channel {
  constructor(send, recv, h, rekeyEvery = 65536, rekeyBytes = 1 << 30) {
    this.send = { c: send, msgs: 0, bytes: 0 };
    this.recv = { c: recv, msgs: 0, bytes: 0 };
    this.handshakeHash = h;
    this.rekeyEvery = rekeyEvery;
    this.rekeyBytes = rekeyBytes;
    this.closed = false;
  }
  account(d, len) {
    d.msgs += 1; d.bytes += len;
    if (d.msgs >= this.rekeyEvery || d.bytes >= this.rekeyBytes) { d.c.rekey(); d.msgs = 0; d.bytes = 0; }
  }
  sealRecord(type, payload) {
    if (this.closed) throw new Error('closed');
    const ct = this.send.c.encrypt(new Uint8Array(0), concat(payload, new Uint8Array([type])));
    this.account(this.send, ct.length);
    return concat(new Uint8Array([VERSION, KIND_DATA]), ct);
  }
  seal(payload) { return this.sealRecord(REC_APP, payload); }
  sealClose() { const f = this.sealRecord(REC_CLOSE, new Uint8Array(0)); this.closed = true; return f; }
  openRecord(frame) {
    if (this.closed) throw new Error('closed');
    try {
      if (frame.length < 2 + 17 || frame[0] !== VERSION || frame[1] !== KIND_DATA) throw new Error('bad frame');
      const ct = frame.slice(2);
      const pt = this.recv.c.decrypt(new Uint8Array(0), ct);
      this.account(this.recv, ct.length);
      return [pt[pt.length - 1], pt.slice(0, pt.length - 1)];
    } catch (e) { this.closed = true; throw e; }
  }
  open(frame) {
    const [type, body] = this.openRecord(frame);
    if (type === REC_APP) return body;
    this.closed = true;
    if (type === REC_CLOSE) throw new Error('closed by peer');
    throw new Error('unexpected record type');
  }
}

/** Client: start(daemonStatic[, ephemeralSecret]) -> { hello }, then readReady(frame) -> { channel, confirm }. */
export class ClientHandshake {
  constructor(daemonStatic, ephemeralSecret = x25519.utils.randomSecretKey(), opts = {}) {
    this.ss = new SymmetricState(daemonStatic);
    this.e = ephemeralSecret;
    this.opts = opts;
    const ePub = x25519.getPublicKey(this.e);
    this.ss.mixHash(ePub);
    this.ss.mixKey(dh(this.e, daemonStatic));
    const tag = this.ss.encryptAndHash(new Uint8Array(0));
    this.hello = concat(new Uint8Array([VERSION, KIND_HELLO]), ePub, tag);
  }
  readReady(frame) {
    const [re, tag] = parseHandshake(frame, KIND_READY);
    this.ss.mixHash(re);
    this.ss.mixKey(dh(this.e, re));
    this.ss.decryptAndHash(tag);
    const [c2d, d2c] = this.ss.split();
    const channel = new Channel(c2d, d2c, this.ss.h, this.opts.rekeyEvery);
    const confirm = channel.sealRecord(REC_CONFIRM, new Uint8Array(0));
    return { channel, confirm };
  }
}

/** Daemon side (used to check the vectors from both ends). */
export function daemonRespond(staticSecret, hello, ephemeralSecret = x25519.utils.randomSecretKey(), opts = {}) {
  const sPub = x25519.getPublicKey(staticSecret);
  const ss = new SymmetricState(sPub);
  const [re, tag] = parseHandshake(hello, KIND_HELLO);
  ss.mixHash(re);
  ss.mixKey(dh(staticSecret, re));
  ss.decryptAndHash(tag);
  const ePub = x25519.getPublicKey(ephemeralSecret);
  ss.mixHash(ePub);
  ss.mixKey(dh(ephemeralSecret, re));
  const tag2 = ss.encryptAndHash(new Uint8Array(0));
  const ready = concat(new Uint8Array([VERSION, KIND_READY]), ePub, tag2);
  const [c2d, d2c] = ss.split();
  const channel = new Channel(d2c, c2d, ss.h, opts.rekeyEvery);
  return {
    ready,
    readConfirm(frame) {
      const [type, body] = channel.openRecord(frame);
      if (type !== REC_CONFIRM || body.length !== 0) throw new Error('expected confirm');
      return channel;
    },
  };
}

/**
 * The daemon key fingerprint people compare out of band (SPEC.md, "Fingerprint"): 8 groups of
 * 5 digits, group i = big-endian u32 of d[4i..4i+4] mod 100000, d = SHA-256(domain || key).
 */
export function fingerprint(publicKey) {
  const d = sha256(concat(new TextEncoder().encode('bosso-e2ee fingerprint v2'), publicKey));
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const groups = [];
  for (let i = 0; i < 32; i += 4) groups.push(String(view.getUint32(i, false) % 100000).padStart(5, '0'));
  return groups.join(' ');
}
