// Pairing offers (SPEC.md "Pairing offer") and the daemon key fingerprint ("Fingerprint (v2)").
// Validation follows bosso-e2ee's Rust parser step by step (src/offer.rs), with the same
// refusal reasons in the same order, so a page refuses exactly the offers the daemon's own
// tools refuse.
import { sha256 } from '@noble/hashes/sha2.js';
import { BossoError } from './errors.js';
import { b64, b64url, concat, unb64, utf8, utf8Len } from './bytes.js';
import { readStruct } from './json.js';

/** Largest offer URL accepted, in UTF-8 bytes. */
export const MAX_OFFER_LEN = 4096;
/** Largest relay endpoint accepted. */
export const MAX_ENDPOINT_LEN = 255;
/** Largest server id accepted. */
export const MAX_SERVER_ID_LEN = 128;

const OFFER_FIELDS = [
  { name: 'v', kind: 'u32' },
  { name: 'serverId', kind: 'string' },
  { name: 'daemonPublicKeyB64', kind: 'string' },
  { name: 'relay', kind: [{ name: 'endpoint', kind: 'string' }] },
];

const invalid = (reason) => new BossoError('InvalidOffer', reason);
const visibleAscii = (s) => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
};

function checkServerId(id) {
  if (id.length === 0) throw invalid('serverId is empty');
  if (utf8Len(id) > MAX_SERVER_ID_LEN) throw invalid('serverId longer than 128 bytes');
  if (!visibleAscii(id)) throw invalid('serverId must be visible ASCII (no space or control character)');
}

function checkEndpoint(e) {
  const cut = e.lastIndexOf(':');
  const host = cut < 0 ? '' : e.slice(0, cut);
  const port = cut < 0 ? '' : e.slice(cut + 1);
  // Rust's u16 parse: ASCII digits with an optional leading '+', value 1..=65535.
  const digits = port.startsWith('+') ? port.slice(1) : port;
  const portOk = /^[0-9]+$/.test(digits) && Number(digits) >= 1 && Number(digits) <= 65535;
  const ok = e.length > 0 && utf8Len(e) <= MAX_ENDPOINT_LEN && visibleAscii(e) && host.length > 0 && portOk;
  if (!ok) throw invalid('relay endpoint must be host:port');
}

/**
 * @typedef {{ serverId: string, daemonPublicKey: Uint8Array, relayEndpoint: string }} PairingOffer
 */

/**
 * Parses the JSON payload of an offer (bytes, or a string taken as UTF-8).
 * @param {Uint8Array | string} json
 * @returns {PairingOffer}
 */
export function parseOfferJson(json) {
  const bytes = typeof json === 'string' ? utf8(json) : json;
  const o = readStruct(bytes, OFFER_FIELDS);
  if (o === null) throw invalid('not offer JSON');
  if (o.v !== 2) throw invalid('unsupported offer version');
  let key;
  try {
    key = unb64(o.daemonPublicKeyB64);
  } catch {
    key = null;
  }
  if (key === null || key.length !== 32) throw invalid('daemon public key is not 32 bytes of base64');
  checkServerId(o.serverId);
  checkEndpoint(o.relay.endpoint);
  return Object.freeze({ serverId: o.serverId, daemonPublicKey: key, relayEndpoint: o.relay.endpoint });
}

/**
 * Parses a full offer URL (`https://app/#offer=...`) or a bare `offer=...` fragment.
 * @param {string} url
 * @returns {PairingOffer}
 */
export function parseOffer(url) {
  if (typeof url !== 'string') throw invalid('no #offer= fragment');
  if (utf8Len(url) > MAX_OFFER_LEN) throw invalid('offer too long');
  const hash = url.indexOf('#');
  const fragment = hash < 0 ? url : url.slice(hash + 1);
  if (!fragment.startsWith('offer=')) throw invalid('no #offer= fragment');
  let json;
  try {
    json = unb64(fragment.slice('offer='.length));
  } catch {
    throw invalid('offer is not base64url');
  }
  return parseOfferJson(json);
}

/**
 * The compact offer JSON, byte for byte as Paseo and the Rust crate write it.
 * @param {PairingOffer} offer
 */
export function offerToJson(offer) {
  checkServerId(offer.serverId);
  checkEndpoint(offer.relayEndpoint);
  if (!(offer.daemonPublicKey instanceof Uint8Array) || offer.daemonPublicKey.length !== 32) {
    throw new BossoError('InvalidPublicKey', 'daemon public key must be 32 bytes');
  }
  return JSON.stringify({
    v: 2,
    serverId: offer.serverId,
    daemonPublicKeyB64: b64(offer.daemonPublicKey),
    relay: { endpoint: offer.relayEndpoint },
  });
}

/** `<appBaseUrl>/#offer=<base64url(JSON)>`. */
export function offerToUrl(offer, appBaseUrl) {
  return `${appBaseUrl.replace(/\/+$/, '')}/#offer=${b64url(utf8(offerToJson(offer)))}`;
}

const FINGERPRINT_DOMAIN = utf8('bosso-e2ee fingerprint v2');

/**
 * The daemon key fingerprint people compare out of band: 40 digits in 8 groups of 5. Group i
 * is the big-endian u32 of d[4i..4i+4] modulo 100000, d = SHA-256(domain || key).
 * @param {Uint8Array} publicKey
 */
export function fingerprint(publicKey) {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw new BossoError('InvalidPublicKey', 'a public key is 32 bytes');
  }
  const d = sha256(concat(FINGERPRINT_DOMAIN, publicKey));
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const groups = [];
  for (let i = 0; i < 32; i += 4) groups.push(String(view.getUint32(i, false) % 100000).padStart(5, '0'));
  return groups.join(' ');
}
