// Pairing offers: a round trip, the fingerprint formula, and every refusal of the Rust parser
// with its exact reason (the differential test in tests/node_interop.rs compares both parsers
// over thousands of mutated offers; these cases are the named ones).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fingerprint, offerToJson, offerToUrl, parseOffer, parseOfferJson, b64, b64url } from '../src/index.js';

const key = new Uint8Array(32).map((_, i) => i + 1);
const offer = { serverId: 'srv_AAAAAAAAAAAA', daemonPublicKey: key, relayEndpoint: 'relay.example:443' };
const enc = (json) => `https://app.example/#offer=${b64url(new TextEncoder().encode(json))}`;
const good = (o = {}) =>
  JSON.stringify({ v: 2, serverId: 'srv_x', daemonPublicKeyB64: b64(key), relay: { endpoint: 'h:1' }, ...o });

test('an offer round-trips through the URL, byte for byte as Paseo writes it', () => {
  const url = offerToUrl(offer, 'https://app.example/');
  assert.ok(url.startsWith('https://app.example/#offer='));
  assert.equal(
    offerToJson(offer),
    `{"v":2,"serverId":"srv_AAAAAAAAAAAA","daemonPublicKeyB64":"${b64(key)}","relay":{"endpoint":"relay.example:443"}}`,
  );
  const back = parseOffer(url);
  assert.equal(back.serverId, offer.serverId);
  assert.deepEqual(back.daemonPublicKey, key);
  assert.equal(back.relayEndpoint, offer.relayEndpoint);
  assert.deepEqual(parseOffer(url.slice(url.indexOf('#') + 1)).daemonPublicKey, key, 'a bare fragment');
});

test('the fingerprint is 8 groups of 5 digits from SHA-256(domain || key), checked with node:crypto', () => {
  const d = createHash('sha256').update('bosso-e2ee fingerprint v2').update(key).digest();
  const expected = [0, 4, 8, 12, 16, 20, 24, 28].map((i) => String(d.readUInt32BE(i) % 100000).padStart(5, '0')).join(' ');
  assert.equal(fingerprint(key), expected);
  assert.equal(fingerprint(key).length, 47);
  assert.throws(() => fingerprint(new Uint8Array(31)), { code: 'InvalidPublicKey' });
});

const refusals = [
  ['offer too long', `https://a/#offer=${'A'.repeat(4096)}`],
  ['no #offer= fragment', 'https://app.example/#other=1'],
  ['no #offer= fragment', 'https://app.example/'],
  ['offer is not base64url', 'offer=!!!'],
  ['offer is not base64url', 'offer=AB=C'],
  ['offer is not base64url', 'offer=AR'], // non-zero trailing bits
  ['not offer JSON', enc('{')],
  ['not offer JSON', enc(good().replace('"v":2', '"v":2.0'))],
  ['not offer JSON', enc(good().replace('"v":2', '"v":-0'))],
  ['not offer JSON', enc(good().replace('"v":2', '"v":"2"'))],
  ['not offer JSON', enc(good().replace('"v":2', '"v":2,"v":2'))],
  ['not offer JSON', enc(good().replace('"relay":{"endpoint":"h:1"}', '"relay":null'))],
  ['not offer JSON', enc(good().replace('"srv_x"', '"\\ud800"'))],
  ['not offer JSON', enc(`${good()} x`)],
  ['not offer JSON', enc(good().replace('"v":2', '"v":4294967298'))],
  ['unsupported offer version', enc(good({ v: 1 }))],
  ['daemon public key is not 32 bytes of base64', enc(good({ daemonPublicKeyB64: b64(new Uint8Array(31)) }))],
  ['daemon public key is not 32 bytes of base64', enc(good({ daemonPublicKeyB64: 'not base64!' }))],
  ['serverId is empty', enc(good({ serverId: '' }))],
  ['serverId longer than 128 bytes', enc(good({ serverId: 'x'.repeat(129) }))],
  ['serverId must be visible ASCII (no space or control character)', enc(good({ serverId: 'srv x' }))],
  ['serverId must be visible ASCII (no space or control character)', enc(good({ serverId: 'srv_é' }))],
  ['relay endpoint must be host:port', enc(good({ relay: { endpoint: 'h' } }))],
  ['relay endpoint must be host:port', enc(good({ relay: { endpoint: ':443' } }))],
  ['relay endpoint must be host:port', enc(good({ relay: { endpoint: 'h:0' } }))],
  ['relay endpoint must be host:port', enc(good({ relay: { endpoint: 'h:65536' } }))],
  ['relay endpoint must be host:port', enc(good({ relay: { endpoint: 'h :1' } }))],
];

for (const [reason, url] of refusals) {
  test(`refused: ${reason} (${url.slice(0, 40)})`, () => {
    assert.throws(() => parseOffer(url), (e) => e.code === 'InvalidOffer' && e.detail === reason);
  });
}

test('accepted as the Rust parser accepts: unknown fields, any visible id, the array form, a + port', () => {
  for (const json of [
    good({ extra: [1, { a: '\ud800' }] }),
    good({ serverId: '!~'.repeat(64) }),
    `[2,"srv_x","${b64(key)}",["h:1"]]`,
    good({ relay: { endpoint: 'h:+443', other: 1 } }),
    ` \n${good()}\t`,
    good().replace('"v"', '"\\u0076"'),
  ]) {
    assert.equal(parseOfferJson(json).relayEndpoint.startsWith('h:'), true, json);
  }
});
