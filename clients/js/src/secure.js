// Secure mode, client side (SPEC.md): Noise NK with key confirmation, then the channel.
//
//   const hs = new ClientHandshake(daemonPublicKey);   // send hs.hello
//   const { channel, confirm } = hs.readReady(ready);  // send confirm, then channel.seal(...)
import { BossoError } from './errors.js';
import { Channel, limits as checkedLimits } from './channel.js';
import { KIND_HELLO, KIND_READY, REC_CONFIRM, SymmetricState, dh, handshakeFrame, publicKeyOf, randomSecret, splitHandshakeFrame } from './noise.js';

export { Channel, limits, maxFrameLen, REKEY_AFTER_BYTES, REKEY_AFTER_MESSAGES } from './channel.js';
export { HANDSHAKE_FRAME_LEN, MAX_PAYLOAD_LEN } from './noise.js';

export function checkPublicKey(key) {
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw new BossoError('InvalidPublicKey', 'a public key is 32 bytes');
  }
  return key;
}

/** Client side, hello made, waiting for the daemon's ready. It has no way to seal data. */
export class ClientHandshake {
  #ss;
  #e;
  #limits;
  #used = false;

  /**
   * @param {Uint8Array} daemonPublicKey the static key from the pairing offer
   * @param {{ limits?: object, ephemeralSecret?: Uint8Array }} [options] the ephemeral secret
   *   is for test vectors only: by default a fresh random one
   */
  constructor(daemonPublicKey, options = {}) {
    checkPublicKey(daemonPublicKey);
    this.#limits = options.limits ?? checkedLimits();
    this.#e = options.ephemeralSecret?.slice() ?? randomSecret();
    this.#ss = new SymmetricState(daemonPublicKey);
    const ePub = publicKeyOf(this.#e);
    this.#ss.mixHash(ePub);
    this.#ss.mixKey(dh(this.#e, daemonPublicKey));
    const tag = this.#ss.encryptAndHash(new Uint8Array(0));
    /** The hello frame to send. */
    this.hello = handshakeFrame(KIND_HELLO, ePub, tag);
  }

  /**
   * Reads the daemon's ready. Success authenticates the daemon (only the holder of the static
   * secret could compute the tag) and gives the channel and the key-confirmation frame, which
   * must be sent before any application frame. Usable once.
   */
  readReady(frame) {
    if (this.#used) throw new BossoError('ChannelClosed', 'handshake already used');
    this.#used = true;
    try {
      const [re, tag] = splitHandshakeFrame(frame, KIND_READY);
      this.#ss.mixHash(re);
      this.#ss.mixKey(dh(this.#e, re));
      this.#ss.decryptAndHash(tag);
      const [c2d, d2c] = this.#ss.split();
      const channel = new Channel(c2d, d2c, this.#ss.h, this.#limits);
      const confirm = channel.sealRecord(REC_CONFIRM, new Uint8Array(0));
      return { channel, confirm };
    } finally {
      this.#e.fill(0);
    }
  }
}
