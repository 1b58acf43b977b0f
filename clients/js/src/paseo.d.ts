export interface PaseoLimits {
  readonly maxPayloadLen: number;
  /** Nonces remembered to refuse duplicates and reflections: 256 to 65536. */
  readonly duplicateWindow: number;
}

export declare const NONCE_LEN: 24;
export declare const TAG_LEN: 16;
export declare const MAX_CONTROL_LEN: 256;
export declare const READY_JSON: '{"type":"e2ee_ready"}';
export declare const MIN_DUPLICATE_WINDOW: 256;
export declare const MAX_DUPLICATE_WINDOW: 65536;

export declare function paseoLimits(options?: Partial<PaseoLimits>): PaseoLimits;
export declare function paseoMaxFrameLen(limits: PaseoLimits): number;
/** A control message (hello or ready): at most 256 bytes, then serde_json's rules. */
export declare function parseControl(text: string): { type: string; key?: string };

export type PaseoReceived = { data: Uint8Array } | { readyAgain: true };

/** An open paseo channel (client end). Any refused frame closes it. */
export declare class PaseoChannel {
  private constructor();
  readonly isClosed: boolean;
  readonly limits: PaseoLimits;
  abort(): void;
  /** A base64 text frame; `nonce` is for test vectors only. */
  seal(payload: Uint8Array, nonce?: Uint8Array): string;
  open(text: string): PaseoReceived;
}

export interface PaseoClientOptions {
  limits?: PaseoLimits;
  /** Test vectors only. */
  keyPair?: { publicKey: Uint8Array; secretKey: Uint8Array };
  /** Test vectors only. */
  randomBytes?: (n: number) => Uint8Array;
}

/** Paseo client: send `hello` (again every second) until `readReady(text)`. */
export declare class PaseoClientHandshake {
  constructor(daemonPublicKey: Uint8Array, options?: PaseoClientOptions);
  readonly hello: string;
  readonly sharedKey: Uint8Array;
  readReady(text: string): PaseoChannel;
}
