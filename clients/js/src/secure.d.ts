export interface Limits {
  /** Largest payload sealed or accepted (at most 65518). */
  readonly maxPayloadLen: number;
  /** Protocol constants (2^16 records, 2^30 bytes): change only to reproduce test vectors. */
  readonly rekeyAfterMessages: number;
  readonly rekeyAfterBytes: number;
}

export declare const MAX_PAYLOAD_LEN: 65518;
export declare const HANDSHAKE_FRAME_LEN: 50;
export declare const REKEY_AFTER_MESSAGES: 65536;
export declare const REKEY_AFTER_BYTES: 1073741824;

/** Checked limits (`InvalidLimits` otherwise). */
export declare function limits(options?: Partial<Limits>): Limits;
/** The largest data frame accepted under `limits`. */
export declare function maxFrameLen(limits: Limits): number;
export declare function checkPublicKey(key: Uint8Array): Uint8Array;

/** An open secure channel (one end). Any refused frame closes it. */
export declare class Channel {
  private constructor();
  /** The handshake hash both ends share (a copy). */
  readonly binding: Uint8Array;
  readonly isClosed: boolean;
  readonly limits: Limits;
  /** Closes this end without a frame. */
  abort(): void;
  /** A binary data frame carrying `payload` (`FrameTooLarge` leaves the channel open). */
  seal(payload: Uint8Array): Uint8Array;
  /** The authenticated close frame; this end is closed afterwards. */
  sealClose(): Uint8Array;
  /** The payload of the peer's next frame; `ClosedByPeer` on its authenticated close. */
  open(frame: Uint8Array): Uint8Array;
}

export interface ClientHandshakeOptions {
  limits?: Limits;
  /** Test vectors only: by default a fresh random ephemeral key. */
  ephemeralSecret?: Uint8Array;
}

/** Noise NK, client side: send `hello`, then `readReady(ready)`. */
export declare class ClientHandshake {
  constructor(daemonPublicKey: Uint8Array, options?: ClientHandshakeOptions);
  readonly hello: Uint8Array;
  /** Authenticates the daemon; send `confirm` before any data. Usable once. */
  readReady(frame: Uint8Array): { channel: Channel; confirm: Uint8Array };
}
