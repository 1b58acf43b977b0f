// Attach tokens (bosso-token SPEC "Subprotocol carriage" and bosso-e2ee SPEC "Client
// authentication"): the subprotocol list a browser offers, the check of the server's echo,
// and the in-channel attach record whose token is bound to the handshake hash.
import { BossoError } from './errors.js';
import { b64url, concat, utf8 } from './bytes.js';

/** The prefix of the subprotocol entry that carries the attach token. */
export const ATTACH_PROTOCOL_PREFIX = 'bosso.attach.';
/** Largest attach token accepted (bosso-token's size cap). */
export const MAX_TOKEN_LEN = 600;
/** The tag that starts the in-channel attach message. */
const ATTACH_MAGIC = utf8('bosso-e2ee/attach\0');

// RFC 7230 tchar: what a subprotocol name (an HTTP token) may contain.
const TOKEN_RE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function checkAppProtocol(app) {
  if (typeof app !== 'string' || !TOKEN_RE.test(app) || app.startsWith(ATTACH_PROTOCOL_PREFIX)) {
    throw new BossoError('InvalidProtocol', 'application protocol must be an HTTP token');
  }
}

function checkToken(token) {
  if (typeof token !== 'string' || token.length === 0 || !TOKEN_RE.test(token)) {
    throw new BossoError('InvalidToken', 'attach token must be a non-empty HTTP token');
  }
  if (token.length > MAX_TOKEN_LEN) throw new BossoError('InvalidToken', 'attach token longer than 600 bytes');
}

/**
 * The subprotocol list to pass to `new WebSocket(url, protocols)`: `[app, 'bosso.attach.' +
 * token]`. The browser sends it as `Sec-WebSocket-Protocol: app, bosso.attach.<token>`.
 */
export function attachProtocols(appProtocol, token) {
  checkAppProtocol(appProtocol);
  checkToken(token);
  return [appProtocol, ATTACH_PROTOCOL_PREFIX + token];
}

/**
 * Checks the protocol the server echoed in its 101 (the WebSocket's `protocol` after open).
 * A server that echoes the token entry is refused (`EchoedToken`: the token would sit in
 * every proxy log); any echo but the application protocol is `WrongEcho`.
 */
export function checkAttachEcho(echoed, appProtocol) {
  if (typeof echoed === 'string' && echoed.startsWith(ATTACH_PROTOCOL_PREFIX)) {
    throw new BossoError('EchoedToken', 'server echoed the attach token entry');
  }
  if (echoed !== appProtocol) throw new BossoError('WrongEcho', 'server did not echo the application protocol');
}

/** The audience an in-channel attach token must carry: `e2ee.` + base64url(handshake hash). */
export function channelAudience(binding) {
  if (!(binding instanceof Uint8Array) || binding.length !== 32) {
    throw new BossoError('Internal', 'a channel binding is 32 bytes');
  }
  return `e2ee.${b64url(binding)}`;
}

/** The plaintext of the in-channel attach record: `"bosso-e2ee/attach" 0x00 token`. */
export function attachRecord(token) {
  checkToken(token);
  return concat(ATTACH_MAGIC, utf8(token));
}

/** Seals the attach record as the first application message on a secure `channel`. */
export function sealAttach(channel, token) {
  const msg = attachRecord(token);
  try {
    return channel.seal(msg);
  } finally {
    msg.fill(0);
  }
}
