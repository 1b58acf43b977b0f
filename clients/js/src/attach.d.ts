import type { Channel } from './secure.js';

export declare const ATTACH_PROTOCOL_PREFIX: 'bosso.attach.';
export declare const MAX_TOKEN_LEN: 600;

/** `[appProtocol, 'bosso.attach.' + token]`, for `new WebSocket(url, protocols)`. */
export declare function attachProtocols(appProtocol: string, token: string): [string, string];
/** Throws `EchoedToken` for an echoed token entry, `WrongEcho` for anything but `appProtocol`. */
export declare function checkAttachEcho(echoed: string, appProtocol: string): void;
/** `e2ee.` + base64url(handshake hash): the audience of an in-channel attach token. */
export declare function channelAudience(binding: Uint8Array): string;
/** The in-channel attach message: `"bosso-e2ee/attach" 0x00 token`. */
export declare function attachRecord(token: string): Uint8Array;
/** Seals the attach message as the first application message of `channel`. */
export declare function sealAttach(channel: Channel, token: string): Uint8Array;
