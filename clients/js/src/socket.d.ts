import type { BossoError } from './errors.js';
import type { Limits } from './secure.js';
import type { PaseoLimits } from './paseo.js';

/** The WHATWG WebSocket surface this package uses (the browser's, or `ws` under Node). */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  binaryType: string;
  send(data: Uint8Array | string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (ev: any) => void): void;
  removeEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (ev: any) => void): void;
}

export declare const CLOSE_NORMAL: 1000;
export declare const CLOSE_DEADLINE: 4008;
export declare const CLOSE_REFUSED: 4011;

export interface AttachedWebSocketOptions {
  appProtocol: string;
  token: string;
  /** Makes the WebSocket; default `new WebSocket(url, protocols)`. */
  webSocket?: (url: string, protocols: string[]) => WebSocketLike;
  /** Default 10000. */
  deadlineMs?: number;
}

/** Opens a WebSocket offering `[appProtocol, 'bosso.attach.' + token]` and checks the echo. */
export declare function openAttachedWebSocket(url: string, options: AttachedWebSocketOptions): Promise<WebSocketLike>;

/** An open session. It ends once; `closed` resolves with the reason. */
export interface Session extends AsyncIterable<Uint8Array> {
  readonly mode: 'secure' | 'paseo';
  readonly isClosed: boolean;
  /** Secure mode: the channel binding (handshake hash); paseo: null. */
  readonly binding: Uint8Array | null;
  /** `ClosedByPeer` for an authenticated close, the refusal's code, `Transport`, ... */
  readonly closed: Promise<BossoError>;
  /** Sends bytes, or a string as UTF-8. Throws the end reason once ended. */
  send(message: Uint8Array | string): void;
  receive(): Promise<Uint8Array>;
  receiveText(): Promise<string>;
  /** Authenticated close (secure mode), then the WebSocket close. */
  close(): void;
}

export interface SecureOptions {
  limits?: Limits;
  /** Handshake (and attach) deadline; default 10000. */
  deadlineMs?: number;
  /** Returns the token for this channel's audience; sent as the first message. */
  attach?: (audience: string) => string | Promise<string>;
}

export interface PaseoOptions {
  limits?: PaseoLimits;
  deadlineMs?: number;
  /** Default 1000, at least 10. */
  helloResendMs?: number;
}

export declare function connectSecure(ws: WebSocketLike, daemonPublicKey: Uint8Array, options?: SecureOptions): Promise<Session>;
export declare function connectPaseo(ws: WebSocketLike, daemonPublicKey: Uint8Array, options?: PaseoOptions): Promise<Session>;
