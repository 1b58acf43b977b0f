// One error type for the whole package. Every refusal (a malformed offer, a refused frame, a
// server echoing the token entry, a WebSocket that closes early) is a BossoError whose `code`
// names what happened, so a page can switch on it; nothing else is ever thrown at the caller.
// Messages never contain a token, a key or the bytes of a refused frame.

/** @type {readonly string[]} */
export const ERROR_CODES = Object.freeze([
  'InvalidOffer',
  'InvalidPublicKey',
  'InvalidLimits',
  'InvalidProtocol',
  'InvalidToken',
  'EchoedToken',
  'WrongEcho',
  'AttachFailed',
  'MalformedFrame',
  'UnsupportedVersion',
  'UnexpectedFrame',
  'HelloOnOpenChannel',
  'WeakPublicKey',
  'Authentication',
  'FrameTooLarge',
  'DuplicateFrame',
  'ChannelClosed',
  'ClosedByPeer',
  'CounterExhausted',
  'Base64',
  'Json',
  'HandshakeTimeout',
  'Transport',
  'Random',
  'Internal',
]);

export class BossoError extends Error {
  /**
   * @param {string} code one of ERROR_CODES
   * @param {string} [detail] a fixed description (never secret material)
   */
  constructor(code, detail = '') {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'BossoError';
    this.code = code;
    this.detail = detail;
  }
}

/** Whether `e` is a BossoError (with `code`, if given). */
export function isBossoError(e, code) {
  return e instanceof BossoError && (code === undefined || e.code === code);
}

/**
 * Runs `fn`; any exception that is not already a BossoError (a primitive's own Error, a
 * TypeError from a bug) becomes `BossoError(code, detail)`, so callers only ever see typed
 * errors.
 * @template T
 * @param {() => T} fn
 * @param {string} code
 * @param {string} detail
 * @returns {T}
 */
export function typed(fn, code, detail) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BossoError) throw e;
    throw new BossoError(code, detail);
  }
}
