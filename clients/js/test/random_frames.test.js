// Bad input never escapes as an untyped exception: seeded random and mutated frames, offers,
// control messages and WebSocket messages, each refused with a BossoError (or accepted), and a
// refused frame always leaves the channel closed. The seed is fixed, so a failure reproduces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { x25519 } from '@noble/curves/ed25519.js';
import nacl from 'tweetnacl';
import { BossoError, ClientHandshake, PaseoClientHandshake, connectSecure, limits, paseoLimits, parseOffer, b64, b64url } from '../src/index.js';
import { Channel } from '../src/channel.js';
import { CipherState } from '../src/noise.js';
import { PaseoChannel } from '../src/paseo.js';
import { daemonRespond, paseoDaemonRespond } from '../src/daemon.js';
import { seeded } from './helpers.js';

const ROUNDS = 1500;
const rng = seeded(0x5eed2101);
const secret = new Uint8Array(32).fill(3);
const publicKey = x25519.getPublicKey(secret);

/** `f()` returns or throws a BossoError; anything else fails the test. */
function typedOnly(f, what) {
  try {
    return { ok: f() };
  } catch (e) {
    assert.ok(e instanceof BossoError, `${what}: untyped ${e?.constructor?.name}: ${e?.message}`);
    return { err: e };
  }
}

/** A random mutation of `frame`: flips, truncation, extension, header bytes, or pure noise. */
function mutate(frame) {
  const f = frame.slice();
  switch (rng.int(6)) {
    case 0:
      f[rng.int(f.length)] ^= 1 << rng.int(8);
      return f;
    case 1:
      return f.subarray(0, rng.int(f.length));
    case 2:
      return Uint8Array.of(...f, ...rng.bytes(1 + rng.int(40)));
    case 3:
      f[rng.int(2)] = rng.int(256);
      return f;
    case 4:
      return rng.bytes(rng.int(120));
    default:
      return rng.bytes(rng.int(70000));
  }
}

// The handshake is fuzzed on its own below; channels here start from fixed keys (a fresh
// pair per round, since every refusal closes the channel).
function openPair() {
  const k1 = new Uint8Array(32).fill(1);
  const k2 = new Uint8Array(32).fill(2);
  const l = limits();
  const h = new Uint8Array(32);
  return [new Channel(new CipherState(k1.slice()), new CipherState(k2.slice()), h, l), new Channel(new CipherState(k2.slice()), new CipherState(k1.slice()), h, l)];
}

test('secure channel: random and mutated frames are refused with typed errors and close it', () => {
  let refused = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const [c, d] = openPair();
    const frame = mutate(d.seal(rng.bytes(rng.int(64))));
    const r = typedOnly(() => c.open(frame), 'open');
    if (r.err) {
      refused += 1;
      assert.equal(c.isClosed, true);
      typedOnly(() => c.seal(new Uint8Array(1)), 'seal after refusal');
    }
  }
  assert.ok(refused > ROUNDS * 0.95, `${refused} refused`);
});

test('secure handshake: random and mutated readies are refused with typed errors', () => {
  for (let i = 0; i < 200; i++) {
    const hs = new ClientHandshake(publicKey);
    const ready = daemonRespond(secret, new ClientHandshake(publicKey).hello).ready;
    typedOnly(() => hs.readReady(mutate(ready)), 'readReady');
  }
});

test('paseo channel: random texts, mutated frames and control messages are refused with typed errors', () => {
  const daemon = nacl.box.keyPair.fromSecretKey(new Uint8Array(32).fill(1));
  // The handshake's hello and ready are covered by the control-message cases; frames use one key.
  const hs = new PaseoClientHandshake(daemon.publicKey);
  const shared = hs.sharedKey;
  typedOnly(() => paseoDaemonRespond(daemon.secretKey, hs.hello), 'paseo hello');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_{}":, é\u0000\ud800';
  for (let i = 0; i < ROUNDS; i++) {
    const c = new PaseoChannel(shared, paseoLimits(), nacl.randomBytes);
    const d = { channel: new PaseoChannel(shared, paseoLimits(), nacl.randomBytes) };
    let text;
    switch (rng.int(3)) {
      case 0:
        text = b64(mutate(Buffer.from(d.channel.seal(rng.bytes(rng.int(64))), 'base64')));
        break;
      case 1:
        text = Array.from({ length: rng.int(300) }, () => alphabet[rng.int(alphabet.length)]).join('');
        break;
      default:
        text = `{"type":"e2ee_ready"${Array.from({ length: rng.int(8) }, () => alphabet[rng.int(alphabet.length)]).join('')}}`;
    }
    const r = typedOnly(() => c.open(text), 'paseo open');
    if (r.err) assert.equal(c.isClosed, true);
  }
});

test('pairing offers: random and mutated URLs are refused with typed errors', () => {
  const json = new TextEncoder().encode(
    `{"v":2,"serverId":"srv_x","daemonPublicKeyB64":"${b64(publicKey)}","relay":{"endpoint":"h:1"}}`,
  );
  for (let i = 0; i < ROUNDS; i++) {
    const url = rng.int(2) ? `https://a/#offer=${b64url(mutate(json))}` : `#offer=${b64url(json)}`.slice(0, rng.int(120));
    const r = typedOnly(() => parseOffer(url), 'parseOffer');
    if (r.err) assert.equal(r.err.code, 'InvalidOffer');
  }
});

/** A WHATWG-shaped WebSocket whose peer is the test: `deliver(data)` plays a received message. */
class FakeSocket extends EventTarget {
  readyState = 1;
  protocol = '';
  binaryType = 'blob';
  sent = [];
  send(data) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  deliver(data) {
    const ev = new Event('message');
    ev.data = data;
    this.dispatchEvent(ev);
  }
}

test('sessions: random WebSocket messages end the session with a typed reason, never an exception', async () => {
  for (let i = 0; i < 100; i++) {
    const ws = new FakeSocket();
    const pending = connectSecure(ws, publicKey, { deadlineMs: 1000 });
    await new Promise((r) => setImmediate(r));
    const d = daemonRespond(secret, new Uint8Array(ws.sent[0]));
    ws.deliver(d.ready.buffer);
    const session = await pending;
    const channel = d.readConfirm(new Uint8Array(ws.sent[1]));
    for (let k = 0; k < 5 && !session.isClosed; k++) {
      const kind = rng.int(4);
      if (kind === 0) ws.deliver(channel.seal(rng.bytes(8)).buffer);
      else if (kind === 1) ws.deliver(mutate(channel.seal(rng.bytes(8))).buffer);
      else if (kind === 2) ws.deliver('text in secure mode');
      else ws.deliver(rng.bytes(rng.int(100)));
    }
    ws.deliver(mutate(new Uint8Array(10)).buffer);
    const reason = await Promise.race([session.closed, new Promise((r) => setTimeout(() => r('open'), 5))]);
    if (reason !== 'open') assert.ok(reason instanceof BossoError);
    session.close();
    assert.ok((await session.closed) instanceof BossoError);
  }
});
