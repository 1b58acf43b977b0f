// The daemon side of both modes, in JS: for the SPEC vectors (every byte checked from both
// ends), the package's own tests and the browser benchmark. Real daemons use the Rust crate
// (bosso-e2ee), which also has the paseo hello replay guard; this side has none and is not
// meant to serve clients.
import nacl from 'tweetnacl';
import { BossoError } from './errors.js';
import { b64, unb64 } from './bytes.js';
import { Channel, limits as checkedLimits } from './channel.js';
import { KIND_HELLO, KIND_READY, REC_CONFIRM, SymmetricState, dh, handshakeFrame, publicKeyOf, randomSecret, splitHandshakeFrame } from './noise.js';
import { PaseoChannel, READY_JSON, paseoLimits, parseControl } from './paseo.js';

/**
 * Secure mode: reads the client's hello with the daemon's static secret. Returns the ready
 * frame and `readConfirm(frame)`, which opens the channel only on an empty key-confirmation
 * record.
 */
export function daemonRespond(staticSecret, hello, options = {}) {
  const l = options.limits ?? checkedLimits();
  const sPub = publicKeyOf(staticSecret);
  const ss = new SymmetricState(sPub);
  const [re, tag] = splitHandshakeFrame(hello, KIND_HELLO);
  ss.mixHash(re);
  ss.mixKey(dh(staticSecret, re));
  ss.decryptAndHash(tag);
  const e = options.ephemeralSecret?.slice() ?? randomSecret();
  const ePub = publicKeyOf(e);
  ss.mixHash(ePub);
  ss.mixKey(dh(e, re));
  e.fill(0);
  const tag2 = ss.encryptAndHash(new Uint8Array(0));
  const ready = handshakeFrame(KIND_READY, ePub, tag2);
  const [c2d, d2c] = ss.split();
  const channel = new Channel(d2c, c2d, ss.h, l);
  let used = false;
  return {
    ready,
    binding: ss.h.slice(),
    readConfirm(frame) {
      if (used) throw new BossoError('ChannelClosed', 'confirm already read');
      used = true;
      const [type, body] = channel.openRecord(frame);
      if (type !== REC_CONFIRM || body.length !== 0) {
        channel.abort();
        throw new BossoError('UnexpectedFrame', 'expected key confirmation');
      }
      return channel;
    },
  };
}

/**
 * Paseo mode: reads the client's hello with the daemon's box secret; returns the open
 * channel and the ready text. A repeated hello with the same key on the open channel is
 * answered by `helloAgain(text)`.
 */
export function paseoDaemonRespond(secretKey, helloText, options = {}) {
  const msg = parseControl(helloText);
  if (msg.type !== 'e2ee_hello') throw new BossoError('UnexpectedFrame', 'expected e2ee_hello');
  if (msg.key === undefined) throw new BossoError('Json', 'hello without key');
  let client;
  try {
    client = unb64(msg.key);
  } catch {
    throw new BossoError('InvalidPublicKey', 'invalid public key encoding');
  }
  if (client.length !== 32) throw new BossoError('InvalidPublicKey', 'invalid public key encoding');
  dh(secretKey, client);
  const shared = nacl.box.before(client, secretKey);
  const channel = new PaseoChannel(shared, options.limits ?? paseoLimits(), options.randomBytes ?? nacl.randomBytes);
  return { channel, ready: READY_JSON, clientKey: b64(client) };
}
