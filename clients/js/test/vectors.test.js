// The SPEC vectors, checked from both ends: every secure-mode frame of
// bosso-e2ee/vectors/secure_v1.json, the daemon key fingerprint, and the Paseo known answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nacl from 'tweetnacl';
import { ClientHandshake, fingerprint, limits, PaseoClientHandshake, b64 } from '../src/index.js';
import { publicKeyOf } from '../src/noise.js';
import { daemonRespond } from '../src/daemon.js';
import { hexOf, paseoVectors, secureVectors, unhex } from './helpers.js';

const v = secureVectors();

test('the daemon static key and its fingerprint match the vectors', () => {
  assert.equal(hexOf(publicKeyOf(unhex(v.daemon_static_secret_hex))), v.daemon_static_public_hex);
  assert.equal(fingerprint(unhex(v.daemon_static_public_hex)), v.daemon_static_fingerprint);
  assert.match(v.daemon_static_fingerprint, /^\d{5}( \d{5}){7}$/);
});

for (const name of ['default_limits', 'small_rekey_interval']) {
  test(`secure mode reproduces every frame of ${name}, as client and as daemon`, () => {
    const s = v[name];
    const l = limits({ rekeyAfterMessages: Number(s.rekey_after_messages) });
    const hs = new ClientHandshake(unhex(v.daemon_static_public_hex), {
      limits: l,
      ephemeralSecret: unhex(v.client_ephemeral_secret_hex),
    });
    assert.equal(hexOf(hs.hello), s.hello_hex);
    const d = daemonRespond(unhex(v.daemon_static_secret_hex), hs.hello, {
      limits: l,
      ephemeralSecret: unhex(v.daemon_ephemeral_secret_hex),
    });
    assert.equal(hexOf(d.ready), s.ready_hex);
    const { channel: c, confirm } = hs.readReady(d.ready);
    assert.equal(hexOf(c.binding), s.handshake_hash_hex);
    assert.equal(hexOf(confirm), s.confirm_hex);
    const dc = d.readConfirm(confirm);
    assert.equal(s.messages.length, 15);
    for (const m of s.messages) {
      const [tx, rx] = m.dir === 'c2d' ? [c, dc] : [dc, c];
      const f = tx.seal(unhex(m.plaintext_hex));
      assert.equal(hexOf(f), m.frame_hex, `${m.dir} frame`);
      assert.equal(hexOf(rx.open(f)), m.plaintext_hex);
    }
    const close = c.sealClose();
    assert.equal(hexOf(close), s.close_c2d_hex);
    assert.throws(() => dc.open(close), { code: 'ClosedByPeer' });
  });
}

test('paseo mode reproduces the known-answer frame (tweetnacl)', (t) => {
  const p = paseoVectors();
  if (p === null) return t.skip('../shared/vectors/paseo/relay_e2ee_v2.json not present');
  const k = p.known_answer;
  const daemon = nacl.box.keyPair.fromSecretKey(unhex(k.daemon_secret_hex));
  assert.equal(b64(daemon.publicKey), k.daemon_public_b64);
  const client = nacl.box.keyPair.fromSecretKey(unhex(k.client_secret_hex));
  assert.equal(b64(client.publicKey), k.client_public_b64);
  const hs = new PaseoClientHandshake(daemon.publicKey, { keyPair: client });
  assert.equal(hexOf(hs.sharedKey), k.beforenm_key_hex);
  assert.equal(hs.hello, `{"type":"e2ee_hello","key":"${k.client_public_b64}"}`);
  const ch = hs.readReady('{"type":"e2ee_ready"}');
  const frame = ch.seal(new TextEncoder().encode(k.plaintext), unhex(k.nonce_hex));
  assert.equal(frame, k.frame_text);
});
