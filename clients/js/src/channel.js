// An open secure-mode channel (one end): seals and opens data frames strictly in order,
// rekeys each direction at the protocol bounds, and closes on the first refused frame.
import { BossoError } from './errors.js';
import { concat } from './bytes.js';
import { HEADER_LEN, KIND_DATA, MAX_PAYLOAD_LEN, REC_APP, REC_CLOSE, REC_CONFIRM, TAG_LEN, VERSION, splitDataFrame } from './noise.js';

/** The protocol's rekey bounds: 2^16 records or 2^30 ciphertext bytes per direction. */
export const REKEY_AFTER_MESSAGES = 65536;
export const REKEY_AFTER_BYTES = 2 ** 30;

/**
 * Checked limits. The rekey bounds are protocol constants (both ends must agree; change them
 * only to reproduce the test vectors); `maxPayloadLen` is local policy, at most 65518.
 */
export function limits({ maxPayloadLen = MAX_PAYLOAD_LEN, rekeyAfterMessages = REKEY_AFTER_MESSAGES, rekeyAfterBytes = REKEY_AFTER_BYTES } = {}) {
  const int = (v) => Number.isSafeInteger(v);
  if (!int(maxPayloadLen) || maxPayloadLen < 0 || maxPayloadLen > MAX_PAYLOAD_LEN) {
    throw new BossoError('InvalidLimits', 'max_payload_len above MAX_PAYLOAD_LEN (65518)');
  }
  if (!int(rekeyAfterMessages) || !int(rekeyAfterBytes) || rekeyAfterMessages < 1 || rekeyAfterBytes < 1) {
    throw new BossoError('InvalidLimits', 'rekey bounds must be at least 1');
  }
  return Object.freeze({ maxPayloadLen, rekeyAfterMessages, rekeyAfterBytes });
}

/** The largest data frame accepted under `l`: header, payload, record type, tag. */
export const maxFrameLen = (l) => HEADER_LEN + l.maxPayloadLen + 1 + TAG_LEN;

class Direction {
  constructor(cipher) {
    this.cipher = cipher;
    this.messages = 0;
    this.bytes = 0;
  }
  /** Counts one record; rekeys when the count including it reaches a bound. */
  account(wireLen, l) {
    this.messages += 1;
    this.bytes += wireLen;
    if (this.messages >= l.rekeyAfterMessages || this.bytes >= l.rekeyAfterBytes) {
      this.cipher.rekey();
      this.messages = 0;
      this.bytes = 0;
    }
  }
}

export class Channel {
  #send;
  #recv;
  #binding;
  #limits;
  #closed = false;

  /** @internal made by the handshakes only */
  constructor(send, recv, handshakeHash, l) {
    this.#send = new Direction(send);
    this.#recv = new Direction(recv);
    this.#binding = handshakeHash.slice();
    this.#limits = l;
  }

  /** The channel binding (Noise handshake hash), identical on both ends. */
  get binding() {
    return this.#binding.slice();
  }

  get isClosed() {
    return this.#closed;
  }

  get limits() {
    return this.#limits;
  }

  /** Closes this end without a frame (the transport failed or was cut). */
  abort() {
    this.#closed = true;
  }

  /** Encrypts one application message into a binary frame. */
  seal(payload) {
    return this.sealRecord(REC_APP, payload);
  }

  /** The authenticated close frame; this end is closed afterwards. */
  sealClose() {
    const frame = this.sealRecord(REC_CLOSE, new Uint8Array(0));
    this.#closed = true;
    return frame;
  }

  /** @internal */
  sealRecord(type, payload) {
    if (this.#closed) throw new BossoError('ChannelClosed', 'channel closed');
    if (!(payload instanceof Uint8Array)) throw new BossoError('MalformedFrame', 'payload must be a Uint8Array');
    if (payload.length > this.#limits.maxPayloadLen) {
      throw new BossoError('FrameTooLarge', `payload of ${payload.length} bytes, limit ${this.#limits.maxPayloadLen}`);
    }
    let ct;
    try {
      ct = this.#send.cipher.encrypt(new Uint8Array(0), concat(payload, new Uint8Array([type])));
    } catch (e) {
      this.#closed = true;
      throw e;
    }
    this.#send.account(ct.length, this.#limits);
    return concat(new Uint8Array([VERSION, KIND_DATA]), ct);
  }

  /**
   * Authenticates and decrypts the peer's next frame. Refused (and the channel closed):
   * tampered, truncated, replayed, reordered, dropped-then-resumed or reflected frames,
   * oversize frames, a hello on the open channel, an unknown version. An authenticated close
   * gives `ClosedByPeer`.
   */
  open(frame) {
    const [type, body] = this.openRecord(frame);
    if (type === REC_APP) return body;
    this.#closed = true;
    if (type === REC_CLOSE) throw new BossoError('ClosedByPeer', 'peer closed the channel');
    throw new BossoError('UnexpectedFrame', 'key confirmation on an open channel');
  }

  /** @internal [record type, body] */
  openRecord(frame) {
    if (this.#closed) throw new BossoError('ChannelClosed', 'channel closed');
    try {
      const ct = splitDataFrame(frame);
      const max = this.#limits.maxPayloadLen + 1 + TAG_LEN;
      if (ct.length > max) throw new BossoError('FrameTooLarge', `ciphertext of ${ct.length} bytes, limit ${max}`);
      if (ct.length < 1 + TAG_LEN) throw new BossoError('MalformedFrame', 'data frame shorter than record type and tag');
      const pt = this.#recv.cipher.decrypt(new Uint8Array(0), ct);
      const type = pt[pt.length - 1];
      if (type !== REC_APP && type !== REC_CONFIRM && type !== REC_CLOSE) {
        throw new BossoError('MalformedFrame', 'unknown record type');
      }
      this.#recv.account(ct.length, this.#limits);
      return [type, pt.subarray(0, pt.length - 1)];
    } catch (e) {
      this.#closed = true;
      throw e;
    }
  }
}
