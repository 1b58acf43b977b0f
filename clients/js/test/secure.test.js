// Secure mode refusals, each with its typed error, and the rekey and counter bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { x25519 } from '@noble/curves/ed25519.js';
import { ClientHandshake, limits, MAX_PAYLOAD_LEN } from '../src/index.js';
import { Channel } from '../src/channel.js';
import { CipherState, REC_APP, REC_CONFIRM } from '../src/noise.js';
import { daemonRespond } from '../src/daemon.js';

const enc = new TextEncoder();
const daemonSecret = new Uint8Array(32).fill(7);
const daemonPublic = x25519.getPublicKey(daemonSecret);
// A point of order 8 on Curve25519 (Wycheproof x25519 "low order" public key).
const LOW_ORDER = Uint8Array.from(Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex'));

/** An open pair: [client channel, daemon channel]. */
function pair(l = limits()) {
  const hs = new ClientHandshake(daemonPublic, { limits: l });
  const d = daemonRespond(daemonSecret, hs.hello, { limits: l });
  const { channel, confirm } = hs.readReady(d.ready);
  return [channel, d.readConfirm(confirm)];
}

test('a round trip both ways, and the binding is the same on both ends', () => {
  const [c, d] = pair();
  assert.deepEqual(d.open(c.seal(enc.encode('ping'))), enc.encode('ping'));
  assert.deepEqual(c.open(d.seal(enc.encode('pong'))), enc.encode('pong'));
  assert.deepEqual(c.binding, d.binding);
  assert.deepEqual(d.open(c.seal(new Uint8Array(MAX_PAYLOAD_LEN))).length, MAX_PAYLOAD_LEN);
});

test('an impostor ready (another static key) fails authentication', () => {
  const hs = new ClientHandshake(daemonPublic);
  const other = daemonRespond(new Uint8Array(32).fill(9), new ClientHandshake(x25519.getPublicKey(new Uint8Array(32).fill(9))).hello);
  assert.throws(() => hs.readReady(other.ready), { code: 'Authentication' });
  assert.throws(() => hs.readReady(other.ready), { code: 'ChannelClosed' }, 'a handshake is used once');
});

test('a hello made for another daemon fails at that daemon', () => {
  const hs = new ClientHandshake(x25519.getPublicKey(new Uint8Array(32).fill(9)));
  assert.throws(() => daemonRespond(daemonSecret, hs.hello), { code: 'Authentication' });
});

test('malformed readies are refused with the Rust error for each', () => {
  const good = daemonRespond(daemonSecret, new ClientHandshake(daemonPublic).hello).ready;
  const cases = [
    [new Uint8Array([1]), 'MalformedFrame'],
    [Uint8Array.of(2, ...good.subarray(1)), 'UnsupportedVersion'],
    [Uint8Array.of(1, 1, ...good.subarray(2)), 'UnexpectedFrame'],
    [Uint8Array.of(1, 3, ...good.subarray(2)), 'UnexpectedFrame'],
    [Uint8Array.of(1, 9, ...good.subarray(2)), 'MalformedFrame'],
    [good.subarray(0, 49), 'MalformedFrame'],
    [Uint8Array.of(...good, 0), 'MalformedFrame'],
    [Uint8Array.of(1, 2, ...LOW_ORDER, ...good.subarray(34)), 'WeakPublicKey'],
    [Uint8Array.of(1, 2, ...new Uint8Array(32), ...good.subarray(34)), 'WeakPublicKey'],
  ];
  for (const [frame, code] of cases) {
    assert.throws(() => new ClientHandshake(daemonPublic).readReady(frame), { code }, code);
  }
});

test('a low-order daemon key is refused before any hello is made', () => {
  assert.throws(() => new ClientHandshake(LOW_ORDER), { code: 'WeakPublicKey' });
  assert.throws(() => new ClientHandshake(new Uint8Array(31)), { code: 'InvalidPublicKey' });
});

test('replayed, reordered, reflected, tampered and truncated frames are refused and close the channel', () => {
  const attacks = {
    replay: (c, d) => {
      const f = c.seal(enc.encode('a'));
      d.open(f);
      return [d, f, 'Authentication'];
    },
    reorder: (c, d) => {
      c.seal(enc.encode('a'));
      return [d, c.seal(enc.encode('b')), 'Authentication'];
    },
    reflect: (c) => [c, c.seal(enc.encode('a')), 'Authentication'],
    tamper: (c, d) => {
      const f = c.seal(enc.encode('a'));
      f[5] ^= 1;
      return [d, f, 'Authentication'];
    },
    truncate: (c, d) => [d, c.seal(enc.encode('abc')).subarray(0, 19), 'Authentication'],
    short: (c, d) => [d, c.seal(enc.encode('a')).subarray(0, 18), 'MalformedFrame'],
    version: (c, d) => [d, Uint8Array.of(2, ...c.seal(enc.encode('a')).subarray(1)), 'UnsupportedVersion'],
    hello: (c, d) => [d, new ClientHandshake(daemonPublic).hello, 'HelloOnOpenChannel'],
    ready: (c, d) => [c, Uint8Array.of(1, 2, ...d.seal(enc.encode('a')).subarray(2)), 'UnexpectedFrame'],
    unknownKind: (c, d) => [d, Uint8Array.of(1, 7, ...c.seal(enc.encode('a')).subarray(2)), 'MalformedFrame'],
    confirmOnOpen: (c, d) => [d, c.sealRecord(REC_CONFIRM, new Uint8Array(0)), 'UnexpectedFrame'],
    unknownRecord: (c, d) => [d, c.sealRecord(9, new Uint8Array(0)), 'MalformedFrame'],
    oversize: (c, d) => [d, new Uint8Array(2 + MAX_PAYLOAD_LEN + 18).fill(1, 0, 1).fill(3, 1, 2), 'FrameTooLarge'],
  };
  for (const [name, attack] of Object.entries(attacks)) {
    const [c, d] = pair();
    const [victim, frame, code] = attack(c, d);
    assert.throws(() => victim.open(frame), { code }, name);
    assert.equal(victim.isClosed, true, name);
    assert.throws(() => victim.open(frame), { code: 'ChannelClosed' }, `${name}: closed after`);
  }
});

test('an authenticated close ends the stream distinguishably; sealing after close is refused', () => {
  const [c, d] = pair();
  assert.throws(() => d.open(c.sealClose()), { code: 'ClosedByPeer' });
  assert.throws(() => c.seal(enc.encode('x')), { code: 'ChannelClosed' });
  assert.throws(() => d.seal(enc.encode('x')), { code: 'ChannelClosed' });
});

test('a payload over the limit is refused before sealing and the channel stays open', () => {
  const [c, d] = pair(limits({ maxPayloadLen: 10 }));
  assert.throws(() => c.seal(new Uint8Array(11)), { code: 'FrameTooLarge' });
  assert.equal(c.isClosed, false);
  assert.deepEqual(d.open(c.seal(new Uint8Array(10))).length, 10);
  assert.throws(() => limits({ maxPayloadLen: MAX_PAYLOAD_LEN + 1 }), { code: 'InvalidLimits' });
  assert.throws(() => limits({ rekeyAfterMessages: 0 }), { code: 'InvalidLimits' });
});

/** Records under a bare CipherState, calling rekey before the listed records. */
function reference(key, count, payload, rekeyBefore) {
  const cs = new CipherState(key.slice());
  return Array.from({ length: count }, (_, i) => {
    if (rekeyBefore.includes(i)) cs.rekey();
    return Uint8Array.of(1, 3, ...cs.encrypt(new Uint8Array(0), Uint8Array.of(...payload, REC_APP)));
  });
}

function checkRekeys(l, rekeyBefore) {
  const key = new Uint8Array(32).fill(1);
  const payload = enc.encode('0123456789');
  const client = new Channel(new CipherState(key.slice()), new CipherState(new Uint8Array(32).fill(2)), new Uint8Array(32), l);
  const daemon = new Channel(new CipherState(new Uint8Array(32).fill(2)), new CipherState(key.slice()), new Uint8Array(32), l);
  reference(key, 8, payload, rekeyBefore).forEach((expected, i) => {
    const f = client.seal(payload);
    assert.deepEqual(f, expected, `record ${i}`);
    assert.deepEqual(daemon.open(f), payload);
  });
}

const WIRE = 10 + 1 + 16;
test('rekey happens exactly when a direction reaches the record bound, counting the record just sent', () => {
  checkRekeys(limits({ rekeyAfterMessages: 3 }), [3, 6]);
  checkRekeys(limits({ rekeyAfterMessages: 1 }), [1, 2, 3, 4, 5, 6, 7]);
  checkRekeys(limits(), []);
});

test('rekey happens exactly when a direction reaches the byte bound', () => {
  checkRekeys(limits({ rekeyAfterBytes: 2 * WIRE }), [2, 4, 6]);
  checkRekeys(limits({ rekeyAfterBytes: 2 * WIRE + 1 }), [3, 6]);
  checkRekeys(limits({ rekeyAfterBytes: 2 * WIRE - 1 }), [2, 4, 6]);
});

test('the last message uses n = 2^64-2; the next seal or open is CounterExhausted and closes', () => {
  const k = new Uint8Array(32).fill(5);
  const last = (1n << 64n) - 2n;
  const c = new Channel(new CipherState(k.slice(), last), new CipherState(new Uint8Array(32)), new Uint8Array(32), limits());
  const d = new Channel(new CipherState(new Uint8Array(32)), new CipherState(k.slice(), last), new Uint8Array(32), limits());
  const f = c.seal(enc.encode('last'));
  assert.throws(() => c.seal(enc.encode('one more')), { code: 'CounterExhausted' });
  assert.equal(c.isClosed, true);
  assert.deepEqual(d.open(f), enc.encode('last'));
  assert.throws(() => d.open(f), { code: 'CounterExhausted' });
  assert.equal(d.isClosed, true);
});
