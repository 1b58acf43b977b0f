export interface PairingOffer {
  /** The daemon's server id on the relay (routing only; not trusted). */
  readonly serverId: string;
  /** The daemon's long-term public key (32 bytes): the trust anchor. */
  readonly daemonPublicKey: Uint8Array;
  /** The relay's `host:port`. */
  readonly relayEndpoint: string;
}

export declare const MAX_OFFER_LEN: 4096;
export declare const MAX_ENDPOINT_LEN: 255;
export declare const MAX_SERVER_ID_LEN: 128;

/** Parses `https://app/#offer=...` or a bare `offer=...`; refuses as the Rust parser does (`InvalidOffer`). */
export declare function parseOffer(url: string): PairingOffer;
/** Parses the offer's v2 JSON (bytes, or a string taken as UTF-8). */
export declare function parseOfferJson(json: Uint8Array | string): PairingOffer;
/** The compact offer JSON, byte for byte as Paseo writes it. */
export declare function offerToJson(offer: PairingOffer): string;
/** `<appBaseUrl>/#offer=<base64url(JSON)>`. */
export declare function offerToUrl(offer: PairingOffer, appBaseUrl: string): string;
/** 40 digits in 8 groups of 5 (SPEC.md "Fingerprint (v2)"), for out-of-band comparison. */
export declare function fingerprint(publicKey: Uint8Array): string;
