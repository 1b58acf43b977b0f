// @bosso/client: everything a browser needs to reach a Bosso daemon through an untrusted relay.
export { BossoError, ERROR_CODES, isBossoError } from './errors.js';
export { fingerprint, offerToJson, offerToUrl, parseOffer, parseOfferJson, MAX_OFFER_LEN } from './pairing.js';
export { ATTACH_PROTOCOL_PREFIX, attachProtocols, attachRecord, channelAudience, checkAttachEcho, sealAttach } from './attach.js';
export { Channel, ClientHandshake, limits, maxFrameLen, MAX_PAYLOAD_LEN, REKEY_AFTER_BYTES, REKEY_AFTER_MESSAGES } from './secure.js';
export { PaseoChannel, PaseoClientHandshake, paseoLimits, paseoMaxFrameLen, MAX_CONTROL_LEN } from './paseo.js';
export { CLOSE_DEADLINE, CLOSE_NORMAL, CLOSE_REFUSED, connectPaseo, connectSecure, openAttachedWebSocket } from './socket.js';
export { b64, b64url, hex, unb64 } from './bytes.js';
