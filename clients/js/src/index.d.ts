export { BossoError, ERROR_CODES, isBossoError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { fingerprint, offerToJson, offerToUrl, parseOffer, parseOfferJson, MAX_OFFER_LEN } from './pairing.js';
export type { PairingOffer } from './pairing.js';
export { ATTACH_PROTOCOL_PREFIX, attachProtocols, attachRecord, channelAudience, checkAttachEcho, sealAttach } from './attach.js';
export { Channel, ClientHandshake, limits, maxFrameLen, MAX_PAYLOAD_LEN, REKEY_AFTER_BYTES, REKEY_AFTER_MESSAGES } from './secure.js';
export type { Limits, ClientHandshakeOptions } from './secure.js';
export { PaseoChannel, PaseoClientHandshake, paseoLimits, paseoMaxFrameLen, MAX_CONTROL_LEN } from './paseo.js';
export type { PaseoLimits, PaseoReceived } from './paseo.js';
export { CLOSE_DEADLINE, CLOSE_NORMAL, CLOSE_REFUSED, connectPaseo, connectSecure, openAttachedWebSocket } from './socket.js';
export type { AttachedWebSocketOptions, PaseoOptions, SecureOptions, Session, WebSocketLike } from './socket.js';
/** Standard padded base64. */
export declare function b64(bytes: Uint8Array): string;
/** Unpadded base64url. */
export declare function b64url(bytes: Uint8Array): string;
export declare function hex(bytes: Uint8Array): string;
/** Standard or url-safe, padded or not; anything else is `Base64`. */
export declare function unb64(text: string): Uint8Array;
