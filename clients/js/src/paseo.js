// Paseo mode, client side (SPEC.md "Paseo mode"): the Paseo relay E2EE wire format byte for
// byte with tweetnacl, plus what bosso-e2ee adds within it: control messages over 256 bytes
// refused before parsing, strict base64, and a window of recent nonces (received and sent)
// that refuses duplicate and reflected frames.
import nacl from 'tweetnacl';
import { BossoError, typed } from './errors.js';
import { b64, concat, unb64, utf8Len } from './bytes.js';
import { readStruct } from './json.js';
import { checkPublicKey } from './secure.js';
import { dh } from './noise.js';

export const NONCE_LEN = 24;
export const TAG_LEN = 16;
/** Largest control message (hello or ready), checked before any JSON parsing. */
export const MAX_CONTROL_LEN = 256;
export const READY_JSON = '{"type":"e2ee_ready"}';
export const MIN_DUPLICATE_WINDOW = 256;
export const MAX_DUPLICATE_WINDOW = 65536;

const CONTROL_FIELDS = [
  { name: 'type', kind: 'string' },
  { name: 'key', kind: 'optstring' },
];

/** Checked paseo limits: 8 MiB payloads and a window of 4096 nonces by default. */
export function paseoLimits({ maxPayloadLen = 8 << 20, duplicateWindow = 4096 } = {}) {
  if (!Number.isSafeInteger(duplicateWindow) || duplicateWindow < MIN_DUPLICATE_WINDOW) {
    throw new BossoError('InvalidLimits', 'duplicate_window below MIN_DUPLICATE_WINDOW (256)');
  }
  if (duplicateWindow > MAX_DUPLICATE_WINDOW) {
    throw new BossoError('InvalidLimits', 'duplicate_window above MAX_DUPLICATE_WINDOW (65536)');
  }
  if (!Number.isSafeInteger(maxPayloadLen) || maxPayloadLen < 0) {
    throw new BossoError('InvalidLimits', 'max_payload_len must be a non-negative integer');
  }
  return Object.freeze({ maxPayloadLen, duplicateWindow });
}

/** The longest frame text accepted: base64 of nonce, tag and the largest payload. */
export const paseoMaxFrameLen = (l) => Math.ceil((l.maxPayloadLen + NONCE_LEN + TAG_LEN) / 3) * 4;

/** Every control message goes through here: size first, then serde_json's rules. */
export function parseControl(text) {
  const len = utf8Len(text);
  if (len > MAX_CONTROL_LEN) throw new BossoError('FrameTooLarge', `control message of ${len} bytes, limit ${MAX_CONTROL_LEN}`);
  const msg = readStruct(new TextEncoder().encode(text), CONTROL_FIELDS);
  if (msg === null) throw new BossoError('Json', 'not a paseo control message');
  return msg;
}

class NonceWindow {
  constructor(cap) {
    this.cap = cap;
    this.set = new Set();
    this.order = [];
  }
  has(nonce) {
    return this.set.has(b64(nonce));
  }
  add(nonce) {
    const k = b64(nonce);
    if (this.set.has(k)) return;
    this.set.add(k);
    this.order.push(k);
    while (this.order.length > this.cap) this.set.delete(this.order.shift());
  }
}

/** An open paseo channel (client end): any refused frame closes it. */
export class PaseoChannel {
  #shared;
  #seen;
  #limits;
  #closed = false;
  #random;

  /** @internal */
  constructor(shared, l, random) {
    this.#shared = shared;
    this.#limits = l;
    this.#seen = new NonceWindow(l.duplicateWindow);
    this.#random = random;
  }

  get isClosed() {
    return this.#closed;
  }

  get limits() {
    return this.#limits;
  }

  abort() {
    this.#closed = true;
  }

  /** Encrypts with a fresh random nonce into a base64 text frame. */
  seal(payload, nonce) {
    if (this.#closed) throw new BossoError('ChannelClosed', 'channel closed');
    if (!(payload instanceof Uint8Array)) throw new BossoError('MalformedFrame', 'payload must be a Uint8Array');
    if (payload.length > this.#limits.maxPayloadLen) {
      throw new BossoError('FrameTooLarge', `payload of ${payload.length} bytes, limit ${this.#limits.maxPayloadLen}`);
    }
    const n = nonce ?? this.#random(NONCE_LEN);
    const boxed = typed(() => nacl.box.after(payload, n, this.#shared), 'Internal', 'encryption failed');
    // Remember our own nonce: one key serves both directions, so a reflected frame would
    // otherwise decrypt.
    this.#seen.add(n);
    return b64(concat(n, boxed));
  }

  /**
   * Handles one incoming text frame: `{ data }` for application bytes, `{ readyAgain: true }`
   * for a repeated ready. Refusals close the channel.
   */
  open(text) {
    if (this.#closed) throw new BossoError('ChannelClosed', 'channel closed');
    try {
      return this.#openInner(text);
    } catch (e) {
      this.#closed = true;
      throw e;
    }
  }

  #openInner(text) {
    if (typeof text !== 'string') throw new BossoError('UnexpectedFrame', 'binary frame in paseo mode');
    if (text.startsWith('{')) {
      const msg = parseControl(text);
      if (msg.type === 'e2ee_ready') return { readyAgain: true };
      throw new BossoError('UnexpectedFrame', 'plaintext message on an open channel');
    }
    const max = paseoMaxFrameLen(this.#limits);
    if (text.length > max || utf8Len(text) > max) throw new BossoError('FrameTooLarge', `frame text over ${max} bytes`);
    const frame = unb64(text);
    if (frame.length < NONCE_LEN + TAG_LEN) throw new BossoError('MalformedFrame', 'shorter than nonce and tag');
    const nonce = frame.subarray(0, NONCE_LEN);
    if (this.#seen.has(nonce)) throw new BossoError('DuplicateFrame', 'duplicate or reflected frame refused');
    const pt = nacl.box.open.after(frame.subarray(NONCE_LEN), nonce, this.#shared);
    if (pt === null) throw new BossoError('Authentication', 'frame failed authentication');
    this.#seen.add(nonce);
    return { data: pt };
  }
}

const randomBytes = (n) => typed(() => nacl.randomBytes(n), 'Random', 'no random generator');

/** Client side: send `hello` (and again every second) until ready arrives. */
export class PaseoClientHandshake {
  #shared;
  #limits;
  #random;

  /**
   * @param {Uint8Array} daemonPublicKey the daemon's box key from the pairing offer
   * @param {{ limits?: object, keyPair?: {publicKey: Uint8Array, secretKey: Uint8Array},
   *   randomBytes?: (n: number) => Uint8Array }} [options] keyPair and randomBytes are for
   *   test vectors only
   */
  constructor(daemonPublicKey, options = {}) {
    checkPublicKey(daemonPublicKey);
    this.#limits = options.limits ?? paseoLimits();
    this.#random = options.randomBytes ?? randomBytes;
    const kp = options.keyPair ?? typed(() => nacl.box.keyPair(), 'Random', 'no random generator');
    // crypto_box itself accepts low-order keys; the Rust client refuses them first.
    dh(kp.secretKey, daemonPublicKey);
    this.#shared = nacl.box.before(daemonPublicKey, kp.secretKey);
    /** The hello text to send (repeat it until ready arrives). */
    this.hello = JSON.stringify({ type: 'e2ee_hello', key: b64(kp.publicKey) });
  }

  /** @internal the precomputed box key (test vectors) */
  get sharedKey() {
    return this.#shared.slice();
  }

  /** Reads the daemon's ready (unauthenticated in this protocol: a wrong key shows only at the first failed decryption). */
  readReady(text) {
    if (typeof text !== 'string') throw new BossoError('UnexpectedFrame', 'binary frame in paseo mode');
    const msg = parseControl(text);
    if (msg.type !== 'e2ee_ready') throw new BossoError('UnexpectedFrame', 'expected e2ee_ready');
    return new PaseoChannel(this.#shared, this.#limits, this.#random);
  }
}
