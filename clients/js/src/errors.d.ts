/** What went wrong; the same names as the Rust crate's error variants where both have one. */
export type ErrorCode =
  | 'InvalidOffer'
  | 'InvalidPublicKey'
  | 'InvalidLimits'
  | 'InvalidProtocol'
  | 'InvalidToken'
  | 'EchoedToken'
  | 'WrongEcho'
  | 'AttachFailed'
  | 'MalformedFrame'
  | 'UnsupportedVersion'
  | 'UnexpectedFrame'
  | 'HelloOnOpenChannel'
  | 'WeakPublicKey'
  | 'Authentication'
  | 'FrameTooLarge'
  | 'DuplicateFrame'
  | 'ChannelClosed'
  | 'ClosedByPeer'
  | 'CounterExhausted'
  | 'Base64'
  | 'Json'
  | 'HandshakeTimeout'
  | 'Transport'
  | 'Random'
  | 'Internal';

export declare const ERROR_CODES: readonly ErrorCode[];

/** The only error this package throws or rejects with. Never carries secret material. */
export declare class BossoError extends Error {
  constructor(code: ErrorCode, detail?: string);
  readonly name: 'BossoError';
  readonly code: ErrorCode;
  /** A fixed description (for `InvalidOffer`, the Rust parser's exact reason). */
  readonly detail: string;
}

export declare function isBossoError(e: unknown, code?: ErrorCode): e is BossoError;
