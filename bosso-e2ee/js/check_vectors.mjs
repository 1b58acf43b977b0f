// Checks bosso-e2ee's committed secure-mode vectors and the Paseo known-answer frame with the
// independent JS implementations. Usage: node check_vectors.mjs <secure_v1.json> <relay_e2ee_v2.json>
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { x25519 } from '@noble/curves/ed25519.js';
import nacl from 'tweetnacl';
import { ClientHandshake, daemonRespond, fingerprint } from './secure.mjs';
import { PaseoClient, b64 } from './paseo.mjs';

const hex = (u8) => Buffer.from(u8).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
const v = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const dStatic = unhex(v.daemon_static_secret_hex);
assert.equal(hex(x25519.getPublicKey(dStatic)), v.daemon_static_public_hex);
assert.equal(fingerprint(unhex(v.daemon_static_public_hex)), v.daemon_static_fingerprint, 'fingerprint');

let checked = 0;
for (const name of ['default_limits', 'small_rekey_interval']) {
  const s = v[name];
  const opts = { rekeyEvery: Number(s.rekey_after_messages) };
  const hs = new ClientHandshake(unhex(v.daemon_static_public_hex), unhex(v.client_ephemeral_secret_hex), opts);
  assert.equal(hex(hs.hello), s.hello_hex, `${name} hello`);
  const d = daemonRespond(dStatic, hs.hello, unhex(v.daemon_ephemeral_secret_hex), opts);
  assert.equal(hex(d.ready), s.ready_hex, `${name} ready`);
  const { channel: c, confirm } = hs.readReady(d.ready);
  assert.equal(hex(c.handshakeHash), s.handshake_hash_hex, `${name} hash`);
  assert.equal(hex(confirm), s.confirm_hex, `${name} confirm`);
  const dc = d.readConfirm(confirm);
  for (const m of s.messages) {
    const pt = unhex(m.plaintext_hex);
    const [tx, rx] = m.dir === 'c2d' ? [c, dc] : [dc, c];
    const f = tx.seal(pt);
    assert.equal(hex(f), m.frame_hex, `${name} ${m.dir} frame`);
    assert.equal(hex(rx.open(f)), m.plaintext_hex);
    checked += 1;
  }
  assert.equal(hex(c.sealClose()), s.close_c2d_hex, `${name} close`);
}

// Paseo known answer.
const p = JSON.parse(readFileSync(process.argv[3], 'utf8')).known_answer;
const daemonKp = nacl.box.keyPair.fromSecretKey(unhex(p.daemon_secret_hex));
assert.equal(b64(daemonKp.publicKey), p.daemon_public_b64);
const clientKp = nacl.box.keyPair.fromSecretKey(unhex(p.client_secret_hex));
assert.equal(b64(clientKp.publicKey), p.client_public_b64);
const pc = new PaseoClient(daemonKp.publicKey, clientKp);
assert.equal(hex(pc.shared), p.beforenm_key_hex);
const frame = pc.seal(new TextEncoder().encode(p.plaintext), unhex(p.nonce_hex));
assert.equal(frame, p.frame_text);
console.log(`OK: ${checked} secure frames, the fingerprint and the paseo known answer match`);
