// Paseo mode refusals and the attach helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nacl from 'tweetnacl';
import {
  PaseoClientHandshake,
  attachProtocols,
  attachRecord,
  channelAudience,
  checkAttachEcho,
  paseoLimits,
  b64,
} from '../src/index.js';
import { paseoDaemonRespond } from '../src/daemon.js';

const enc = new TextEncoder();
const daemon = nacl.box.keyPair.fromSecretKey(new Uint8Array(32).fill(1));

function pair() {
  const hs = new PaseoClientHandshake(daemon.publicKey);
  const d = paseoDaemonRespond(daemon.secretKey, hs.hello);
  return [hs.readReady(d.ready), d.channel];
}

test('paseo round trip; a repeated ready is ignored', () => {
  const [c, d] = pair();
  assert.deepEqual(d.open(c.seal(enc.encode('ping'))).data, enc.encode('ping'));
  assert.deepEqual(c.open(d.seal(enc.encode('pong'))).data, enc.encode('pong'));
  assert.deepEqual(c.open('{"type":"e2ee_ready"}'), { readyAgain: true });
});

test('paseo refusals close the channel with the Rust error for each', () => {
  const cases = {
    duplicate: (c, d) => {
      const f = d.seal(enc.encode('a'));
      c.open(f);
      return [c, f, 'DuplicateFrame'];
    },
    reflected: (c) => [c, c.seal(enc.encode('a')), 'DuplicateFrame'],
    tampered: (c, d) => {
      const f = Buffer.from(d.seal(enc.encode('abc')), 'base64');
      f[30] ^= 1;
      return [c, f.toString('base64'), 'Authentication'];
    },
    short: (c) => [c, b64(new Uint8Array(39)), 'MalformedFrame'],
    base64: (c) => [c, 'AAAA AAAA', 'Base64'],
    partialPadding: (c, d) => [c, d.seal(enc.encode('abc')).replace(/==$/, '='), 'Base64'],
    otherJson: (c) => [c, '{"type":"ping"}', 'UnexpectedFrame'],
    badJson: (c) => [c, '{"type":"e2ee_ready","type":"e2ee_ready"}', 'Json'],
    longControl: (c) => [c, `{"type":"e2ee_ready","pad":"${'x'.repeat(240)}"}`, 'FrameTooLarge'],
    binary: (c) => [c, new Uint8Array(48), 'UnexpectedFrame'],
  };
  for (const [name, attack] of Object.entries(cases)) {
    const [c, d] = pair();
    const [victim, frame, code] = attack(c, d);
    assert.throws(() => victim.open(frame), { code }, name);
    assert.equal(victim.isClosed, true, name);
    assert.throws(() => victim.open(frame), { code: 'ChannelClosed' }, name);
  }
});

test('url-safe and unpadded frames are accepted, as the Rust receiver accepts them', () => {
  const [c, d] = pair();
  const f = d.seal(enc.encode('lenient')).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  assert.deepEqual(c.open(f).data, enc.encode('lenient'));
});

test('the ready must be a ready; the duplicate window cannot go below 256', () => {
  assert.throws(() => new PaseoClientHandshake(daemon.publicKey).readReady('{"type":"e2ee_hello"}'), { code: 'UnexpectedFrame' });
  assert.throws(() => new PaseoClientHandshake(daemon.publicKey).readReady('nope'), { code: 'Json' });
  assert.throws(() => paseoLimits({ duplicateWindow: 255 }), { code: 'InvalidLimits' });
  assert.throws(() => paseoLimits({ duplicateWindow: 65537 }), { code: 'InvalidLimits' });
  assert.throws(() => new PaseoClientHandshake(new Uint8Array(32)), { code: 'WeakPublicKey' });
});

test('the subprotocol list is [app, bosso.attach.<token>]; bad names and tokens are refused', () => {
  assert.deepEqual(attachProtocols('myapp.v1', 'bat1e.AAAA_-'), ['myapp.v1', 'bosso.attach.bat1e.AAAA_-']);
  for (const app of ['', 'my app', 'a,b', 'bosso.attach.x', 'é']) {
    assert.throws(() => attachProtocols(app, 'bat1e.AAAA'), { code: 'InvalidProtocol' }, app);
  }
  for (const token of ['', 'a b', 'a,b', 'x'.repeat(601)]) {
    assert.throws(() => attachProtocols('myapp.v1', token), { code: 'InvalidToken' });
  }
});

test('a server that echoes the token entry is refused; so is any echo but the app protocol', () => {
  assert.doesNotThrow(() => checkAttachEcho('myapp.v1', 'myapp.v1'));
  assert.throws(() => checkAttachEcho('bosso.attach.bat1e.AAAA', 'myapp.v1'), { code: 'EchoedToken' });
  assert.throws(() => checkAttachEcho('', 'myapp.v1'), { code: 'WrongEcho' });
  assert.throws(() => checkAttachEcho('other.v1', 'myapp.v1'), { code: 'WrongEcho' });
});

test('the channel audience is e2ee. + base64url(binding); the record is magic || token', () => {
  const binding = new Uint8Array(32).map((_, i) => 250 - i);
  assert.equal(channelAudience(binding), `e2ee.${Buffer.from(binding).toString('base64url')}`);
  assert.equal(channelAudience(binding).length, 48);
  assert.deepEqual(attachRecord('bat1e.AA'), Uint8Array.from(Buffer.from('bosso-e2ee/attach\0bat1e.AA')));
});
